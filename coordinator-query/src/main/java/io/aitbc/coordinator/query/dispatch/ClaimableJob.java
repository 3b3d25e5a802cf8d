package io.aitbc.coordinator.query.dispatch;

import java.math.BigDecimal;

/** A queued job locked for one poll; {@code reservedOfferId} is set when a client reserved it. */
public record ClaimableJob(String jobId, String reservedOfferId, BigDecimal reservedPrice) {
}
