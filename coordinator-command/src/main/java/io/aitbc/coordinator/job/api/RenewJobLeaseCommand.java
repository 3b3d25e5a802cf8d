package io.aitbc.coordinator.job.api;

import org.axonframework.modelling.command.TargetAggregateIdentifier;

import java.time.Instant;

/** The assigned miner is alive: its lease on the job now lasts until {@code leaseExpiresAt}. */
public record RenewJobLeaseCommand(@TargetAggregateIdentifier String jobId, String minerId, Instant leaseExpiresAt) {
}
