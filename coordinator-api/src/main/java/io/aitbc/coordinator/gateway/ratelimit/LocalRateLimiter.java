package io.aitbc.coordinator.gateway.ratelimit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.aitbc.coordinator.gateway.auth.Caller;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import reactor.core.publisher.Mono;

/**
 * Buckets in this node's memory, one per key. The cache is bounded in size, and a bucket unused for
 * longer than any bucket needs to refill is dropped: it would be full again anyway, so dropping it
 * gives no key more than its plan.
 *
 * <p><strong>Limitation:</strong> past {@code maxKeys} keys active at once, the least recently used
 * buckets are dropped early, and such a key may get a fresh burst. Memory stays bounded instead.
 */
final class LocalRateLimiter implements RateLimiter {

    private final Cache<String, Bucket> buckets;
    private final TimeMeter time;

    LocalRateLimiter(TimeMeter time, long maxKeys) {
        this.time = time;
        this.buckets = Caffeine.newBuilder()
                .maximumSize(maxKeys)
                .expireAfterAccess(PlanBuckets.longestRefill().multipliedBy(2))
                .build();
    }

    @Override
    public Mono<RateLimitDecision> consume(Caller caller) {
        return Mono.fromSupplier(() -> consumeNow(caller));
    }

    /** Lock-free and in memory, so it runs on the event loop. */
    RateLimitDecision consumeNow(Caller caller) {
        Bucket bucket = buckets.get(caller.keyId() + ":" + caller.plan().wireName(), key -> Bucket.builder()
                .withCustomTimePrecision(time)
                .addLimit(PlanBuckets.of(caller.plan()).getBandwidths()[0])
                .build());
        ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
        return RateLimitDecision.of(caller.plan(), probe, time.currentTimeNanos());
    }

    long size() {
        buckets.cleanUp();
        return buckets.estimatedSize();
    }
}
