package io.aitbc.coordinator.offer.api;

import io.aitbc.coordinator.job.api.JobRequirements;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * An offer as the marketplace lists it. Money is a decimal string; {@code reputation} is the
 * miner's current reputation, 0 to 1.
 */
public record OfferView(
        String offerId,
        String minerId,
        String jobType,
        String price,
        String unitType,
        int maxJobs,
        int jobsLeft,
        JobRequirements requirements,
        BigDecimal reputation,
        OfferStatus status,
        Instant createdAt,
        Instant expiresAt) {
}
