package io.aitbc.coordinator.offer.api;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * A miner's record.
 *
 * @param totalJobs             jobs assigned to the miner (every attempt counts)
 * @param successRate           completed attempts over ended attempts, or {@code null} before any ended
 * @param averageCompletionTime mean seconds from assignment to completion, or {@code null}
 * @param totalEarned           the exact sum of the prices of the miner's receipts, a decimal string
 * @param activeSince           when the miner first registered
 */
public record MinerStatsView(
        String minerId,
        BigDecimal reputation,
        long totalJobs,
        BigDecimal successRate,
        BigDecimal averageCompletionTime,
        String totalEarned,
        Instant activeSince) {
}
