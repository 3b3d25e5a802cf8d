package io.aitbc.coordinator.query.dispatch;

import java.math.BigDecimal;
import java.util.List;

/**
 * What matching knows of a polling miner. {@code jobTypes} empty means every type; {@code gpuNames}
 * are lower case.
 */
public record MinerProfile(
        String minerId,
        List<String> jobTypes,
        List<String> gpuNames,
        int maxVramMb,
        List<String> models,
        String region,
        int concurrency,
        BigDecimal unitPrice,
        String unitType) {
}
