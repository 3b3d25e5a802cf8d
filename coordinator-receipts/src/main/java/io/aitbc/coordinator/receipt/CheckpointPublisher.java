package io.aitbc.coordinator.receipt;

import io.aitbc.coordinator.receipt.verify.SignedCheckpoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Signs a checkpoint of the log whenever it has grown, every {@code checkpoint-interval} (500 ms by
 * default, so at least once a second while receipts arrive), and rotates the signing key on
 * schedule when {@code rotation-period} is set. Both run on one thread of their own.
 */
final class CheckpointPublisher implements SmartLifecycle {

    private static final Logger logger = LoggerFactory.getLogger(CheckpointPublisher.class);
    private static final Duration MAX_INTERVAL = Duration.ofSeconds(1);

    private final ReceiptLog log;
    private final SigningKeys keys;
    private final ReceiptProperties properties;
    private final Clock clock;
    // one checkpoint signed at a time; a lock of its own, so stopping never waits on a publish that
    // waits on the database
    private final Object publishing = new Object();
    private volatile ScheduledExecutorService scheduler;
    private volatile boolean paused;

    CheckpointPublisher(ReceiptLog log, SigningKeys keys, ReceiptProperties properties, Clock clock) {
        this.log = log;
        this.keys = keys;
        this.properties = properties;
        this.clock = clock;
    }

    /**
     * The checkpoint of the log as it stands now, signing one when the newest stored checkpoint is
     * older than the log.
     */
    ReceiptLog.StoredCheckpoint publish() {
        synchronized (publishing) {
            return publishNow();
        }
    }

    private ReceiptLog.StoredCheckpoint publishNow() {
        long size = log.size();
        ReceiptLog.StoredCheckpoint latest = log.latestCheckpoint().orElse(null);
        if (latest != null && latest.treeSize() >= size) {
            return latest;
        }
        byte[] root = LogTree.root(size, log);
        ReceiptLog.StoredCheckpoint signed = keys.withCurrentKey(key -> new ReceiptLog.StoredCheckpoint(size, root,
                key.keyId(), SignedCheckpoint.sign(properties.logOrigin(), size, root, properties.logOrigin(),
                        key.privateKey()), clock.instant().truncatedTo(ChronoUnit.MILLIS)));
        log.saveCheckpoint(signed);
        logger.debug("Signed checkpoint of tree size [{}] with key [{}]", size, signed.keyId());
        // another node may have stored this size first: answer what the log holds
        return log.checkpointOfSize(size).orElse(signed);
    }

    /** Stops signing while a rebuild empties the log, so no checkpoint of a half-built tree is kept. */
    void pause(boolean pause) {
        this.paused = pause;
    }

    @Override
    public synchronized void start() {
        scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "receipt-checkpoints");
            thread.setDaemon(true);
            return thread;
        });
        long interval = Math.min(properties.checkpointInterval().toMillis(), MAX_INTERVAL.toMillis());
        scheduler.scheduleWithFixedDelay(this::publishQuietly, interval, Math.max(interval, 10), TimeUnit.MILLISECONDS);
        Duration rotation = properties.rotationPeriod();
        if (rotation != null && !rotation.isZero() && !rotation.isNegative()) {
            long check = Math.max(1000, Math.min(rotation.toMillis() / 10, 60_000));
            scheduler.scheduleWithFixedDelay(() -> rotateWhenDue(rotation), check, check, TimeUnit.MILLISECONDS);
            logger.info("Receipt signing keys rotate every [{}]", rotation);
        }
    }

    @Override
    public synchronized void stop() {
        if (scheduler != null) {
            scheduler.shutdownNow();
            scheduler = null;
        }
    }

    @Override
    public boolean isRunning() {
        return scheduler != null;
    }

    private void publishQuietly() {
        if (paused) {
            return;
        }
        try {
            publish();
        } catch (RuntimeException e) {
            // the database may be briefly unreachable; the next tick tries again
            logger.warn("Cannot sign a checkpoint of the receipt log: [{}]", e.getMessage());
        }
    }

    private void rotateWhenDue(Duration period) {
        try {
            Instant due = keys.current().validFrom().plus(period);
            if (!clock.instant().isBefore(due)) {
                keys.rotate();
            }
        } catch (RuntimeException e) {
            logger.warn("Scheduled rotation of the receipt signing key failed: [{}]", e.getMessage());
        }
    }
}
