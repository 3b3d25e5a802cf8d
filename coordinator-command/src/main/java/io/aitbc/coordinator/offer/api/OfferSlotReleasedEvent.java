package io.aitbc.coordinator.offer.api;

import java.time.Instant;

/** The job sold in {@code transactionId} went back to the offer; see {@link ReleaseOfferSlotCommand}. */
public record OfferSlotReleasedEvent(
        String offerId,
        String transactionId,
        String jobId,
        String minerId,
        String reason,
        int jobsLeft,
        Instant releasedAt) {
}
