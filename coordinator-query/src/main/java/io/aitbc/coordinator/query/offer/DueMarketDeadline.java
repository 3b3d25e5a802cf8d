package io.aitbc.coordinator.query.offer;

import java.time.Instant;

/**
 * A marketplace time limit that has passed: an offer's expiry, or the lapse of the reservation made
 * in transaction {@code deadlineId} for {@code jobId}.
 */
public record DueMarketDeadline(String deadlineId, String kind, String offerId, String jobId, Instant dueAt) {

    public boolean isReservation() {
        return MarketDeadlines.RESERVATION.equals(kind);
    }
}
