package io.aitbc.coordinator.query.offer;

import io.aitbc.coordinator.job.api.JobRequirements;

import java.math.BigDecimal;

/**
 * The terms of one of a miner's offers on sale, as matching uses them.
 *
 * @param requirements what the offer states it provides, or {@code null} when it states nothing
 */
public record OfferTerms(String offerId, String jobType, BigDecimal price, String unitType,
                         JobRequirements requirements) {
}
