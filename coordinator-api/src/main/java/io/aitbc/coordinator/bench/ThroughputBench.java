package io.aitbc.coordinator.bench;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Closed-loop throughput over HTTP: submissions alone, and whole job lifecycles served by long-polling
 * miners until each job's receipt is in the database.
 */
final class ThroughputBench {

    private static final Logger logger = LoggerFactory.getLogger(ThroughputBench.class);

    /** Client keys the submissions rotate over, so no key's enterprise rate limit caps the figure. */
    static final int CLIENT_KEYS = 32;

    /** What a closed loop achieved; {@code refused} counts 429 answers, {@code failed} everything else. */
    record Outcome(long done, long refused, long failed, double seconds) {
        double perSecond() {
            return done / seconds;
        }
    }

    private final BenchClient client;
    private final List<String> clientKeys;
    private final String run;

    ThroughputBench(BenchClient client, List<String> clientKeys, String run) {
        this.client = client;
        this.clientKeys = clientKeys;
        this.run = run;
    }

    /**
     * Submits jobs from {@code concurrency} threads, each waiting for its answer before the next, for the
     * given time. The jobs name a region no miner serves and expire after five minutes.
     */
    Outcome submissions(int concurrency, int seconds) throws InterruptedException {
        AtomicLong next = new AtomicLong();
        return closedLoop("bench-submit-", concurrency, seconds, 201, () -> {
            String key = clientKeys.get((int) (next.getAndIncrement() % clientKeys.size()));
            return client.submitJob(key, "bench-idle-" + run, 300).status();
        });
    }

    /**
     * The floor under every figure of (a): {@code GET /v1/health}, which costs the coordinator one HTTP
     * exchange, one hop to a worker thread and one {@code SELECT 1}, from the same client in the same
     * closed loop. No call that writes can be faster than this on the same machine.
     */
    Outcome healthChecks(int concurrency, int seconds) throws InterruptedException {
        return closedLoop("bench-health-", concurrency, seconds, 200,
                () -> client.get("/v1/health", clientKeys.get(0)).status());
    }

    private Outcome closedLoop(String name, int concurrency, int seconds, int expected, Call call)
            throws InterruptedException {
        AtomicLong done = new AtomicLong();
        AtomicLong refused = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        long start = System.nanoTime();
        long end = start + TimeUnit.SECONDS.toNanos(seconds);
        List<Thread> workers = new ArrayList<>();
        for (int i = 0; i < concurrency; i++) {
            workers.add(start(name + i, () -> {
                while (System.nanoTime() < end) {
                    count(call, expected, done, refused, failed);
                }
            }));
        }
        for (Thread worker : workers) {
            worker.join();
        }
        return new Outcome(done.get(), refused.get(), failed.get(), (System.nanoTime() - start) / 1e9);
    }

    /**
     * Full lifecycles: {@code miners} miners long-poll, take a job and report its result at once, while
     * four submitters keep up to twice as many jobs waiting. After the given time submission stops; the
     * run ends when every submitted job completed and its receipt row exists.
     */
    Outcome lifecycles(List<String> minerKeys, String region, int seconds, Connection database)
            throws InterruptedException, SQLException {
        Semaphore open = new Semaphore(minerKeys.size() * 2);
        // miners serve until every submitted job completed, or half a minute after submission stopped
        AtomicLong drainUntil = new AtomicLong(Long.MAX_VALUE);
        AtomicLong submitted = new AtomicLong();
        AtomicLong refused = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicLong next = new AtomicLong();
        Queue<String> completed = new ConcurrentLinkedQueue<>();
        long start = System.nanoTime();
        long end = start + TimeUnit.SECONDS.toNanos(seconds);
        List<Thread> submitters = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            submitters.add(start("bench-lifecycle-submit-" + i, () -> {
                while (System.nanoTime() < end) {
                    try {
                        if (!open.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                            continue;
                        }
                    } catch (InterruptedException e) {
                        return;
                    }
                    String key = clientKeys.get((int) (next.getAndIncrement() % clientKeys.size()));
                    if (!count(() -> client.submitJob(key, region, 300).status(), 201, submitted, refused, failed)) {
                        open.release();
                    }
                }
            }));
        }
        CountDownLatch minersDone = new CountDownLatch(minerKeys.size());
        for (String minerKey : minerKeys) {
            start("bench-miner", () -> {
                try {
                    serve(minerKey, drainUntil, submitted, completed, open, failed);
                } finally {
                    minersDone.countDown();
                }
            });
        }
        for (Thread submitter : submitters) {
            submitter.join();
        }
        drainUntil.set(System.nanoTime() + TimeUnit.SECONDS.toNanos(30));
        minersDone.await();
        long jobs = completed.size();
        long receipts = awaitReceipts(database, new ArrayList<>(completed));
        double elapsed = (System.nanoTime() - start) / 1e9;
        if (receipts < jobs) {
            logger.warn("Only [{}] of [{}] completed jobs had receipts after waiting", receipts, jobs);
        }
        return new Outcome(receipts, refused.get(), failed.get() + (submitted.get() - jobs), elapsed);
    }

    private void serve(String minerKey, AtomicLong drainUntil, AtomicLong submitted, Queue<String> completed,
                       Semaphore open, AtomicLong failed) {
        while (drainUntil.get() == Long.MAX_VALUE
                || completed.size() < submitted.get() && System.nanoTime() < drainUntil.get()) {
            try {
                String jobId = client.poll(minerKey, 1);
                if (jobId == null) {
                    continue;
                }
                client.result(minerKey, jobId);
                completed.add(jobId);
                open.release();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                failed.incrementAndGet();
                logger.warn("A miner call failed: [{}]", e.getMessage());
            }
        }
    }

    /** Waits up to a minute for the receipts of the jobs; answers how many exist. */
    private static long awaitReceipts(Connection database, List<String> jobIds)
            throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        long found;
        Array ids = database.createArrayOf("varchar", jobIds.toArray());
        try (PreparedStatement count = database.prepareStatement(
                "SELECT count(*) FROM receipt WHERE job_id = ANY (?)")) {
            count.setArray(1, ids);
            do {
                try (ResultSet row = count.executeQuery()) {
                    row.next();
                    found = row.getLong(1);
                }
                if (found >= jobIds.size()) {
                    break;
                }
                Thread.sleep(20);
            } while (System.nanoTime() < deadline);
        }
        return found;
    }

    static Thread start(String name, Runnable work) {
        Thread thread = new Thread(work, name);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    interface Call {
        int status() throws Exception;
    }

    /** Makes one call and counts its outcome; answers whether it had the expected status. */
    private static boolean count(Call call, int expected, AtomicLong done, AtomicLong refused, AtomicLong failed) {
        try {
            int status = call.status();
            if (status == expected) {
                done.incrementAndGet();
                return true;
            }
            (status == 429 ? refused : failed).incrementAndGet();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failed.incrementAndGet();
        } catch (Exception e) {
            failed.incrementAndGet();
        }
        return false;
    }
}
