package io.aitbc.coordinator.query.offer;

import java.math.BigDecimal;

/** The terms of a miner's cheapest offer on sale for one job type, as matching uses them. */
public record OfferTerms(String offerId, String jobType, BigDecimal price, String unitType) {
}
