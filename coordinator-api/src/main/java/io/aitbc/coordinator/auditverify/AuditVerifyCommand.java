package io.aitbc.coordinator.auditverify;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aitbc.coordinator.receipt.verify.ReceiptVerdict;
import io.aitbc.coordinator.receipt.verify.ReceiptVerifier;
import io.aitbc.coordinator.receipt.verify.TrustedKey;

import java.io.IOException;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * {@code audit-verify --url URL --api-key KEY}: an auditor's independent check that the service's
 * answers follow from its events. It reads the whole audit log, folds every job's events into its
 * state with its own code (not the service's projections), derives what each receipt must state,
 * verifies every receipt's signature against the published keys, recomputes the marketplace's and
 * every miner's statistics ({@link MarketRecomputation}), and compares all of it with what the service
 * answers. Exit code 0 when everything agrees, 1 on any difference, 2 on bad usage.
 *
 * <p>Runs without Spring: plain {@code java.net.http} and Jackson. Answers 429 are waited out as their
 * {@code Retry-After} says, so a key's rate limit slows the check down but never fails it.
 */
public final class AuditVerifyCommand {

    // exact decimals: a price read through a double could differ from the one stored
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    private static final int PAGE = 1000;
    private static final int QUIET_TRIES = 5;
    private static final int RATE_LIMIT_WAITS = 100;
    /** The service's default {@code coordinator.market.activity-window}; {@code --activity-window} overrides it. */
    private static final Duration DEFAULT_ACTIVITY_WINDOW = Duration.ofMinutes(10);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final String url;
    private final String apiKey;
    private final Duration activityWindow;
    private final PrintStream out;
    private final List<String> differences = new ArrayList<>();
    private final MarketRecomputation market = new MarketRecomputation();
    private long lastPosition;

    AuditVerifyCommand(String url, String apiKey, PrintStream out) {
        this(url, apiKey, DEFAULT_ACTIVITY_WINDOW, out);
    }

    AuditVerifyCommand(String url, String apiKey, Duration activityWindow, PrintStream out) {
        this.url = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        this.apiKey = apiKey;
        this.activityWindow = activityWindow;
        this.out = out;
    }

    public static int run(String[] args) {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i], args[i + 1]);
        }
        Duration window;
        try {
            window = Duration.parse("PT" + options.getOrDefault("--activity-window", "10m").toUpperCase(Locale.ROOT));
        } catch (DateTimeParseException e) {
            window = null;
        }
        if (!options.containsKey("--url") || !options.containsKey("--api-key") || args.length % 2 != 0
                || window == null) {
            System.err.println("usage: java -jar coordinator-api.jar audit-verify --url URL --api-key KEY"
                    + " [--activity-window 10m]");
            return 2;
        }
        try {
            return new AuditVerifyCommand(options.get("--url"), options.get("--api-key"), window, System.out)
                    .verify();
        } catch (IOException | RuntimeException e) {
            System.err.println("audit-verify could not finish: " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
    }

    /** Runs the check, prints the report, answers the exit code. */
    int verify() throws IOException, InterruptedException {
        long started = System.nanoTime();
        Map<String, JobFold> jobs = new TreeMap<>();
        long events = readLog(jobs);
        out.printf("audit-verify: %d events, %d jobs rebuilt from the log%n", events, jobs.size());

        compareJobs(jobs);
        int receipts = compareReceipts(jobs);
        int miners = compareStatistics(jobs);

        out.printf(Locale.ROOT, "audit-verify: %d jobs and %d receipts compared, and the statistics of the marketplace"
                        + " and %d miners; %d differences in %.1f s%n", jobs.size(), receipts, miners,
                differences.size(), (System.nanoTime() - started) / 1e9);
        differences.forEach(difference -> out.println("  DIFFERENCE " + difference));
        out.println(differences.isEmpty() ? "audit-verify: PASS" : "audit-verify: FAIL");
        return differences.isEmpty() ? 0 : 1;
    }

    /** Reads the log from where the last read ended, folding each event; answers how many were read. */
    private long readLog(Map<String, JobFold> jobs) throws IOException, InterruptedException {
        long events = 0;
        while (true) {
            JsonNode page = get("/v1/audit/events?limit=" + PAGE + "&after=" + lastPosition).body();
            for (JsonNode event : page.get("events")) {
                events++;
                if ("JobAggregate".equals(event.path("aggregate_type").asText())
                        || event.path("aggregate_id").asText().startsWith("job_")) {
                    jobs.computeIfAbsent(event.get("aggregate_id").asText(), JobFold::new).apply(event);
                }
                market.accept(event.get("type").asText(), event.get("data"), instant(event.get("timestamp")));
            }
            if (page.get("events").size() < PAGE) {
                if (!page.get("events").isEmpty()) {
                    lastPosition = page.get("events").get(page.get("events").size() - 1).get("position").asLong();
                }
                return events;
            }
            lastPosition = page.get("next_after").asLong();
        }
    }

    private void compareJobs(Map<String, JobFold> jobs) throws IOException, InterruptedException {
        for (JobFold job : jobs.values()) {
            Answer answer = get("/v1/jobs/" + job.jobId);
            if (answer.status() != 200) {
                differ(job.jobId, "GET /v1/jobs answered " + answer.status());
                continue;
            }
            JsonNode served = answer.body();
            same(job.jobId, "status", job.status, text(served, "status"));
            same(job.jobId, "client_id", job.clientId, text(served, "client_id"));
            same(job.jobId, "miner_id", job.minerId, text(served, "miner_id"));
            same(job.jobId, "offer_id", job.offerId, text(served, "offer_id"));
            same(job.jobId, "type", job.type, text(served, "type"));
            same(job.jobId, "attempt", Integer.toString(job.attempt), text(served, "attempt"));
            same(job.jobId, "progress", Integer.toString(job.progress), text(served, "progress"));
            sameAmount(job.jobId, "price", job.price, text(served, "price"));
            sameAmount(job.jobId, "max_price", job.maxPrice, text(served, "max_price"));
            same(job.jobId, "receipt_id", job.receiptId, text(served, "receipt_id"));
        }
    }

    /** Receipts: what each must state follows from its completion event; its signature must verify. */
    private int compareReceipts(Map<String, JobFold> jobs) throws IOException, InterruptedException {
        Answer keys = get("/v1/receipts/keys");
        if (keys.status() == 404) {
            out.println("audit-verify: the service publishes no receipts (GET /v1/receipts/keys is 404); "
                    + "receipts not compared");
            return 0;
        }
        List<TrustedKey> trusted = new ArrayList<>();
        for (JsonNode key : keys.body().path("keys")) {
            trusted.add(new TrustedKey(key.get("key_id").asText(), Base64.getDecoder().decode(key.get("public_key")
                    .asText()), instant(key.get("valid_from")), instant(key.get("valid_until"))));
        }
        ReceiptVerifier verifier = new ReceiptVerifier(trusted);
        int compared = 0;
        for (JobFold job : jobs.values()) {
            if (job.completion == null) {
                continue;
            }
            Answer answer = get("/v1/receipts/" + job.jobId);
            if (answer.status() != 200) {
                differ(job.jobId, "GET /v1/receipts answered " + answer.status() + " for a completed job");
                continue;
            }
            compared++;
            JsonNode receipt = answer.body();
            JsonNode completion = job.completion;
            same(job.jobId, "receipt.receipt_id", text(completion, "receipt_id"), text(receipt, "receipt_id"));
            same(job.jobId, "receipt.job_id", job.jobId, text(receipt, "job_id"));
            same(job.jobId, "receipt.client_id", text(completion, "client_id"), text(receipt, "client_id"));
            same(job.jobId, "receipt.miner_id", text(completion, "miner_id"), text(receipt, "miner_id"));
            same(job.jobId, "receipt.job_type", text(completion, "type"), text(receipt, "job_type"));
            sameAmount(job.jobId, "receipt.price", text(completion, "price"), text(receipt, "price"));
            sameAmount(job.jobId, "receipt.units", text(completion, "units"), text(receipt, "units"));
            sameAmount(job.jobId, "receipt.unit_price", text(completion, "unit_price"), text(receipt, "unit_price"));
            same(job.jobId, "receipt.payload_sha256", text(completion, "payload_sha256"),
                    text(receipt, "payload_sha256"));
            same(job.jobId, "receipt.result_sha256", text(completion, "result_sha256"),
                    text(receipt, "result_sha256"));
            same(job.jobId, "receipt.event_id", job.completionEventId, text(receipt, "event_id"));
            ReceiptVerdict verdict = verifier.verify(receipt);
            if (!verdict.signatureValid() || !verdict.keyKnown()) {
                differ(job.jobId, "receipt signature does not verify: " + verdict.problems());
            }
        }
        return compared;
    }

    /**
     * The marketplace's and every miner's statistics against a recomputation from the log. They are
     * read at a moment when no event arrives between reading them and reading the end of the log (the
     * log is read on and the statistics again otherwise); the figures that depend on the time of
     * reading (active miners, open offers) must lie between their values at the start and at the end of
     * the request. Answers how many miners were compared.
     */
    private int compareStatistics(Map<String, JobFold> jobs) throws IOException, InterruptedException {
        for (int tryNumber = 1; tryNumber <= QUIET_TRIES; tryNumber++) {
            Instant before = Instant.now();
            Answer stats = get("/v1/marketplace/stats");
            Instant after = Instant.now();
            if (stats.status() == 404) {
                out.println("audit-verify: the service has no marketplace statistics (404); not compared");
                return 0;
            }
            Map<String, MarketRecomputation.MinerFigures> miners = market.miners();
            Map<String, Answer> served = new TreeMap<>();
            for (String minerId : miners.keySet()) {
                served.put(minerId, get("/v1/miners/" + minerId + "/stats"));
            }
            if (readLog(jobs) > 0) {
                out.printf("audit-verify: events arrived while the statistics were read; reading them again (%d)%n",
                        tryNumber);
                continue;
            }
            MarketRecomputation.Market atStart = market.market(before, activityWindow);
            MarketRecomputation.Market atEnd = market.market(after, activityWindow);
            out.printf(Locale.ROOT, "audit-verify: statistics recomputed from %d events: %d jobs (%d completed,"
                            + " %d failed, %d active), volume %s, mean completion %s s, %d miners (%d active),"
                            + " %d open offers%n", market.events(), atEnd.totalJobs(), atEnd.completedJobs(),
                    atEnd.failedJobs(), atEnd.activeJobs(), atEnd.totalVolume().toPlainString(),
                    plain(atEnd.averageCompletionTime()), miners.size(), atEnd.activeMiners(), atEnd.openOffers());
            compareMarket(stats, atStart, atEnd);
            miners.forEach((minerId, figures) -> compareMiner(figures, served.get(minerId)));
            return miners.size();
        }
        differ("stats", "events kept arriving for " + QUIET_TRIES + " reads; statistics not compared");
        return 0;
    }

    private void compareMarket(Answer stats, MarketRecomputation.Market atStart, MarketRecomputation.Market atEnd) {
        if (stats.status() != 200) {
            differ("stats", "GET /v1/marketplace/stats answered " + stats.status());
            return;
        }
        JsonNode body = stats.body();
        same("stats", "total_jobs", Long.toString(atEnd.totalJobs()), text(body, "total_jobs"));
        same("stats", "active_jobs", Long.toString(atEnd.activeJobs()), text(body, "active_jobs"));
        same("stats", "completed_jobs", Long.toString(atEnd.completedJobs()), text(body, "completed_jobs"));
        same("stats", "failed_jobs", Long.toString(atEnd.failedJobs()), text(body, "failed_jobs"));
        sameAmount("stats", "average_completion_time", plain(atEnd.averageCompletionTime()),
                text(body, "average_completion_time"));
        sameAmount("stats", "total_volume", atEnd.totalVolume().toPlainString(), text(body, "total_volume"));
        between("stats", "active_miners", atEnd.activeMiners(), atStart.activeMiners(), body);
        between("stats", "open_offers", atEnd.openOffers(), atStart.openOffers(), body);
    }

    private void compareMiner(MarketRecomputation.MinerFigures figures, Answer answer) {
        String subject = "miner " + figures.minerId();
        if (answer.status() != 200) {
            differ(subject, "GET /v1/miners/{id}/stats answered " + answer.status());
            return;
        }
        JsonNode body = answer.body();
        sameAmount(subject, "reputation", plain(figures.reputation()), text(body, "reputation"));
        same(subject, "total_jobs", Long.toString(figures.totalJobs()), text(body, "total_jobs"));
        sameAmount(subject, "success_rate", plain(figures.successRate()), text(body, "success_rate"));
        sameAmount(subject, "average_completion_time", plain(figures.averageCompletionTime()),
                text(body, "average_completion_time"));
        sameAmount(subject, "total_earned", plain(figures.totalEarned()), text(body, "total_earned"));
        same(subject, "active_since", figures.activeSince() == null ? null : figures.activeSince().toString(),
                text(body, "active_since") == null ? null : Instant.parse(text(body, "active_since")).toString());
    }

    /** A figure that only falls as time passes without events: it must lie between its two bounds. */
    private void between(String subject, String field, long atEnd, long atStart, JsonNode body) {
        String answered = text(body, field);
        long value = answered == null ? -1 : Long.parseLong(answered);
        if (value < atEnd || value > atStart) {
            differ(subject, field + ": events say " + (atEnd == atStart ? Long.toString(atEnd)
                    : atEnd + " to " + atStart) + ", service says " + answered);
        }
    }

    private static String plain(BigDecimal amount) {
        return amount == null ? null : amount.toPlainString();
    }

    private void same(String subject, String field, String expected, String actual) {
        if (!Objects.equals(expected, actual)) {
            differ(subject, field + ": events say " + expected + ", service says " + actual);
        }
    }

    private void sameAmount(String subject, String field, String expected, String actual) {
        boolean equal = expected == null || actual == null ? Objects.equals(expected, actual)
                : new BigDecimal(expected).compareTo(new BigDecimal(actual)) == 0;
        if (!equal) {
            differ(subject, field + ": events say " + expected + ", service says " + actual);
        }
    }

    private void differ(String subject, String what) {
        differences.add(subject + " " + what);
    }

    private record Answer(int status, JsonNode body) {
    }

    private Answer get(String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url + path))
                .header("X-API-Key", apiKey)
                .header("Accept", "application/json")
                .timeout(Duration.ofSeconds(30))
                .GET()
                .build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        for (int wait = 1; response.statusCode() == 429 && wait <= RATE_LIMIT_WAITS; wait++) {
            long seconds = response.headers().firstValueAsLong("Retry-After").orElse(1);
            Thread.sleep(Math.max(1, Math.min(seconds, 60)) * 1000);
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        }
        if (response.statusCode() == 401 || response.statusCode() == 403) {
            throw new IOException("the key may not read " + path + " (" + response.statusCode() + ")");
        }
        JsonNode body = response.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(response.body());
        return new Answer(response.statusCode(), body);
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    private static Instant instant(JsonNode value) {
        return value == null || value.isNull() ? null : Instant.parse(value.asText());
    }

    /** A job's state as its events make it, folded here independently of the service's projections. */
    private static final class JobFold {

        final String jobId;
        String clientId;
        String type;
        String status;
        String minerId;
        String offerId;
        String maxPrice;
        String price;
        String receiptId;
        int attempt;
        int progress;
        JsonNode completion;
        String completionEventId;

        JobFold(String jobId) {
            this.jobId = jobId;
        }

        void apply(JsonNode event) {
            JsonNode data = event.get("data");
            switch (event.get("type").asText()) {
                case "JobSubmitted" -> {
                    clientId = text(data, "client_id");
                    type = text(data, "type");
                    maxPrice = text(data, "max_price");
                    status = "queued";
                }
                case "JobReserved" -> {
                    minerId = text(data, "miner_id");
                    offerId = text(data, "offer_id");
                }
                case "JobReservationLapsed" -> {
                    minerId = null;
                    offerId = null;
                }
                case "JobAssigned" -> {
                    status = "running";
                    minerId = text(data, "miner_id");
                    offerId = text(data, "offer_id");
                    attempt = data.path("attempt").asInt();
                    progress = 0;
                }
                case "JobProgressReported" -> progress = data.path("progress").asInt();
                case "JobCompleted" -> {
                    status = "completed";
                    progress = 100;
                    price = text(data, "price");
                    receiptId = text(data, "receipt_id");
                    completion = data;
                    completionEventId = text(event, "event_id");
                }
                case "JobRequeued" -> {
                    status = "queued";
                    minerId = null;
                    offerId = null;
                    progress = 0;
                }
                case "JobFailed" -> status = "failed";
                case "JobExpired" -> end("expired", data);
                case "JobCanceled" -> end("canceled", data);
                default -> {
                    // lease renewals and events of later kinds change nothing this check compares
                }
            }
        }

        /** A job that ends while queued drops its reservation, if it had one. */
        private void end(String finalStatus, JsonNode data) {
            if ("queued".equals(text(data, "previous_status"))) {
                minerId = null;
                offerId = null;
            }
            status = finalStatus;
        }
    }
}
