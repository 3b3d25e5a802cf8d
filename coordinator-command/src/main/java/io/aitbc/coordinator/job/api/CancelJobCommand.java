package io.aitbc.coordinator.job.api;

import org.axonframework.modelling.command.TargetAggregateIdentifier;

/** The job's client, or an admin, withdraws a job that has not finished. */
public record CancelJobCommand(@TargetAggregateIdentifier String jobId, String requestedBy) {
}
