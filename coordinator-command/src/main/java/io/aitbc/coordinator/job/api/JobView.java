package io.aitbc.coordinator.job.api;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;

/**
 * A job as clients, miners and dashboards read it. Money is a decimal string.
 *
 * <p>{@code estimatedCompletion} is the coordinator's own deadline for the running attempt (the
 * end of the miner's lease), capped by the job's expiry; it is empty while the job waits.
 *
 * <p>A queued job that a client reserved through an offer shows the reservation: {@code minerId},
 * {@code offerId}, {@code unitPrice} and {@code unitType} are its terms, and {@code reservedUntil}
 * the time by which that miner must take it. Once the miner takes it they are the assignment's.
 */
public record JobView(
        String jobId,
        String type,
        String name,
        JobStatus status,
        String clientId,
        String minerId,
        String offerId,
        JsonNode payload,
        JobRequirements requirements,
        String maxPrice,
        String price,
        String unitPrice,
        String unitType,
        int attempt,
        int maxAttempts,
        int progress,
        Instant createdAt,
        Instant startedAt,
        Instant completedAt,
        Instant canceledAt,
        Instant expiresAt,
        Instant leaseExpiresAt,
        Instant reservedUntil,
        Instant estimatedCompletion,
        JobError error,
        String receiptId) {

    /** Why a job failed, or why its last attempt was given up. */
    public record JobError(String code, String message) {
    }
}
