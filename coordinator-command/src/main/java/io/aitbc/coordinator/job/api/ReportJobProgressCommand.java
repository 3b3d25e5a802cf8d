package io.aitbc.coordinator.job.api;

import org.axonframework.modelling.command.TargetAggregateIdentifier;

import java.time.Instant;

/** The assigned miner reports progress (0 to 100); a report also renews its lease. */
public record ReportJobProgressCommand(
        @TargetAggregateIdentifier String jobId,
        String minerId,
        int progress,
        Instant leaseExpiresAt) {
}
