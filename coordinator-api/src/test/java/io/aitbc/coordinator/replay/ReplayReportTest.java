package io.aitbc.coordinator.replay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aitbc.coordinator.replay.ReplayAudit.Findings;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

class ReplayReportTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theJsonLineCarriesTheCountsTheRateAndTheLatencies() throws Exception {
        ReplayReport report = report(findings(List.of(), List.of()), List.of());

        String line = report.jsonLine(JSON);
        JsonNode json = JSON.readTree(line);

        assertThat(line).doesNotContain("\n");
        assertThat(json.path("submitted").asInt()).isEqualTo(1_000);
        assertThat(json.path("completed").asInt()).isEqualTo(990);
        assertThat(json.path("failed").asInt()).isEqualTo(4);
        assertThat(json.path("expired").asInt()).isEqualTo(5);
        assertThat(json.path("canceled").asInt()).isEqualTo(1);
        assertThat(json.path("receipts_verified").asInt()).isEqualTo(990);
        assertThat(json.path("duration_s").asDouble()).isEqualTo(12.5);
        assertThat(json.path("jobs_per_s").asDouble()).isEqualTo(79.2);
        assertThat(json.path("queue_wait_ms").path("p99").asDouble()).isEqualTo(9.9);
        assertThat(json.path("end_to_end_ms").path("max").asDouble()).isEqualTo(120.0);
        assertThat(json.path("miners").asInt()).isEqualTo(4);
        assertThat(json.path("http_errors").asLong()).as("429 answers are counted apart").isEqualTo(2);
        assertThat(json.path("rate_limited").asLong()).isEqualTo(7);
        assertThat(json.path("ok").asBoolean()).isTrue();
        assertThat(json.has("submit_lag_ms")).as("no schedule to be late for at speed 0").isFalse();
    }

    @Test
    void theJsonLineKeepsTheContractsFieldsFirst() throws Exception {
        JsonNode json = JSON.readTree(report(findings(List.of(), List.of()), List.of()).jsonLine(JSON));

        assertThat(json.fieldNames()).toIterable().startsWith("submitted", "completed", "failed", "expired",
                "canceled");
    }

    @Test
    void aLostJobOrARefusedResultFailsTheReplay() throws Exception {
        ReplayReport lost = report(findings(List.of("job_x: accepted, then unknown to the coordinator"), List.of()),
                List.of());
        ReplayReport refused = report(findings(List.of(), List.of()), List.of("job_y from miner_1: 409 INVALID_STATE"));

        assertThat(lost.ok()).isFalse();
        assertThat(JSON.readTree(lost.jsonLine(JSON)).path("lost").asInt()).isEqualTo(1);
        assertThat(refused.ok()).isFalse();
        assertThat(refused.human()).contains("Rejected results (1):", "job_y from miner_1: 409 INVALID_STATE");
    }

    @Test
    void theHumanReportShowsStatusesPercentilesAndTheVerdict() {
        String human = report(findings(List.of(), List.of("job_z: still queued")), List.of()).human();

        assertThat(human).contains(
                "completed 990, failed 4, expired 5, canceled 1, queued 0, running 0",
                "Receipts      issued 990, verified 990 of 990 completed",
                "queue wait",
                "Unfinished (1):",
                "Result: FAILED");
        assertThat(human).endsWith("\n");
    }

    @Test
    void aReplayWithNothingCompletedHasARateOfZero() {
        ReplayReport report = new ReplayReport("t.csv", 0, Map.of("GPU", 1), findings(List.of(), List.of()), 0, 0,
                0, LatencySummary.EMPTY, 0, 0, Map.of(), Map.of(), Map.of(), List.of(), null);

        assertThat(report.jobsPerSecond()).isZero();
    }

    private static ReplayReport report(Findings findings, List<String> rejections) {
        Map<String, Long> problems = new TreeMap<>(Map.of(
                "POST /v1/jobs 429 RATE_LIMIT_EXCEEDED", 7L,
                "GET /v1/receipts/{job_id} 404 RECEIPT_NOT_FOUND", 2L));
        return new ReplayReport("AzureLLMInferenceTrace_conv.csv", 0, Map.of("NVIDIA H100", 2, "NVIDIA L40S", 2),
                findings, 12_500_000_000L, 10_000_000_000L, 1_000_000_000L, LatencySummary.EMPTY, 4_000, 7,
                problems, Map.of(), Map.of("POST /v1/jobs", new LatencySummary(1_000, 1, 2, 3, 4)), rejections, null);
    }

    private static Findings findings(List<String> lost, List<String> unfinished) {
        return new Findings(1_000, 1_000, Map.of("completed", 990, "failed", 4, "expired", 5, "canceled", 1),
                lost, List.of(), unfinished, List.of(), 0, 0, 990, 990, List.of(),
                new LatencySummary(1_000, 1.5, 4.0, 9.9, 15.0), new LatencySummary(990, 20.0, 40.0, 80.0, 120.0));
    }
}
