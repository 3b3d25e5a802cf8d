package io.aitbc.coordinator.gateway.ratelimit;

import io.aitbc.coordinator.gateway.auth.Caller;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.distributed.AsyncBucketProxy;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.AsyncProxyManager;
import io.github.bucket4j.distributed.proxy.optimization.Optimizations;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Buckets in Redis, shared by every node that uses the same Redis and key prefix. Bucket4j updates
 * a bucket by compare-and-swap, so concurrent requests on several nodes are each counted once.
 * Redis drops a bucket once it would be full again, so memory follows the keys in use.
 *
 * <p>When Redis fails or is slow, the request is counted in this node's memory instead and a warning
 * is logged: a Redis outage loosens the limit to one plan per node, it does not stop the API.
 */
final class RedisRateLimiter implements RateLimiter, AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(RedisRateLimiter.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(1);

    private final RedisClient client;
    private final StatefulRedisConnection<String, byte[]> connection;
    private final AsyncProxyManager<String> buckets;
    private final Cache<String, AsyncBucketProxy> proxies;
    private final LocalRateLimiter fallback;
    private final TimeMeter time;
    private final String prefix;
    private final Counter fallbacks;

    RedisRateLimiter(String url, String prefix, TimeMeter time, LocalRateLimiter fallback, long maxKeys,
                     MeterRegistry meters) {
        this.client = RedisClient.create(url);
        this.connection = client.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE));
        this.buckets = Bucket4jLettuce.casBasedBuilder(connection)
                .clientClock(time)
                .requestTimeout(TIMEOUT)
                .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(
                        Duration.ofSeconds(10)))
                .build()
                .asAsync();
        this.proxies = Caffeine.newBuilder()
                .maximumSize(maxKeys)
                .expireAfterAccess(PlanBuckets.longestRefill().multipliedBy(2))
                .build();
        this.fallback = fallback;
        this.time = time;
        this.prefix = prefix;
        this.fallbacks = meters.counter("coordinator.ratelimit.fallback");
        logger.info("Rate limits are shared through Redis with key prefix [{}]", prefix);
    }

    @Override
    public Mono<RateLimitDecision> consume(Caller caller) {
        String key = prefix + caller.keyId() + ":" + caller.plan().wireName();
        // one proxy per key and node batches concurrent requests into one Redis round trip, which keeps
        // compare-and-swap retries few when many requests of one key arrive at once
        AsyncBucketProxy bucket = proxies.get(key, name -> buckets.builder()
                .withOptimization(Optimizations.batching())
                .build(name, () -> CompletableFuture.completedFuture(PlanBuckets.of(caller.plan()))));
        CompletableFuture<RateLimitDecision> decision = bucket.tryConsumeAndReturnRemaining(1)
                .thenApply(probe -> RateLimitDecision.of(caller.plan(), probe, time.currentTimeNanos()));
        return Mono.fromFuture(decision)
                .timeout(TIMEOUT.multipliedBy(2))
                .onErrorResume(failure -> {
                    fallbacks.increment();
                    logger.warn("Redis did not answer for the rate limit of key [{}]; counting on this node: {}",
                            caller.keyId(), failure.toString());
                    return Mono.fromSupplier(() -> fallback.consumeNow(caller));
                });
    }

    @Override
    public void close() {
        connection.close();
        client.shutdown();
    }
}
