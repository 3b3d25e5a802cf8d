package io.aitbc.coordinator.replay;

import com.fasterxml.jackson.databind.JsonNode;
import io.aitbc.coordinator.common.api.Money;
import io.aitbc.coordinator.replay.CoordinatorClient.Answer;
import io.aitbc.coordinator.replay.CoordinatorClient.Call;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One simulated miner: it registers with its GPU, then runs as many poll loops as the GPU serves
 * requests at once. Each job takes the time its token counts need on that GPU, compressed by the
 * speed factor, and a heartbeat keeps the leases of running jobs alive meanwhile.
 *
 * <p>The metrics report {@code duration_ms} as the modelled GPU time of the job, not the
 * compressed wall-clock time, so the coordinator's statistics describe the workload whatever the
 * speed of the replay.
 */
final class SimulatedMiner {

    private static final Logger logger = LoggerFactory.getLogger(SimulatedMiner.class);

    static final String MODEL = "llama-2-13b-chat";
    static final String JOB_TYPE = "ai-inference";
    static final int POLL_WAIT_SECONDS = 10;
    private static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(5);

    /** The body of {@code POST /v1/miners/register}. */
    record Registration(Capabilities capabilities, int concurrency, String region, String price, String unitType) {
    }

    record Capabilities(List<Gpu> gpus, List<String> models, String cuda, List<String> jobTypes) {
    }

    record Gpu(String name, int memoryMb) {
    }

    record Poll(int maxWaitSeconds, List<String> jobTypes) {
    }

    record Heartbeat(int inflight) {
    }

    record Metrics(long units, String unitType, long durationMs, int contextTokens, int generatedTokens) {
    }

    record Result(Map<String, Object> result, Metrics metrics) {
    }

    private final String minerId;
    private final String apiKey;
    private final GpuProfile gpu;
    private final double speed;
    private final CoordinatorClient client;
    private final ReplayLedger ledger;
    private final AtomicInteger inflight = new AtomicInteger();
    private final AtomicLong heartbeatMillis = new AtomicLong(DEFAULT_HEARTBEAT.toMillis());
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean stopping;

    private SimulatedMiner(String minerId, String apiKey, GpuProfile gpu, double speed, CoordinatorClient client,
                           ReplayLedger ledger) {
        this.minerId = minerId;
        this.apiKey = apiKey;
        this.gpu = gpu;
        this.speed = speed;
        this.client = client;
        this.ledger = ledger;
    }

    /** Registers a miner whose key the admin created; answers it ready to {@link #start()}. */
    static SimulatedMiner register(String apiKey, GpuProfile gpu, String region, double speed,
                                   CoordinatorClient client, ReplayLedger ledger) {
        Registration registration = new Registration(
                new Capabilities(List.of(new Gpu(gpu.name(), gpu.memoryMb())), List.of(MODEL), "12.2",
                        List.of(JOB_TYPE)),
                gpu.concurrency(),
                region,
                Money.format(gpu.unitPrice()),
                "tokens");
        JsonNode answer = client.expectOk(
                Call.post("/v1/miners/register", "POST /v1/miners/register", apiKey, registration));
        String minerId = answer.path("miner_id").asText(null);
        if (minerId == null) {
            throw new IllegalStateException("POST /v1/miners/register answered no miner_id: " + answer);
        }
        return new SimulatedMiner(minerId, apiKey, gpu, speed, client, ledger);
    }

    String minerId() {
        return minerId;
    }

    GpuProfile gpu() {
        return gpu;
    }

    void start() {
        for (int slot = 1; slot <= gpu.concurrency(); slot++) {
            threads.add(daemon(minerId + "-slot-" + slot, this::pollLoop));
        }
        threads.add(daemon(minerId + "-heartbeat", this::heartbeatLoop));
        threads.forEach(Thread::start);
    }

    /** Lets every loop finish what it holds: a poll in flight may still bring a job, which then runs. */
    void stop() {
        stopping = true;
    }

    boolean awaitStopped(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Thread thread : threads) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            if (thread.isAlive()) {
                return false;
            }
        }
        return true;
    }

    private void pollLoop() {
        Call poll = Call.post("/v1/miners/poll", "POST /v1/miners/poll", apiKey,
                        new Poll(POLL_WAIT_SECONDS, List.of(JOB_TYPE)))
                .withTimeout(Duration.ofSeconds(POLL_WAIT_SECONDS + 20));
        while (!stopping) {
            try {
                Answer answer = client.send(poll);
                if (answer.status() == 200) {
                    run(answer.body());
                } else if (answer.status() != 204) {
                    logger.warn("Miner [{}] poll answered [{}]", minerId, answer.describe());
                    pause(Duration.ofSeconds(1));
                }
            } catch (RuntimeException e) {
                logger.warn("Miner [{}] poll failed: [{}]", minerId, e.getMessage());
                pause(Duration.ofSeconds(1));
            }
        }
    }

    private void run(JsonNode job) {
        long handedOut = System.nanoTime();
        String jobId = job.path("job_id").asText();
        ledger.handedOut(jobId, minerId, job.path("attempt").asInt(0), handedOut);
        adjustHeartbeat(job.path("lease_expires_at").asText(null));
        int contextTokens = job.path("payload").path("context_tokens").asInt(0);
        int generatedTokens = job.path("payload").path("generated_tokens").asInt(0);
        Duration gpuTime = gpu.runTime(contextTokens, generatedTokens);

        inflight.incrementAndGet();
        try {
            pause(Pacing.scale(gpuTime, speed));
            report(jobId, contextTokens, generatedTokens, gpuTime);
        } finally {
            inflight.decrementAndGet();
        }
    }

    private void report(String jobId, int contextTokens, int generatedTokens, Duration gpuTime) {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("text", "simulated completion of " + generatedTokens + " tokens");
        result.put("finish_reason", "length");
        result.put("model", MODEL);
        result.put("gpu", gpu.name());
        long units = (long) contextTokens + generatedTokens;
        Metrics metrics = new Metrics(units, "tokens", gpuTime.toMillis(), contextTokens, generatedTokens);
        String resultSha256 = Digests.sha256(client.json().valueToTree(result));

        try {
            Answer answer = client.send(Call.post("/v1/miners/" + jobId + "/result",
                    "POST /v1/miners/{job_id}/result", apiKey, new Result(result, metrics)));
            if (answer.ok() && "ok".equals(answer.body().path("status").asText())) {
                ledger.completed(new ReplayLedger.Completion(jobId, minerId,
                        answer.body().path("receipt_id").asText(null), units, Money.format(gpu.unitPrice()),
                        resultSha256, System.nanoTime()));
            } else {
                ledger.rejected(jobId, minerId, answer.describe());
            }
        } catch (RuntimeException e) {
            ledger.rejected(jobId, minerId, e.getMessage());
        }
    }

    private void heartbeatLoop() {
        while (!stopping) {
            pause(Duration.ofMillis(heartbeatMillis.get()));
            try {
                Answer answer = client.send(Call.post("/v1/miners/heartbeat", "POST /v1/miners/heartbeat", apiKey,
                        new Heartbeat(inflight.get())));
                if (!answer.ok()) {
                    logger.warn("Miner [{}] heartbeat answered [{}]", minerId, answer.describe());
                }
            } catch (RuntimeException e) {
                logger.warn("Miner [{}] heartbeat failed: [{}]", minerId, e.getMessage());
            }
        }
    }

    /** Beats three times per lease, so one lost heartbeat never costs a job. */
    private void adjustHeartbeat(String leaseExpiresAt) {
        if (leaseExpiresAt == null) {
            return;
        }
        try {
            long leftMillis = Duration.between(Instant.now(), Instant.parse(leaseExpiresAt)).toMillis();
            long interval = Math.max(500, Math.min(DEFAULT_HEARTBEAT.toMillis(), leftMillis / 3));
            heartbeatMillis.accumulateAndGet(interval, Math::min);
        } catch (DateTimeParseException e) {
            logger.warn("Miner [{}] got a lease_expires_at it cannot read [{}]", minerId, leaseExpiresAt);
        }
    }

    private static void pause(Duration duration) {
        if (duration.isZero()) {
            return;
        }
        try {
            Thread.sleep(duration.toMillis(), duration.toNanosPart() % 1_000_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Thread daemon(String name, Runnable body) {
        Thread thread = new Thread(body, name);
        thread.setDaemon(true);
        return thread;
    }
}
