package io.aitbc.coordinator.gateway.ratelimit;

import io.github.bucket4j.TimeMeter;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A bucket clock that only moves when a test moves it, starting at the real time so that reset
 * times stay plausible epoch seconds. One instance is shared by every application of the JVM, so
 * two nodes started by one test see the same time.
 */
public final class ManualTime implements TimeMeter {

    public static final ManualTime SHARED = new ManualTime();

    private final AtomicLong nanos = new AtomicLong(System.currentTimeMillis() * 1_000_000L);

    @Override
    public long currentTimeNanos() {
        return nanos.get();
    }

    @Override
    public boolean isWallClockBased() {
        return true;
    }

    public void advance(Duration duration) {
        nanos.addAndGet(duration.toNanos());
    }

    public long epochSeconds() {
        return nanos.get() / 1_000_000_000L;
    }

    /**
     * Puts {@link #SHARED} in place of the system clock of the buckets, where imported. Not a
     * {@code @Configuration}, so component scanning of other applications never finds it.
     */
    public static class Configuration {

        @Bean
        @Primary
        TimeMeter manualRateLimitTime() {
            return SHARED;
        }
    }
}
