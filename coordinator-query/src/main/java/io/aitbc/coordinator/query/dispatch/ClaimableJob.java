package io.aitbc.coordinator.query.dispatch;

import java.math.BigDecimal;

/**
 * A queued job locked for one poll; the {@code reserved…} terms are set when a client reserved it
 * through an offer, and {@code offerId} names the miner's cheapest offer on sale that sells an
 * unreserved job, if one does.
 */
public record ClaimableJob(String jobId, String type, String reservedOfferId, BigDecimal reservedPrice,
                           String reservedUnitType, String offerId) {

    public boolean isReserved() {
        return reservedOfferId != null;
    }
}
