package io.aitbc.coordinator.query.dispatch;

import java.math.BigDecimal;

/**
 * A queued job locked for one poll; the {@code reserved…} terms are set when a client reserved it
 * through an offer.
 */
public record ClaimableJob(String jobId, String type, String reservedOfferId, BigDecimal reservedPrice,
                           String reservedUnitType) {

    public boolean isReserved() {
        return reservedOfferId != null;
    }
}
