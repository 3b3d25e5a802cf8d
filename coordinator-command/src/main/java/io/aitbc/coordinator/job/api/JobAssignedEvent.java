package io.aitbc.coordinator.job.api;

import java.math.BigDecimal;
import java.time.Instant;

/** A miner took a job; {@code attempt} counts assignments from 1. */
public record JobAssignedEvent(
        String jobId,
        String minerId,
        String offerId,
        BigDecimal unitPrice,
        String unitType,
        int attempt,
        Instant assignedAt,
        Instant leaseExpiresAt) {
}
