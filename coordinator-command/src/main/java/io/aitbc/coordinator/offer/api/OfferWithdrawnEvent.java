package io.aitbc.coordinator.offer.api;

import java.time.Instant;

/** The offer's miner withdrew it with {@code jobsLeft} jobs unsold. */
public record OfferWithdrawnEvent(String offerId, String minerId, int jobsLeft, Instant withdrawnAt) {
}
