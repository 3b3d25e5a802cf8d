package io.aitbc.coordinator.gateway.ratelimit;

import io.aitbc.coordinator.gateway.auth.Caller;
import io.aitbc.coordinator.gateway.auth.Plan;
import io.aitbc.coordinator.gateway.auth.Role;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class LocalRateLimiterTest {

    private final ManualTime time = new ManualTime();

    @Test
    void memoryStaysBoundedHoweverManyKeysAreSeen() {
        LocalRateLimiter limiter = new LocalRateLimiter(time, 1_000);

        for (int i = 0; i < 50_000; i++) {
            limiter.consumeNow(new Caller("key_" + i, "client_" + i, Role.CLIENT, Plan.FREE));
        }

        assertThat(limiter.size()).isLessThanOrEqualTo(1_000);
    }

    @Test
    void eachPlanHasItsBurstThenItsSteadyRate() {
        LocalRateLimiter limiter = new LocalRateLimiter(time, 100);
        for (Plan plan : Plan.values()) {
            Caller caller = new Caller("key_" + plan, "p", Role.CLIENT, plan);

            long allowed = 0;
            while (limiter.consumeNow(caller).allowed()) {
                allowed++;
            }
            time.advance(Duration.ofSeconds(1));
            long afterOneSecond = 0;
            while (limiter.consumeNow(caller).allowed()) {
                afterOneSecond++;
            }

            assertThat(allowed).as("burst of %s", plan).isEqualTo(plan.burst());
            assertThat(afterOneSecond).as("refill per second of %s", plan).isEqualTo(plan.perMinute() / 60);
        }
    }

    @Test
    void refusalTellsWhenToRetryAndWhenTheBucketIsFull() {
        LocalRateLimiter limiter = new LocalRateLimiter(time, 100);
        Caller caller = new Caller("key_reset", "p", Role.CLIENT, Plan.FREE);
        long start = time.epochSeconds();

        RateLimitDecision first = limiter.consumeNow(caller);
        for (int i = 1; i < Plan.FREE.burst(); i++) {
            limiter.consumeNow(caller);
        }
        RateLimitDecision refused = limiter.consumeNow(caller);

        assertThat(first.remaining()).isEqualTo(Plan.FREE.burst() - 1);
        assertThat(first.resetEpochSeconds()).isBetween(start + 1, start + 2);
        assertThat(refused.allowed()).isFalse();
        assertThat(refused.remaining()).isZero();
        assertThat(refused.retryAfterSeconds()).isEqualTo(1);
        assertThat(refused.resetEpochSeconds()).isBetween(start + 10, start + 11);
        assertThat(refused.limitPerMinute()).isEqualTo(60);
    }
}
