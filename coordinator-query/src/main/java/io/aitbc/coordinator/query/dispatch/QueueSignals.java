package io.aitbc.coordinator.query.dispatch;

import io.aitbc.coordinator.query.infra.AfterCommit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Tells every coordinator node sharing the database that a job became claimable, once the
 * transaction that queued it has committed, so a woken miner always finds the job.
 *
 * <p>The signal is not a {@code NOTIFY} inside the command's transaction: PostgreSQL lets only one
 * transaction that notifies commit at a time, which capped a one-row insert at a quarter of its
 * speed at 32 clients on the development machine. Instead, after the commit, this node's waiting
 * polls are woken at once and one sender thread issues {@code NOTIFY} on a connection of its own for
 * the other nodes, folding every signal that arrived while it was sending into the next one.
 */
@Component
public class QueueSignals implements SmartLifecycle {

    /** The PostgreSQL notification channel; see {@link JobArrivals}. */
    public static final String CHANNEL = "coordinator_job_queued";

    private static final Logger logger = LoggerFactory.getLogger(QueueSignals.class);

    private final DataSource dataSource;
    private final JobArrivals arrivals;
    private final AtomicBoolean pending = new AtomicBoolean();
    private final Semaphore wakeUp = new Semaphore(0);
    private volatile boolean running;
    private Thread sender;

    QueueSignals(DataSource dataSource, JobArrivals arrivals) {
        this.dataSource = dataSource;
        this.arrivals = arrivals;
    }

    /** A job became claimable in the current transaction (or just now, outside any). */
    public void jobQueued() {
        AfterCommit.run(this::signal);
    }

    private void signal() {
        if (pending.compareAndSet(false, true)) {
            wakeUp.release();
        }
    }

    @Override
    public void start() {
        running = true;
        sender = new Thread(this::send, "job-queued-signals");
        sender.setDaemon(true);
        sender.start();
    }

    @Override
    public void stop() {
        running = false;
        if (sender != null) {
            sender.interrupt();
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    private void send() {
        while (running) {
            try (Connection connection = dataSource.getConnection();
                 PreparedStatement notify = connection.prepareStatement("SELECT pg_notify(?, ?)")) {
                connection.setAutoCommit(true);
                notify.setString(1, CHANNEL);
                notify.setString(2, arrivals.nodeId());
                while (running) {
                    if (!wakeUp.tryAcquire(1, TimeUnit.SECONDS)) {
                        continue;
                    }
                    pending.set(false);
                    arrivals.arrived();
                    notify.execute();
                }
            } catch (SQLException e) {
                if (running) {
                    // this node's polls were woken; other nodes' polls find the job at their next wake-up
                    logger.warn("Could not signal queued jobs to other nodes, retrying: [{}]", e.getMessage());
                    pause();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static void pause() {
        try {
            Thread.sleep(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
