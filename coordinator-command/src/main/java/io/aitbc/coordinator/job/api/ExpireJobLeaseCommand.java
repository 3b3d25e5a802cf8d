package io.aitbc.coordinator.job.api;

import org.axonframework.modelling.command.TargetAggregateIdentifier;

/**
 * The lease of {@code attempt} may have lapsed. Ignored when the job moved on since, or the lease
 * was renewed; otherwise the job is requeued, or fails after its last attempt.
 */
public record ExpireJobLeaseCommand(@TargetAggregateIdentifier String jobId, int attempt) {
}
