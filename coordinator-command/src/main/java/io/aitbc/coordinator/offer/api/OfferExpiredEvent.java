package io.aitbc.coordinator.offer.api;

import java.time.Instant;

/** The offer's duration passed with {@code jobsLeft} jobs unsold. */
public record OfferExpiredEvent(String offerId, String minerId, int jobsLeft, Instant expiredAt) {
}
