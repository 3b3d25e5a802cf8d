package io.aitbc.coordinator.gateway.miner;

import com.fasterxml.jackson.databind.JsonNode;
import io.aitbc.coordinator.job.api.JobRequirements;

import java.time.Instant;

/** A job handed to a polling miner: what to run, at what price, and until when its lease lasts. */
record Assignment(
        String jobId,
        String type,
        JsonNode payload,
        JobRequirements requirements,
        String price,
        String unitType,
        String offerId,
        int attempt,
        Instant leaseExpiresAt) {
}
