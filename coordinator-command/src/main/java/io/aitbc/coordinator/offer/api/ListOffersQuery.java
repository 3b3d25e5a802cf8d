package io.aitbc.coordinator.offer.api;

import java.math.BigDecimal;

/**
 * Offers on sale now (active and not past their time), cheapest first.
 *
 * @param jobType  only offers of this job type, or {@code null} for all
 * @param maxPrice only offers priced at most this, or {@code null} for any price
 */
public record ListOffersQuery(String jobType, BigDecimal maxPrice, int limit, int offset) {
}
