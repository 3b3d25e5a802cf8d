package io.aitbc.coordinator.offer.api;

import java.util.List;

/** One page of offers; {@code nextCursor} is {@code null} on the last page. */
public record OfferPage(List<OfferView> offers, int total, int limit, int offset, String nextCursor) {
}
