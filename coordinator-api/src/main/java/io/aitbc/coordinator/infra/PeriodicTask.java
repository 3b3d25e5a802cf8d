package io.aitbc.coordinator.infra;

import org.springframework.context.SmartLifecycle;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Work a node repeats for as long as it runs, on a daemon thread of its own, with a fixed pause
 * between the end of one round and the start of the next, so a slow round never overlaps the next.
 */
public abstract class PeriodicTask implements SmartLifecycle {

    private final String threadName;
    private final Duration interval;
    private ScheduledExecutorService scheduler;

    protected PeriodicTask(String threadName, Duration interval) {
        this.threadName = threadName;
        this.interval = interval;
    }

    /** One round of the work; it must catch what it can recover from, or the task stops repeating. */
    protected abstract void runOnce();

    protected Duration interval() {
        return interval;
    }

    @Override
    public void start() {
        scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, threadName);
            thread.setDaemon(true);
            return thread;
        });
        scheduler.scheduleWithFixedDelay(this::runOnce, interval.toMillis(), interval.toMillis(),
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
}
