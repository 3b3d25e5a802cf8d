package io.aitbc.coordinator.offer.api;

/** One offer, whatever its status; answers {@code null} for an unknown offer. */
public record FindOfferQuery(String offerId) {
}
