package io.aitbc.coordinator.job.api;

import com.fasterxml.jackson.databind.JsonNode;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * A job completed. The event carries every fact its receipt states, so a receipt can be issued and
 * re-derived from this one event.
 *
 * @param receiptId the identifier the receipt for this completion will have
 * @param price     {@code units × unitPrice}, exact
 */
public record JobCompletedEvent(
        String jobId,
        String receiptId,
        String clientId,
        String minerId,
        String offerId,
        String type,
        int attempt,
        BigDecimal units,
        String unitType,
        BigDecimal unitPrice,
        BigDecimal price,
        Instant startedAt,
        Instant completedAt,
        String payloadSha256,
        String resultSha256,
        JsonNode result,
        JsonNode metrics,
        String minerSignature) {
}
