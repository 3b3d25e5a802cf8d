package io.aitbc.coordinator.job.api;

import org.axonframework.modelling.command.TargetAggregateIdentifier;

/** The job's time to live may have passed. Ignored for a finished job or one that has time left. */
public record ExpireJobCommand(@TargetAggregateIdentifier String jobId) {
}
