package io.aitbc.coordinator.offer.api;

import io.aitbc.coordinator.job.api.JobRequirements;

import java.math.BigDecimal;
import java.time.Instant;

/** A miner published an offer; it is active from {@code publishedAt} until {@code expiresAt}. */
public record OfferPublishedEvent(
        String offerId,
        String minerId,
        String jobType,
        BigDecimal price,
        String unitType,
        int maxJobs,
        JobRequirements requirements,
        Instant publishedAt,
        Instant expiresAt) {
}
