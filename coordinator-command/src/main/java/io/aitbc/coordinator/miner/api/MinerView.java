package io.aitbc.coordinator.miner.api;

import java.time.Instant;

/** A miner's registration as the coordinator last recorded it. */
public record MinerView(
        String minerId,
        MinerCapabilities capabilities,
        int concurrency,
        String region,
        String publicKey,
        String unitPrice,
        String unitType,
        Instant registeredAt,
        Instant updatedAt) {
}
