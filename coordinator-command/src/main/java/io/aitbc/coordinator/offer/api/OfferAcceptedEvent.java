package io.aitbc.coordinator.offer.api;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * A client bought one job of an offer: job {@code jobId} is sold to the offer's miner at
 * {@code unitPrice} per {@code unitType}. {@code jobsLeft} counts what the offer still sells.
 */
public record OfferAcceptedEvent(
        String offerId,
        String transactionId,
        String jobId,
        String clientId,
        String minerId,
        String jobType,
        BigDecimal unitPrice,
        String unitType,
        BigDecimal bidPrice,
        int jobsLeft,
        Instant acceptedAt) {
}
