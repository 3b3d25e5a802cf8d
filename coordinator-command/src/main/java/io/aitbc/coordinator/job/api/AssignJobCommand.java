package io.aitbc.coordinator.job.api;

import org.axonframework.modelling.command.TargetAggregateIdentifier;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * Hands a queued job to a miner at the agreed unit price, until {@code leaseExpiresAt} unless the
 * miner renews the lease.
 */
public record AssignJobCommand(
        @TargetAggregateIdentifier String jobId,
        String minerId,
        String offerId,
        BigDecimal unitPrice,
        String unitType,
        Instant leaseExpiresAt) {
}
