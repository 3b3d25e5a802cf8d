package io.aitbc.coordinator.replay;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aitbc.coordinator.replay.ReplayAudit.Findings;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The replay's figures, as a report for people and as one JSON line for scripts.
 *
 * <p>{@code duration_s} runs from the first submission to the moment the last job reached its
 * final state (waiting for receipts is not part of it); {@code jobs_per_s} is completed jobs per
 * second of that span. Latencies are measured by the replay's own clock: queue wait from sending
 * the submission to a miner's poll returning the job, end to end from sending the submission to
 * the coordinator accepting the result.
 *
 * @param minerGpus       how many simulated miners had each GPU
 * @param runNanos        first submission to last final state
 * @param submitNanos     first to last submission answered
 * @param receiptWaitNanos how long the replay waited for receipts after the run
 * @param submitLag       how late submissions left against the schedule
 * @param httpProblems    answers other than 2xx and transport failures, by route, status and code
 * @param httpExamples    one description (with the request id) per entry of {@code httpProblems}
 * @param rejections      result reports the coordinator refused
 * @param market          the marketplace's figures, or {@code null} outside marketplace mode
 */
record ReplayReport(
        String trace,
        double speed,
        Map<String, Integer> minerGpus,
        Findings findings,
        long runNanos,
        long submitNanos,
        long receiptWaitNanos,
        LatencySummary submitLag,
        long httpRequests,
        long rateLimited,
        Map<String, Long> httpProblems,
        Map<String, String> httpExamples,
        Map<String, LatencySummary> routeLatencies,
        List<String> rejections,
        MarketSummary market) {

    private static final int LISTED = 10;

    double durationSeconds() {
        return round(runNanos / 1e9, 3);
    }

    double jobsPerSecond() {
        return runNanos == 0 ? 0 : round(findings.count("completed") / (runNanos / 1e9), 2);
    }

    int miners() {
        return minerGpus.values().stream().mapToInt(Integer::intValue).sum();
    }

    boolean ok() {
        return findings.ok() && rejections.isEmpty();
    }

    /** The one-line summary: the last line the replay prints. */
    String jsonLine(ObjectMapper json) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("submitted", findings.submitted());
        line.put("completed", findings.count("completed"));
        line.put("failed", findings.count("failed"));
        line.put("expired", findings.count("expired"));
        line.put("canceled", findings.count("canceled"));
        line.put("unfinished", findings.unfinished().size());
        line.put("lost", findings.lost().size());
        line.put("duplicated", findings.duplicated().size());
        line.put("mismatched", findings.mismatched().size());
        line.put("rejected_results", rejections.size());
        line.put("reassigned", findings.reassigned());
        line.put("foreign", findings.foreign());
        line.put("receipts_issued", findings.receiptsIssued());
        line.put("receipts_verified", findings.receiptsVerified());
        line.put("duration_s", durationSeconds());
        line.put("jobs_per_s", jobsPerSecond());
        line.put("queue_wait_ms", latency(findings.queueWait()));
        line.put("end_to_end_ms", latency(findings.endToEnd()));
        if (speed > 0) {
            // at speed zero every row is due at once, so lateness against the schedule means nothing
            line.put("submit_lag_ms", latency(submitLag));
        }
        line.put("receipt_wait_s", round(receiptWaitNanos / 1e9, 3));
        line.put("trace", trace);
        line.put("rows", findings.rows());
        line.put("speed", speed);
        line.put("miners", miners());
        line.put("http_requests", httpRequests);
        line.put("rate_limited", rateLimited);
        line.put("http_errors", httpProblems.entrySet().stream()
                .filter(entry -> !entry.getKey().contains(" 429"))
                .mapToLong(Map.Entry::getValue)
                .sum());
        if (market != null) {
            line.put("marketplace", market.json());
        }
        line.put("ok", ok());
        try {
            return json.writeValueAsString(line);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("A map of numbers and strings always serializes", e);
        }
    }

    /** The report for people, several lines, ending with a newline. */
    String human() {
        StringBuilder out = new StringBuilder();
        line(out, "Replay of %s: %d rows at %s with %d miners (%s)", trace, findings.rows(),
                speed == 0 ? "speed 0 (no waiting)" : "speed " + speed, miners(), gpus());
        line(out, "Ran %.3f s (submissions %.3f s): %.2f completed jobs per second",
                runNanos / 1e9, submitNanos / 1e9, jobsPerSecond());
        line(out, "");
        line(out, "Final status  %s", statuses());
        line(out, "Checks        lost %d, duplicated %d, unfinished %d, mismatched %d, rejected results %d"
                        + " (reassigned after a lapsed lease %d, jobs not from this replay %d)",
                findings.lost().size(), findings.duplicated().size(), findings.unfinished().size(),
                findings.mismatched().size(), rejections.size(), findings.reassigned(), findings.foreign());
        line(out, "Receipts      issued %d, verified %d of %d completed (waited %.3f s for them)",
                findings.receiptsIssued(), findings.receiptsVerified(), findings.count("completed"),
                receiptWaitNanos / 1e9);
        if (market != null) {
            marketLines(out);
        }
        line(out, "");
        line(out, "%-48s %8s %9s %9s %9s %9s", "latency (ms)", "count", "p50", "p90", "p99", "max");
        latencyLine(out, "queue wait", findings.queueWait());
        latencyLine(out, "end to end", findings.endToEnd());
        if (speed > 0) {
            latencyLine(out, "submission lag against schedule", submitLag);
        }
        line(out, "");
        line(out, "HTTP: %d requests, %d answered 429", httpRequests, rateLimited);
        routeLatencies.forEach((route, summary) -> latencyLine(out, "  " + route, summary));
        if (!httpProblems.isEmpty()) {
            line(out, "Answers other than 2xx:");
            httpProblems.forEach((problem, count) ->
                    line(out, "  %6d × %s   e.g. %s", count, problem, httpExamples.get(problem)));
        }
        list(out, "Lost", findings.lost());
        list(out, "Duplicated", findings.duplicated());
        list(out, "Unfinished", findings.unfinished());
        list(out, "Mismatched", findings.mismatched());
        list(out, "Rejected results", rejections);
        list(out, "Receipt problems", findings.receiptProblems());
        line(out, "");
        line(out, ok() ? "Result: OK, every job finished once with a valid receipt"
                : "Result: FAILED, see the problems above");
        return out.toString();
    }

    private void marketLines(StringBuilder out) {
        line(out, "Marketplace   %d offers published; purchases %s, %d of them lapsed and ran elsewhere",
                market.offersPublished(), market.purchaseOutcomes(), market.lapsedPurchases());
        line(out, "  volume %s AITBC over %d jobs, unit prices %s to %s per token",
                market.volume().get(MarketSummary.ALL), market.jobs().get(MarketSummary.ALL), market.minUnitPrice(),
                market.maxUnitPrice());
        for (String kind : List.of(MarketSummary.BOUGHT, MarketSummary.MATCHED, MarketSummary.REGISTRATION)) {
            line(out, "  %-22s %6d jobs, volume %s", kind.replace('_', ' '), market.jobs().get(kind),
                    market.volume().get(kind));
        }
        line(out, "  GET /v1/marketplace/stats total_volume %s (%s the receipts' sum)", market.statsTotalVolume(),
                market.statsAgree() ? "equals" : "differs from");
    }

    private String gpus() {
        StringBuilder text = new StringBuilder();
        minerGpus.forEach((gpu, count) -> text.append(text.length() == 0 ? "" : ", ").append(count).append(" × ")
                .append(gpu));
        return text.toString();
    }

    private String statuses() {
        StringBuilder text = new StringBuilder();
        for (String status : List.of("completed", "failed", "expired", "canceled", "queued", "running",
                FinalState.NOT_FOUND)) {
            text.append(text.length() == 0 ? "" : ", ").append(status).append(' ').append(findings.count(status));
        }
        return text.toString();
    }

    private static Map<String, Object> latency(LatencySummary summary) {
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("p50", summary.p50Ms());
        figures.put("p90", summary.p90Ms());
        figures.put("p99", summary.p99Ms());
        figures.put("max", summary.maxMs());
        return figures;
    }

    private static void latencyLine(StringBuilder out, String name, LatencySummary summary) {
        line(out, "%-48s %8d %9.1f %9.1f %9.1f %9.1f", name, summary.count(), summary.p50Ms(), summary.p90Ms(),
                summary.p99Ms(), summary.maxMs());
    }

    private static void list(StringBuilder out, String title, List<String> items) {
        if (items.isEmpty()) {
            return;
        }
        line(out, "%s (%d%s):", title, items.size(), items.size() > LISTED ? ", first " + LISTED : "");
        items.stream().limit(LISTED).forEach(item -> line(out, "  %s", item));
    }

    private static void line(StringBuilder out, String format, Object... args) {
        out.append(String.format(Locale.ROOT, format, args)).append('\n');
    }

    private static double round(double value, int decimals) {
        double scale = Math.pow(10, decimals);
        return Math.round(value * scale) / scale;
    }
}
