package io.aitbc.coordinator.gateway.ratelimit;

import io.aitbc.coordinator.gateway.auth.Plan;
import io.github.bucket4j.BucketConfiguration;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;

/**
 * A plan as a Bucket4j configuration: capacity {@code burst}, refilled greedily at
 * {@code perMinute}, so tokens come back one by one (1/10/100 a second) rather than in a lump at
 * the end of each minute, and no window edge ever allows two bursts in a row.
 */
final class PlanBuckets {

    private static final Map<Plan, BucketConfiguration> CONFIGURATIONS = new EnumMap<>(Plan.class);

    static {
        for (Plan plan : Plan.values()) {
            CONFIGURATIONS.put(plan, BucketConfiguration.builder()
                    .addLimit(limit -> limit.capacity(plan.burst())
                            .refillGreedy(plan.perMinute(), Duration.ofMinutes(1)))
                    .build());
        }
    }

    private PlanBuckets() {
    }

    static BucketConfiguration of(Plan plan) {
        return CONFIGURATIONS.get(plan);
    }

    /** The longest any bucket needs to refill from empty: a bucket idle for that long is full anyway. */
    static Duration longestRefill() {
        Duration longest = Duration.ZERO;
        for (Plan plan : Plan.values()) {
            Duration refill = Duration.ofMillis(60_000L * plan.burst() / plan.perMinute());
            longest = refill.compareTo(longest) > 0 ? refill : longest;
        }
        return longest;
    }
}
