package io.aitbc.coordinator.replay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aitbc.coordinator.auditverify.AuditVerifyCommand;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.ActiveProfiles;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The replay command against a coordinator booted on a random port: the first rows of the real
 * conversation trace at full speed with four miners, over real HTTP, end with every job completed
 * once and every receipt verified.
 *
 * <p>The admin key is this test's own, which also gives it an application context, and so a
 * database, of its own: jobs left queued by other tests can never reach the replay's miners.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "coordinator.admin-key=" + TraceReplayIT.ADMIN_KEY)
@ActiveProfiles("test")
class TraceReplayIT {

    static final String ADMIN_KEY = "trace-replay-it-admin-key-5f0c2d9e41b7";
    private static final String TRACE = "../traces/azure-llm-inference-2023/AzureLLMInferenceTrace_conv.csv";
    private static final int ROWS = 300;

    @LocalServerPort
    int port;

    @Test
    void theFirstRowsOfTheConversationTraceCompleteOnceWithVerifiedReceipts() throws Exception {
        // given
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String[] args = {"--url", "http://127.0.0.1:" + port, "--api-key", ADMIN_KEY, "--trace", TRACE,
                "--limit", String.valueOf(ROWS), "--speed", "0", "--miners", "4"};

        // when
        int exitCode = ReplayCommand.run(args, Map.of(), utf8(out), utf8(err));

        // then
        String report = out.toString(StandardCharsets.UTF_8);
        assertThat(exitCode).as("exit code; report:%n%s%nprogress:%n%s", report, err).isZero();
        String[] lines = report.strip().split("\n");
        JsonNode summary = new ObjectMapper().readTree(lines[lines.length - 1]);
        assertThat(summary.path("submitted").asInt()).isEqualTo(ROWS);
        assertThat(summary.path("completed").asInt()).isEqualTo(ROWS);
        assertThat(summary.path("failed").asInt()).isZero();
        assertThat(summary.path("expired").asInt()).isZero();
        assertThat(summary.path("canceled").asInt()).isZero();
        assertThat(summary.path("lost").asInt()).isZero();
        assertThat(summary.path("duplicated").asInt()).isZero();
        assertThat(summary.path("unfinished").asInt()).isZero();
        assertThat(summary.path("receipts_verified").asInt()).isEqualTo(ROWS);
        assertThat(summary.path("jobs_per_s").asDouble()).isPositive();
        assertThat(summary.path("end_to_end_ms").path("p99").asDouble())
                .isGreaterThanOrEqualTo(summary.path("end_to_end_ms").path("p50").asDouble());
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("4 miners online");
    }

    @Test
    void inMarketplaceModeTheBoughtJobsAreSubmittedThroughOffersAndTheStatisticsEqualTheEvents() throws Exception {
        // given
        int rows = 200;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String[] args = {"--url", "http://127.0.0.1:" + port, "--api-key", ADMIN_KEY, "--trace", TRACE,
                "--limit", String.valueOf(rows), "--speed", "0", "--miners", "4", "--marketplace"};

        // when
        int exitCode = ReplayCommand.run(args, Map.of(), utf8(out), utf8(err));
        int audit = AuditVerifyCommand.run(new String[] {"--url", "http://127.0.0.1:" + port, "--api-key", ADMIN_KEY});

        // then: every second row bought at submission, none lost to a poll's matching
        String report = out.toString(StandardCharsets.UTF_8);
        assertThat(exitCode).as("exit code; report:%n%s%nprogress:%n%s", report, err).isZero();
        String[] lines = report.strip().split("\n");
        JsonNode market = new ObjectMapper().readTree(lines[lines.length - 1]).path("marketplace");
        assertThat(market.path("purchase_outcomes").path("bought").asInt()).isEqualTo(rows / 2);
        assertThat(market.path("purchase_outcomes").size()).isOne();
        assertThat(market.path("jobs").path("bought_through_offer").asInt()).isEqualTo(rows / 2);
        assertThat(audit).isZero();
    }

    private static PrintStream utf8(ByteArrayOutputStream buffer) {
        return new PrintStream(buffer, true, StandardCharsets.UTF_8);
    }
}
