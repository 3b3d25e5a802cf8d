package io.aitbc.coordinator.job.api;

import com.fasterxml.jackson.databind.JsonNode;
import org.axonframework.modelling.command.TargetAggregateIdentifier;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * A client asks for a job to be run.
 *
 * @param payloadSha256 hex SHA-256 of the RFC 8785 form of {@code payload}, carried into the receipt
 * @param maxPrice      the highest unit price the client accepts, or {@code null} for any price
 */
public record SubmitJobCommand(
        @TargetAggregateIdentifier String jobId,
        String clientId,
        String type,
        String name,
        JsonNode payload,
        String payloadSha256,
        JobRequirements requirements,
        BigDecimal maxPrice,
        Instant expiresAt,
        int maxAttempts) {
}
