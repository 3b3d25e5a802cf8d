package io.aitbc.coordinator.job.api;

import org.axonframework.modelling.command.TargetAggregateIdentifier;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * A client bought a miner's offer for its queued job: the job waits for that miner only, at the
 * offer's terms, until {@code reservedUntil}.
 *
 * @param bidPrice what the client bid; must not exceed the job's {@code max_price}
 */
public record ReserveJobCommand(
        @TargetAggregateIdentifier String jobId,
        String clientId,
        String minerId,
        String offerId,
        String transactionId,
        BigDecimal unitPrice,
        String unitType,
        BigDecimal bidPrice,
        Instant reservedUntil) {
}
