package io.aitbc.coordinator.offer.api;

import java.time.Instant;

/** Every job of the offer is taken; it sells nothing more unless a taken job is released. */
public record OfferUsedUpEvent(String offerId, String minerId, Instant usedUpAt) {
}
