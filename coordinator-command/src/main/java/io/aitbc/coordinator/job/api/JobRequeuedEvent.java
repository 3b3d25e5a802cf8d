package io.aitbc.coordinator.job.api;

import java.time.Instant;

/**
 * A running job went back to the queue, because its miner's lease lapsed
 * ({@code reason = "lease_expired"}) or the miner reported a retryable failure
 * ({@code reason = "miner_failed"}).
 */
public record JobRequeuedEvent(
        String jobId,
        String minerId,
        int attempt,
        String reason,
        String errorCode,
        String errorMessage,
        Instant requeuedAt) {

    public static final String LEASE_EXPIRED = "lease_expired";
    public static final String MINER_FAILED = "miner_failed";
}
