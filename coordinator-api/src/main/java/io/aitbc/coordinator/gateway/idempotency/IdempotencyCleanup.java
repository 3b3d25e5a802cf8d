package io.aitbc.coordinator.gateway.idempotency;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Deletes idempotency records past their 24 hours. Every node runs it; the delete is idempotent,
 * so nodes racing on it only repeat a cheap statement. Expired records that are still there are
 * ignored by the filter anyway, so the interval only bounds the table's size.
 */
@Component
class IdempotencyCleanup implements SmartLifecycle {

    private static final Logger logger = LoggerFactory.getLogger(IdempotencyCleanup.class);

    private final IdempotencyStore store;
    private final Duration interval;
    private ScheduledExecutorService scheduler;

    IdempotencyCleanup(IdempotencyStore store,
                       @Value("${coordinator.idempotency.cleanup-interval:10m}") Duration interval) {
        this.store = store;
        this.interval = interval;
    }

    @Override
    public void start() {
        scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "idempotency-cleanup");
            thread.setDaemon(true);
            return thread;
        });
        scheduler.scheduleWithFixedDelay(this::deleteExpired, interval.toMillis(), interval.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    @Override
    public void stop() {
        scheduler.shutdownNow();
    }

    @Override
    public boolean isRunning() {
        return scheduler != null && !scheduler.isShutdown();
    }

    void deleteExpired() {
        try {
            int deleted = store.deleteExpired();
            if (deleted > 0) {
                logger.info("Deleted [{}] expired idempotency records", deleted);
            }
        } catch (RuntimeException e) {
            logger.warn("Could not delete expired idempotency records; trying again in [{}]", interval, e);
        }
    }
}
