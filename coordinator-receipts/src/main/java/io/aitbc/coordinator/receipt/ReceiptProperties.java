package io.aitbc.coordinator.receipt;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.time.Duration;

/**
 * Settings under {@code coordinator.receipts}.
 *
 * @param logOrigin          the transparency log's origin line, also the name of its checkpoint keys
 * @param rotationPeriod     rotate the signing key when the current one is this old; unset: only on demand
 * @param checkpointInterval how often a new checkpoint is signed while the log grows (at most 1 s)
 * @param batchSize          completions the receipts processor handles per transaction
 */
@ConfigurationProperties("coordinator.receipts")
public record ReceiptProperties(
        @DefaultValue("aitbc-coordinator/receipts") String logOrigin,
        Duration rotationPeriod,
        @DefaultValue("500ms") Duration checkpointInterval,
        @DefaultValue("100") int batchSize) {
}
