package io.aitbc.coordinator.job.api;

import org.axonframework.modelling.command.TargetAggregateIdentifier;

/** The assigned miner could not run the job; a retryable failure puts it back in the queue. */
public record FailJobCommand(
        @TargetAggregateIdentifier String jobId,
        String minerId,
        String errorCode,
        String errorMessage,
        boolean retryable) {
}
