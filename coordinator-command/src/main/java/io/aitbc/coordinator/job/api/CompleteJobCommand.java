package io.aitbc.coordinator.job.api;

import com.fasterxml.jackson.databind.JsonNode;
import org.axonframework.modelling.command.TargetAggregateIdentifier;

import java.math.BigDecimal;

/**
 * The assigned miner reports the result of a running job. Answers the receipt id; repeating the
 * same report answers the same receipt id again.
 *
 * @param resultSha256     hex SHA-256 of the RFC 8785 form of {@code result}
 * @param units            how many units the job consumed, at least zero; ignored when the agreed
 *                         unit is one job
 * @param unitType         the unit the miner counted in, or {@code null}; must be the agreed one
 * @param minerSignature   optional base64 Ed25519 signature of the miner over the result digest
 */
public record CompleteJobCommand(
        @TargetAggregateIdentifier String jobId,
        String minerId,
        JsonNode result,
        String resultSha256,
        BigDecimal units,
        String unitType,
        JsonNode metrics,
        String minerSignature) {
}
