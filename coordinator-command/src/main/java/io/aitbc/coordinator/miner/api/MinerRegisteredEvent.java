package io.aitbc.coordinator.miner.api;

import java.math.BigDecimal;
import java.time.Instant;

/** A miner registered; a later event of the same miner replaces its whole registration. */
public record MinerRegisteredEvent(
        String minerId,
        MinerCapabilities capabilities,
        int concurrency,
        String region,
        String publicKey,
        BigDecimal unitPrice,
        String unitType,
        Instant registeredAt) {
}
