package io.aitbc.coordinator.replay;

import com.fasterxml.jackson.databind.JsonNode;
import io.aitbc.coordinator.common.api.Money;
import io.aitbc.coordinator.replay.CoordinatorClient.Answer;
import io.aitbc.coordinator.replay.CoordinatorClient.Call;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
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
 *
 * <p>In marketplace mode the miner also sells through an offer, and publishes a new one whenever
 * its offer is used up or ended. Every assignment must carry a price the miner asked: its
 * registration price without an offer, or the price of its own offer that the assignment names.
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

    /** {@code inflight}: the jobs the miner holds, so that the coordinator releases one whose poll answer was lost. */
    record Heartbeat(List<String> inflight) {
    }

    record Metrics(long units, String unitType, long durationMs, int contextTokens, int generatedTokens) {
    }

    record Result(Map<String, Object> result, Metrics metrics) {
    }

    /** The body of {@code POST /v1/marketplace/offers}. */
    record Offer(String jobType, String price, String unitType, int maxJobs, OfferTerms requirements, int duration) {
    }

    record OfferTerms(String gpu, int minVramGb, List<String> models, String region) {
    }

    static final int OFFER_JOBS = 100;

    private final String minerId;
    private final String apiKey;
    private final GpuProfile gpu;
    private final String region;
    private final BigDecimal registrationPrice;
    private final BigDecimal offerPrice;
    private final Duration offerDuration;
    private final double speed;
    private final CoordinatorClient client;
    private final ReplayLedger ledger;
    private final Set<String> inflight = ConcurrentHashMap.newKeySet();
    private final AtomicLong heartbeatMillis = new AtomicLong(DEFAULT_HEARTBEAT.toMillis());
    private final Map<String, BigDecimal> offers = new ConcurrentHashMap<>();
    private final AtomicInteger offersPublished = new AtomicInteger();
    private final List<Thread> threads = new ArrayList<>();
    private volatile String currentOffer;
    private volatile boolean stopping;

    /**
     * @param offerPrice    the price of the miner's offers, or {@code null} outside marketplace mode
     * @param offerDuration how long each offer stays on sale
     */
    private SimulatedMiner(String minerId, String apiKey, GpuProfile gpu, String region, BigDecimal registrationPrice,
                           BigDecimal offerPrice, Duration offerDuration, double speed, CoordinatorClient client,
                           ReplayLedger ledger) {
        this.minerId = minerId;
        this.apiKey = apiKey;
        this.gpu = gpu;
        this.region = region;
        this.registrationPrice = registrationPrice;
        this.offerPrice = offerPrice;
        this.offerDuration = offerDuration;
        this.speed = speed;
        this.client = client;
        this.ledger = ledger;
    }

    /**
     * Registers a miner whose key the admin created, publishes its first offer when it has an offer
     * price, and answers it ready to {@link #start()}.
     */
    static SimulatedMiner register(String apiKey, GpuProfile gpu, String region, BigDecimal registrationPrice,
                                   BigDecimal offerPrice, Duration offerDuration, double speed,
                                   CoordinatorClient client, ReplayLedger ledger) {
        Registration registration = new Registration(
                new Capabilities(List.of(new Gpu(gpu.name(), gpu.memoryMb())), List.of(MODEL), "12.2",
                        List.of(JOB_TYPE)),
                gpu.concurrency(),
                region,
                Money.format(registrationPrice),
                "tokens");
        JsonNode answer = client.expectOk(
                Call.post("/v1/miners/register", "POST /v1/miners/register", apiKey, registration));
        String minerId = answer.path("miner_id").asText(null);
        if (minerId == null) {
            throw new IllegalStateException("POST /v1/miners/register answered no miner_id: " + answer);
        }
        SimulatedMiner miner = new SimulatedMiner(minerId, apiKey, gpu, region, registrationPrice, offerPrice,
                offerDuration, speed, client, ledger);
        if (offerPrice != null) {
            miner.publishOffer();
        }
        return miner;
    }

    int offersPublished() {
        return offersPublished.get();
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
        // held from the moment it arrived, so a heartbeat in between lists it
        inflight.add(jobId);
        try {
            String unitPrice = job.path("price").asText(null);
            String offerId = job.path("offer_id").asText(null);
            ledger.handedOut(new ReplayLedger.Handout(jobId, minerId, job.path("attempt").asInt(0), unitPrice,
                    offerId, handedOut, Instant.now()));
            checkPrice(jobId, unitPrice, offerId);
            adjustHeartbeat(job.path("lease_expires_at").asText(null));
            int contextTokens = job.path("payload").path("context_tokens").asInt(0);
            int generatedTokens = job.path("payload").path("generated_tokens").asInt(0);
            Duration gpuTime = gpu.runTime(contextTokens, generatedTokens);
            pause(Pacing.scale(gpuTime, speed));
            report(jobId, contextTokens, generatedTokens, gpuTime, unitPrice);
        } finally {
            inflight.remove(jobId);
        }
    }

    private void report(String jobId, int contextTokens, int generatedTokens, Duration gpuTime, String unitPrice) {
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
                        answer.body().path("receipt_id").asText(null), units, unitPrice, resultSha256,
                        System.nanoTime()));
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
                        new Heartbeat(List.copyOf(inflight))));
                if (!answer.ok()) {
                    logger.warn("Miner [{}] heartbeat answered [{}]", minerId, answer.describe());
                }
            } catch (RuntimeException e) {
                logger.warn("Miner [{}] heartbeat failed: [{}]", minerId, e.getMessage());
            }
            if (offerPrice != null) {
                renewOfferWhenEnded();
            }
        }
    }

    private void publishOffer() {
        Offer offer = new Offer(JOB_TYPE, Money.format(offerPrice), "tokens", OFFER_JOBS,
                new OfferTerms(gpu.name(), gpu.memoryMb() / 1024, List.of(MODEL), region),
                (int) Math.min(offerDuration.toSeconds(), Integer.MAX_VALUE));
        JsonNode published = client.expectOk(Call.post("/v1/marketplace/offers", "POST /v1/marketplace/offers",
                apiKey, offer));
        String offerId = published.path("offer_id").asText(null);
        if (offerId == null) {
            throw new IllegalStateException("POST /v1/marketplace/offers answered no offer_id: " + published);
        }
        offers.put(offerId, offerPrice);
        currentOffer = offerId;
        offersPublished.incrementAndGet();
    }

    /** Publishes a new offer once the current one is used up, expired or withdrawn. */
    private void renewOfferWhenEnded() {
        try {
            Answer answer = client.send(Call.get("/v1/marketplace/offers/" + currentOffer,
                    "GET /v1/marketplace/offers/{offer_id}", apiKey));
            boolean onSale = answer.ok() && "active".equals(answer.body().path("status").asText())
                    && answer.body().path("jobs_left").asInt(0) > 0;
            if (!onSale) {
                publishOffer();
            }
        } catch (RuntimeException e) {
            logger.warn("Miner [{}] could not renew its offer: [{}]", minerId, e.getMessage());
        }
    }

    /** A miner runs jobs only at prices it asked; anything else is the coordinator's mistake. */
    private void checkPrice(String jobId, String unitPrice, String offerId) {
        BigDecimal asked = offerId == null ? registrationPrice : offers.get(offerId);
        if (offerId != null && asked == null) {
            asked = ownOfferPrice(offerId);
            if (asked != null) {
                offers.putIfAbsent(offerId, asked);
            }
        }
        String terms = offerId == null ? "its registration price " + Money.format(registrationPrice)
                : "offer " + offerId + (asked == null ? ", not one of its own" : " at " + Money.format(asked));
        if (asked == null || !ReplayMoney.sameAmount(unitPrice, asked)) {
            ledger.mispriced(jobId + ": assigned to " + minerId + " at " + unitPrice + " under " + terms);
        }
    }

    /**
     * The price of an offer this miner published whose answer it has not read yet: a poll can be matched
     * through a new offer before the answer to publishing it arrives. {@code null} when it is another's.
     */
    private BigDecimal ownOfferPrice(String offerId) {
        try {
            Answer answer = client.send(Call.get("/v1/marketplace/offers/" + offerId,
                    "GET /v1/marketplace/offers/{offer_id}", apiKey));
            if (!answer.ok() || !minerId.equals(answer.body().path("miner_id").asText())) {
                return null;
            }
            return ReplayMoney.parse(answer.body().path("price").asText(null));
        } catch (RuntimeException e) {
            logger.warn("Miner [{}] could not read offer [{}]: [{}]", minerId, offerId, e.getMessage());
            return null;
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
