package io.aitbc.coordinator.gateway.idempotency;

import io.aitbc.coordinator.infra.PeriodicTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

import java.time.Duration;

/**
 * Deletes idempotency records past their 24 hours. Every node runs it; the delete is idempotent,
 * so nodes racing on it only repeat a cheap statement. Expired records that are still there are
 * ignored by the filter anyway, so the interval only bounds the table's size.
 */
@Component
class IdempotencyCleanup extends PeriodicTask {

    private static final Logger logger = LoggerFactory.getLogger(IdempotencyCleanup.class);

    private final IdempotencyStore store;

    IdempotencyCleanup(IdempotencyStore store,
                       @Value("${coordinator.idempotency.cleanup-interval:10m}") Duration interval) {
        super("idempotency-cleanup", interval);
        this.store = store;
    }

    @Override
    protected void runOnce() {
        deleteExpired();
    }

    void deleteExpired() {
        try {
            int deleted = store.deleteExpired();
            if (deleted > 0) {
                logger.info("Deleted [{}] expired idempotency records", deleted);
            }
        } catch (RuntimeException e) {
            logger.warn("Could not delete expired idempotency records; trying again in [{}]", interval(), e);
        }
    }
}
