package io.aitbc.coordinator.query.dispatch;

import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Listens for {@link QueueSignals} on a connection of its own and runs the registered callbacks
 * when jobs were queued on any node. Long polls wait on this rather than on a timer, so a waiting
 * miner hears of a job the moment its transaction commits.
 *
 * <p>Jobs queued on this node wake its listeners directly ({@link #arrived}); a notification carries
 * the id of the node that sent it, and this node's own are ignored. A lost connection is reopened;
 * after a reconnect every listener is woken once, because notifications sent while it was away are
 * gone.
 */
@Component
public class JobArrivals implements SmartLifecycle {

    private static final Logger logger = LoggerFactory.getLogger(JobArrivals.class);
    private static final int WAIT_MILLIS = 500;

    private final DataSource dataSource;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private final String nodeId = UUID.randomUUID().toString();
    private volatile boolean running;
    private Thread thread;

    JobArrivals(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Registers a callback run after jobs were queued, on a signalling thread; keep it short. */
    public void onArrival(Runnable listener) {
        listeners.add(listener);
    }

    /** This process's name in notifications, so it can tell its own from other nodes'. */
    String nodeId() {
        return nodeId;
    }

    /** Jobs were queued on this node. */
    void arrived() {
        notifyListeners();
    }

    @Override
    public void start() {
        running = true;
        thread = new Thread(this::listen, "job-arrivals");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void stop() {
        running = false;
        if (thread != null) {
            thread.interrupt();
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    private void listen() {
        while (running) {
            try (Connection connection = dataSource.getConnection()) {
                connection.setAutoCommit(true);
                try (Statement statement = connection.createStatement()) {
                    statement.execute("LISTEN " + QueueSignals.CHANNEL);
                }
                logger.info("Listening for queued jobs on channel [{}]", QueueSignals.CHANNEL);
                notifyListeners();
                PGConnection pg = connection.unwrap(PGConnection.class);
                while (running) {
                    PGNotification[] notifications = pg.getNotifications(WAIT_MILLIS);
                    if (notifications != null && Arrays.stream(notifications)
                            .anyMatch(notification -> !nodeId.equals(notification.getParameter()))) {
                        notifyListeners();
                    }
                }
            } catch (SQLException e) {
                if (running) {
                    logger.warn("Lost the job arrival listener connection, reconnecting: [{}]", e.getMessage());
                    sleepBeforeRetry();
                }
            }
        }
    }

    private void notifyListeners() {
        for (Runnable listener : listeners) {
            try {
                listener.run();
            } catch (RuntimeException e) {
                logger.warn("A job arrival listener failed", e);
            }
        }
    }

    private void sleepBeforeRetry() {
        try {
            Thread.sleep(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
