package io.aitbc.coordinator.replay;

import com.fasterxml.jackson.databind.JsonNode;
import io.aitbc.coordinator.common.api.Ids;
import io.aitbc.coordinator.replay.CoordinatorClient.Answer;
import io.aitbc.coordinator.replay.CoordinatorClient.Call;
import io.aitbc.coordinator.replay.CoordinatorClient.HttpTally;
import io.aitbc.coordinator.replay.ReplayAudit.Findings;
import io.aitbc.coordinator.replay.ReplayLedger.Completion;
import io.aitbc.coordinator.replay.ReplayLedger.Snapshot;
import io.aitbc.coordinator.replay.ReplayLedger.Submission;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintStream;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * One replay, phase by phase: issue keys, register and start the miners, submit the trace, wait
 * until every job reached a final state, read each job's final state and receipt, verify the
 * receipts, and audit what was seen.
 *
 * <p>Waiting ends when every accepted job is final, or when nothing has changed for
 * {@link #STALL_TIMEOUT}; jobs still open then are reported unfinished. Receipts are issued
 * asynchronously after completion, so the replay waits for them too, until none is missing or
 * none has appeared for {@link #RECEIPT_STALL_TIMEOUT}, and at most {@link #RECEIPT_TIMEOUT}.
 */
final class ReplayRun {

    private static final Logger logger = LoggerFactory.getLogger(ReplayRun.class);

    static final Duration STALL_TIMEOUT = Duration.ofSeconds(120);
    static final Duration RECEIPT_STALL_TIMEOUT = Duration.ofSeconds(60);
    static final Duration RECEIPT_TIMEOUT = Duration.ofMinutes(10);
    static final Duration PROGRESS_EVERY = Duration.ofSeconds(5);
    static final Duration QUIET_BEFORE_READING = Duration.ofSeconds(2);
    static final int READ_CONCURRENCY = 16;
    private static final String KEY_PLAN = "enterprise";
    /** Error codes that mean a receipt is not issued yet, so waiting may help. */
    private static final Set<String> RECEIPT_PENDING = Set.of("RECEIPT_NOT_FOUND", "JOB_NOT_FOUND");
    private static final List<String> REGIONS = List.of("eu-west", "us-east", "ap-southeast");

    /** A key the replay created; the secret stays out of {@link #toString()}. */
    record IssuedKey(String keyId, String apiKey, String principal) {

        @Override
        public String toString() {
            return "IssuedKey[" + keyId + ", " + principal + "]";
        }
    }

    private final ReplayOptions options;
    private final List<TraceRow> rows;
    private final PrintStream progress;
    private final HttpTally tally = new HttpTally();
    private final CoordinatorClient client;
    private final ReplayLedger ledger = new ReplayLedger();
    private final List<IssuedKey> issuedKeys = new ArrayList<>();
    private final List<SimulatedMiner> miners = new ArrayList<>();
    private volatile String phase = "starting";
    private volatile long startNanos = System.nanoTime();

    ReplayRun(ReplayOptions options, List<TraceRow> rows, PrintStream progress) {
        this.options = options;
        this.rows = rows;
        this.progress = progress;
        this.client = new CoordinatorClient(options.url(), tally);
    }

    // longer than most methods on purpose: the phases and their order read in one place
    ReplayReport run() throws InterruptedException {
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "replay-progress");
            thread.setDaemon(true);
            return thread;
        });
        try {
            IssuedKey clientKey = issueKey("client", "replay client");
            IssuedKey auditorKey = issueKey("auditor", "replay auditor");
            startMiners();
            ticker.scheduleAtFixedRate(this::showProgress, PROGRESS_EVERY.toMillis(), PROGRESS_EVERY.toMillis(),
                    TimeUnit.MILLISECONDS);

            phase = "submitting";
            startNanos = System.nanoTime();
            String traceName = options.trace().getFileName().toString();
            OfferBuyer buyer = options.marketplace() ? new OfferBuyer(client, ledger, clientKey.apiKey()) : null;
            TraceSubmitter submitter = new TraceSubmitter(client, ledger, clientKey.apiKey(), Ids.newId("replay"),
                    traceName, options.speed(), null, buyer, rows.size());
            submitter.submitAll(rows, startNanos);
            long submitNanos = System.nanoTime() - startNanos;

            phase = "draining";
            drain(auditorKey);
            long runNanos = ledger.lastChangeNanos() - startNanos;
            phase = "stopping miners";
            stopMiners();

            phase = "reading final states";
            Snapshot snapshot = ledger.snapshot();
            Map<String, FinalState> finalStates = finalStates(snapshot, auditorKey);

            phase = "waiting for receipts";
            long receiptsStarted = System.nanoTime();
            Map<String, String> receipts = awaitReceipts(completedJobs(finalStates), auditorKey);
            long receiptWaitNanos = System.nanoTime() - receiptsStarted;

            phase = "verifying receipts";
            ReceiptChecks checks = new ReceiptChecks(fetchKeys(auditorKey), clientKey.principal());
            checks.keyProblems().forEach(problem -> progress.println("replay: " + problem));
            Map<String, ReceiptOutcome> outcomes = checks.check(finalStates, receipts, snapshot);

            Findings findings = ReplayAudit.audit(snapshot, finalStates, outcomes);
            MarketSummary market = buyer == null ? null : MarketSummary.of(snapshot, outcomes,
                    miners.stream().mapToInt(SimulatedMiner::offersPublished).sum(), buyer.outcomes(),
                    statsVolume(auditorKey));
            return new ReplayReport(traceName, options.speed(), minerGpus(), findings, runNanos, submitNanos,
                    receiptWaitNanos, submitter.lag(), tally.requests(), tally.rateLimited(), tally.problems(),
                    examples(), tally.latencies(), snapshot.rejections().stream()
                            .map(rejection -> rejection.jobId() + " from " + rejection.minerId() + ": "
                                    + rejection.reason())
                            .toList(), market);
        } finally {
            ticker.shutdownNow();
            stopMiners();
            revokeKeys();
        }
    }

    private IssuedKey issueKey(String role, String name) {
        JsonNode answer = client.expectOk(Call.post("/v1/api-keys", "POST /v1/api-keys", options.apiKey(),
                Map.of("role", role, "plan", KEY_PLAN, "name", name)));
        IssuedKey key = new IssuedKey(answer.path("key_id").asText(null), answer.path("api_key").asText(null),
                answer.path("principal").asText(null));
        if (key.apiKey() == null || key.principal() == null) {
            throw new IllegalStateException("POST /v1/api-keys answered no api_key or principal for role " + role);
        }
        issuedKeys.add(key);
        return key;
    }

    private void startMiners() {
        phase = "registering miners";
        for (int i = 0; i < options.miners(); i++) {
            IssuedKey key = issueKey("miner", "replay miner " + (i + 1));
            GpuProfile gpu = GpuProfile.forMiner(i);
            BigDecimal registrationPrice = options.marketplace() ? gpu.onDemandPrice() : gpu.unitPrice();
            BigDecimal offerPrice = options.marketplace() ? gpu.offerPrice(i) : null;
            miners.add(SimulatedMiner.register(key.apiKey(), gpu, REGIONS.get(i % REGIONS.size()), registrationPrice,
                    offerPrice, offerDuration(), options.speed(), client, ledger));
        }
        miners.forEach(SimulatedMiner::start);
        progress.printf(Locale.ROOT, "replay: %d miners online with %d poll slots, %d rows to submit%n",
                miners.size(), miners.stream().mapToInt(miner -> miner.gpu().concurrency()).sum(), rows.size());
    }

    /**
     * Waits until every accepted job is final. Miner reports settle most jobs; the rest (expired,
     * failed, or completed where the answer was lost) are asked for once the miners have gone
     * quiet for {@link #QUIET_BEFORE_READING}, so a healthy run costs the coordinator no extra reads.
     */
    private void drain(IssuedKey reader) throws InterruptedException {
        Set<String> seenFinal = ConcurrentHashMap.newKeySet();
        while (true) {
            Set<String> open = openJobs(seenFinal);
            long quietNanos = System.nanoTime() - ledger.lastChangeNanos();
            if (open.isEmpty()) {
                return;
            }
            if (quietNanos > STALL_TIMEOUT.toNanos()) {
                progress.printf(Locale.ROOT, "replay: no job changed for %d s, %d jobs still open; giving up waiting%n",
                        STALL_TIMEOUT.toSeconds(), open.size());
                return;
            }
            if (quietNanos > QUIET_BEFORE_READING.toNanos()) {
                fetchStates(open, reader).forEach((jobId, state) -> {
                    if (state.isFinal() && seenFinal.add(jobId) && !state.status().equals("completed")) {
                        ledger.touch(System.nanoTime());
                    }
                });
            }
            Thread.sleep(250);
        }
    }

    private Set<String> openJobs(Set<String> seenFinal) {
        Set<String> open = new HashSet<>();
        Snapshot snapshot = ledger.snapshot();
        snapshot.submissions().forEach(submission -> open.add(submission.jobId()));
        snapshot.completions().forEach(completion -> open.remove(completion.jobId()));
        open.removeAll(seenFinal);
        return open;
    }

    private void stopMiners() throws InterruptedException {
        miners.forEach(SimulatedMiner::stop);
        for (SimulatedMiner miner : miners) {
            if (!miner.awaitStopped(Duration.ofSeconds(SimulatedMiner.POLL_WAIT_SECONDS + 30))) {
                logger.warn("Miner [{}] did not stop in time", miner.minerId());
            }
        }
    }

    /** The final state of every job the replay submitted or its miners were handed. */
    private Map<String, FinalState> finalStates(Snapshot snapshot, IssuedKey reader) throws InterruptedException {
        Set<String> jobIds = new LinkedHashSet<>();
        snapshot.submissions().forEach(submission -> jobIds.add(submission.jobId()));
        snapshot.handouts().forEach(handout -> jobIds.add(handout.jobId()));
        return fetchStates(jobIds, reader);
    }

    private Map<String, FinalState> fetchStates(Collection<String> jobIds, IssuedKey reader)
            throws InterruptedException {
        Map<String, FinalState> states = new ConcurrentHashMap<>();
        bounded(jobIds, jobId -> client.sendAsync(Call.get("/v1/jobs/" + jobId, "GET /v1/jobs/{job_id}",
                reader.apiKey())), (jobId, answer) -> {
                    if (answer.status() == 404) {
                        states.put(jobId, FinalState.notFound(jobId));
                    } else if (answer.ok()) {
                        JsonNode job = answer.body();
                        states.put(jobId, new FinalState(jobId, job.path("status").asText(),
                                job.path("miner_id").asText(null), job.path("receipt_id").asText(null)));
                    } else {
                        logger.warn("Reading job [{}] answered [{}]", jobId, answer.describe());
                    }
                });
        return states;
    }

    private static List<String> completedJobs(Map<String, FinalState> finalStates) {
        return finalStates.values().stream()
                .filter(state -> state.status().equals("completed"))
                .map(FinalState::jobId)
                .toList();
    }

    private Map<String, String> awaitReceipts(List<String> jobIds, IssuedKey reader) throws InterruptedException {
        Map<String, String> receipts = new ConcurrentHashMap<>();
        Set<String> refusals = ConcurrentHashMap.newKeySet();
        long started = System.nanoTime();
        long lastFound = started;
        List<String> missing = jobIds;
        while (!missing.isEmpty()) {
            int before = receipts.size();
            bounded(missing, jobId -> client.sendAsync(Call.get("/v1/receipts/" + jobId, "GET /v1/receipts/{job_id}",
                    reader.apiKey())), (jobId, answer) -> {
                        if (answer.ok()) {
                            receipts.put(jobId, answer.text());
                        } else if (!RECEIPT_PENDING.contains(answer.errorCode())) {
                            refusals.add(answer.status() + " " + answer.errorCode());
                        }
                    });
            missing = missing.stream().filter(jobId -> !receipts.containsKey(jobId)).toList();
            long now = System.nanoTime();
            lastFound = receipts.size() > before ? now : lastFound;
            if (missing.isEmpty()) {
                break;
            }
            if (!refusals.isEmpty()) {
                // no point waiting for what the coordinator refuses outright (a missing route, a denied key)
                progress.printf(Locale.ROOT, "replay: reading receipts answered %s; %d receipts not read%n",
                        refusals, missing.size());
                break;
            }
            if (now - lastFound > RECEIPT_STALL_TIMEOUT.toNanos() || now - started > RECEIPT_TIMEOUT.toNanos()) {
                progress.printf(Locale.ROOT, "replay: %d receipts still missing after %.1f s; giving up waiting%n",
                        missing.size(), (now - started) / 1e9);
                break;
            }
            Thread.sleep(1_000);
        }
        return receipts;
    }

    /** The published signing keys; none when the coordinator does not answer them, which fails every receipt. */
    private List<ReceiptChecks.SigningKey> fetchKeys(IssuedKey reader) {
        Call call = Call.get("/v1/receipts/keys", "GET /v1/receipts/keys", reader.apiKey());
        Answer answer = client.send(call);
        if (!answer.ok()) {
            progress.println("replay: " + call + " answered " + answer.describe());
            return List.of();
        }
        List<ReceiptChecks.SigningKey> keys = new ArrayList<>();
        answer.body().path("keys").forEach(key -> keys.add(new ReceiptChecks.SigningKey(
                key.path("key_id").asText(null),
                key.path("public_key").asText(null),
                key.path("valid_from").asText(null),
                key.path("valid_until").asText(null))));
        return keys;
    }

    /** Sends one request per item, at most {@link #READ_CONCURRENCY} at a time, and hands each answer on. */
    private <T> void bounded(Collection<T> items, Function<T, CompletableFuture<Answer>> request,
                             BiConsumer<T, Answer> onAnswer) throws InterruptedException {
        Semaphore permits = new Semaphore(READ_CONCURRENCY);
        for (T item : items) {
            permits.acquire();
            request.apply(item).whenComplete((answer, error) -> {
                try {
                    if (error != null) {
                        logger.warn("Reading [{}] failed: [{}]", item, error.getMessage());
                    } else {
                        onAnswer.accept(item, answer);
                    }
                } finally {
                    permits.release();
                }
            });
        }
        permits.acquire(READ_CONCURRENCY);
    }

    private void revokeKeys() {
        for (IssuedKey key : issuedKeys) {
            if (key.keyId() == null) {
                continue;
            }
            try {
                Answer answer = client.send(Call.delete("/v1/api-keys/" + key.keyId(), "DELETE /v1/api-keys/{key_id}",
                        options.apiKey()));
                if (!answer.ok()) {
                    logger.warn("Revoking key [{}] answered [{}]", key.keyId(), answer.describe());
                }
            } catch (RuntimeException e) {
                logger.warn("Revoking key [{}] failed: [{}]", key.keyId(), e.getMessage());
            }
        }
    }

    /** Offers outlast the replay: the trace's span at the replay's speed, and an hour more. */
    private Duration offerDuration() {
        Duration span = Pacing.scale(rows.get(rows.size() - 1).arrival(), options.speed());
        return span.plusHours(1);
    }

    /** The coordinator's own market volume, or {@code null} when it does not answer it. */
    private String statsVolume(IssuedKey reader) {
        Call call = Call.get("/v1/marketplace/stats", "GET /v1/marketplace/stats", reader.apiKey());
        Answer answer = client.send(call);
        if (!answer.ok()) {
            progress.println("replay: " + call + " answered " + answer.describe());
            return null;
        }
        return answer.body().path("total_volume").asText(null);
    }

    private Map<String, Integer> minerGpus() {
        Map<String, Integer> gpus = new TreeMap<>();
        miners.forEach(miner -> gpus.merge(miner.gpu().name(), 1, Integer::sum));
        return gpus;
    }

    private Map<String, String> examples() {
        Map<String, String> examples = new HashMap<>();
        tally.problems().keySet().forEach(problem -> examples.put(problem, tally.example(problem)));
        return examples;
    }

    private void showProgress() {
        long elapsed = System.nanoTime() - startNanos;
        progress.printf(Locale.ROOT, "replay %7.1fs %-20s submitted %d/%d, handed out %d, completed %d,"
                        + " not accepted %d, results refused %d, requests %d (429: %d)%n",
                elapsed / 1e9, phase, ledger.submittedCount(), rows.size(), ledger.handedOutCount(),
                ledger.completedCount(), ledger.submitFailureCount(), ledger.rejectionCount(), tally.requests(),
                tally.rateLimited());
    }
}
