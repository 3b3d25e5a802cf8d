package io.aitbc.coordinator.job.api;

import com.fasterxml.jackson.databind.JsonNode;

import java.math.BigDecimal;
import java.time.Instant;

/** A job entered the queue. */
public record JobSubmittedEvent(
        String jobId,
        String clientId,
        String type,
        String name,
        JsonNode payload,
        String payloadSha256,
        JobRequirements requirements,
        BigDecimal maxPrice,
        Instant submittedAt,
        Instant expiresAt,
        int maxAttempts) {
}
