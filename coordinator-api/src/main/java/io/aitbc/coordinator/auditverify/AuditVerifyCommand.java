package io.aitbc.coordinator.auditverify;

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
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * {@code audit-verify --url URL --api-key KEY}: an auditor's independent check that the service's
 * answers follow from its events. It reads the whole audit log, folds every job's events into its
 * state with its own code (not the service's projections), derives what each receipt must state,
 * verifies every receipt's signature against the published keys, and compares all of it with what
 * the service answers for each job and receipt. Exit code 0 when everything agrees, 1 on any
 * difference, 2 on bad usage.
 *
 * <p>Runs without Spring: plain {@code java.net.http} and Jackson.
 */
public final class AuditVerifyCommand {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int PAGE = 1000;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final String url;
    private final String apiKey;
    private final PrintStream out;
    private final List<String> differences = new ArrayList<>();

    AuditVerifyCommand(String url, String apiKey, PrintStream out) {
        this.url = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        this.apiKey = apiKey;
        this.out = out;
    }

    public static int run(String[] args) {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i], args[i + 1]);
        }
        if (!options.containsKey("--url") || !options.containsKey("--api-key") || args.length % 2 != 0) {
            System.err.println("usage: java -jar coordinator-api.jar audit-verify --url URL --api-key KEY");
            return 2;
        }
        try {
            return new AuditVerifyCommand(options.get("--url"), options.get("--api-key"), System.out).verify();
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
        Map<String, JobFold> jobs = new TreeMap<>();
        long events = 0;
        long after = 0;
        while (true) {
            JsonNode page = get("/v1/audit/events?limit=" + PAGE + "&after=" + after).body();
            for (JsonNode event : page.get("events")) {
                events++;
                if ("JobAggregate".equals(event.path("aggregate_type").asText())
                        || event.path("aggregate_id").asText().startsWith("job_")) {
                    jobs.computeIfAbsent(event.get("aggregate_id").asText(), JobFold::new).apply(event);
                }
            }
            if (page.get("events").size() < PAGE) {
                break;
            }
            after = page.get("next_after").asLong();
        }
        out.printf("audit-verify: %d events, %d jobs rebuilt from the log%n", events, jobs.size());

        compareJobs(jobs);
        int receipts = compareReceipts(jobs);
        compareStatistics(jobs);

        out.printf("audit-verify: %d jobs and %d receipts compared, %d differences%n", jobs.size(), receipts,
                differences.size());
        differences.forEach(difference -> out.println("  DIFFERENCE " + difference));
        out.println(differences.isEmpty() ? "audit-verify: PASS" : "audit-verify: FAIL");
        return differences.isEmpty() ? 0 : 1;
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

    /** The marketplace statistics, where the service has them. */
    private void compareStatistics(Map<String, JobFold> jobs) throws IOException, InterruptedException {
        Answer stats = get("/v1/marketplace/stats");
        long completed = jobs.values().stream().filter(job -> "completed".equals(job.status)).count();
        long failed = jobs.values().stream().filter(job -> "failed".equals(job.status)).count();
        long active = jobs.values().stream()
                .filter(job -> "queued".equals(job.status) || "running".equals(job.status))
                .count();
        BigDecimal volume = jobs.values().stream()
                .filter(job -> "completed".equals(job.status) && job.price != null)
                .map(job -> new BigDecimal(job.price))
                .reduce(BigDecimal.ZERO, BigDecimal::add);
        out.printf("audit-verify: rebuilt statistics: %d jobs, %d completed, %d failed, volume %s%n",
                jobs.size(), completed, failed, volume.toPlainString());
        if (stats.status() != 200) {
            out.println("audit-verify: GET /v1/marketplace/stats answered " + stats.status() + "; not compared");
            return;
        }
        same("stats", "total_jobs", Long.toString(jobs.size()), text(stats.body(), "total_jobs"));
        same("stats", "active_jobs", Long.toString(active), text(stats.body(), "active_jobs"));
        same("stats", "completed_jobs", Long.toString(completed), text(stats.body(), "completed_jobs"));
        same("stats", "failed_jobs", Long.toString(failed), text(stats.body(), "failed_jobs"));
        sameAmount("stats", "total_volume", volume.toPlainString(), text(stats.body(), "total_volume"));
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
