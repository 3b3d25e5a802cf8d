package io.aitbc.coordinator.gateway.ratelimit;

import io.aitbc.coordinator.gateway.auth.Plan;
import io.github.bucket4j.ConsumptionProbe;

/**
 * The outcome of taking one token from a key's bucket, in the terms of the response headers.
 *
 * @param allowed           whether the request may proceed
 * @param limitPerMinute    the plan's steady rate ({@code X-RateLimit-Limit})
 * @param remaining         tokens left after this request ({@code X-RateLimit-Remaining})
 * @param resetEpochSeconds when the bucket is full again ({@code X-RateLimit-Reset})
 * @param retryAfterSeconds when the next request may pass, for a refused one ({@code Retry-After})
 */
public record RateLimitDecision(boolean allowed, long limitPerMinute, long remaining, long resetEpochSeconds,
                                long retryAfterSeconds) {

    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    static RateLimitDecision of(Plan plan, ConsumptionProbe probe, long nowNanos) {
        long reset = ceilSeconds(nowNanos + probe.getNanosToWaitForReset());
        long retryAfter = probe.isConsumed() ? 0 : Math.max(1, ceilSeconds(probe.getNanosToWaitForRefill()));
        return new RateLimitDecision(probe.isConsumed(), plan.perMinute(),
                Math.min(plan.burst(), Math.max(0, probe.getRemainingTokens())), reset, retryAfter);
    }

    private static long ceilSeconds(long nanos) {
        return Math.floorDiv(nanos + NANOS_PER_SECOND - 1, NANOS_PER_SECOND);
    }
}
