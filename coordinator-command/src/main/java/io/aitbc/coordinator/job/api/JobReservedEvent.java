package io.aitbc.coordinator.job.api;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * A queued job was reserved for one miner at the terms of its offer, until {@code reservedUntil};
 * the miner's next poll takes it, and no other miner gets it meanwhile.
 */
public record JobReservedEvent(
        String jobId,
        String clientId,
        String minerId,
        String offerId,
        String transactionId,
        BigDecimal unitPrice,
        String unitType,
        BigDecimal bidPrice,
        Instant reservedAt,
        Instant reservedUntil) {
}
