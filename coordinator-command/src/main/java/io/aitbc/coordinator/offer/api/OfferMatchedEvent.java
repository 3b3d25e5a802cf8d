package io.aitbc.coordinator.offer.api;

import java.math.BigDecimal;
import java.time.Instant;

/** Matching sold one job of an offer to its miner's poll at the offer's price. */
public record OfferMatchedEvent(
        String offerId,
        String transactionId,
        String jobId,
        String minerId,
        String jobType,
        BigDecimal unitPrice,
        String unitType,
        int jobsLeft,
        Instant matchedAt) {
}
