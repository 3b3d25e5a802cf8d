package io.aitbc.coordinator.replay;

import java.util.Arrays;

/**
 * Percentiles of a set of latencies, by the nearest-rank method: the p-th percentile is the
 * smallest sample that at least p percent of the samples do not exceed, so every figure is a
 * latency that was really observed.
 *
 * @param count how many samples there were; every other figure is zero when there were none
 */
record LatencySummary(int count, double p50Ms, double p90Ms, double p99Ms, double maxMs) {

    static final LatencySummary EMPTY = new LatencySummary(0, 0, 0, 0, 0);

    static LatencySummary ofNanos(long[] samples) {
        if (samples.length == 0) {
            return EMPTY;
        }
        long[] sorted = samples.clone();
        Arrays.sort(sorted);
        return new LatencySummary(
                sorted.length,
                millis(percentile(sorted, 50)),
                millis(percentile(sorted, 90)),
                millis(percentile(sorted, 99)),
                millis(sorted[sorted.length - 1]));
    }

    /** The nearest-rank percentile of sorted samples, {@code 0 < p <= 100}. */
    static long percentile(long[] sorted, int p) {
        if (sorted.length == 0 || p <= 0 || p > 100) {
            throw new IllegalArgumentException("need samples and 0 < p <= 100, got " + sorted.length + " and " + p);
        }
        int rank = (int) ((p * (long) sorted.length + 99) / 100);
        return sorted[rank - 1];
    }

    /** Milliseconds with one decimal: finer than that is noise for an HTTP round trip. */
    private static double millis(long nanos) {
        return Math.round(nanos / 100_000.0) / 10.0;
    }
}
