package io.aitbc.coordinator.offer.api;

import java.math.BigDecimal;

/**
 * The marketplace's figures, derived from events only.
 *
 * @param activeJobs            jobs queued or running
 * @param averageCompletionTime mean seconds from submission to completion of completed jobs, to the
 *                              millisecond, or {@code null} before the first completion
 * @param totalVolume           the exact sum of the prices of all receipts, a decimal string
 * @param activeMiners          miners seen (registration, assignment, lease renewal, progress,
 *                              report, offer) within the activity window
 * @param openOffers            offers on sale now
 */
public record MarketStatsView(
        long totalJobs,
        long activeJobs,
        long completedJobs,
        long failedJobs,
        BigDecimal averageCompletionTime,
        String totalVolume,
        long activeMiners,
        long openOffers) {
}
