package io.aitbc.coordinator.gateway.ratelimit;

import io.github.bucket4j.TimeMeter;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Chooses where buckets live: in Redis when {@code coordinator.redis.url} ({@code COORDINATOR_REDIS_URL})
 * is set, so every node shares them, otherwise in this node's memory. Redis must answer when the
 * node starts; later outages fall back to memory (see {@link RedisRateLimiter}).
 */
@Configuration(proxyBeanMethods = false)
class RateLimitConfiguration {

    /** The clock of the buckets; a test declares a {@code @Primary} one to move time by hand. */
    @Bean
    TimeMeter rateLimitTime() {
        return TimeMeter.SYSTEM_MILLISECONDS;
    }

    /** Redis connections are closed with the context: the bean's {@code close} is inferred. */
    @Bean
    RateLimiter rateLimiter(TimeMeter time, MeterRegistry meters,
                            @Value("${coordinator.ratelimit.enabled:true}") boolean enabled,
                            @Value("${coordinator.redis.url:}") String redisUrl,
                            @Value("${coordinator.ratelimit.redis-key-prefix:aitbc:ratelimit:}") String prefix,
                            @Value("${coordinator.ratelimit.max-local-keys:100000}") long maxLocalKeys) {
        LocalRateLimiter local = new LocalRateLimiter(time, maxLocalKeys);
        if (!enabled || redisUrl.isBlank()) {
            return local;
        }
        return new RedisRateLimiter(redisUrl, prefix, time, local, maxLocalKeys, meters);
    }
}
