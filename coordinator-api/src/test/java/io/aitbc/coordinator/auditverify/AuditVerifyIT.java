package io.aitbc.coordinator.auditverify;

import com.fasterxml.jackson.databind.JsonNode;
import io.aitbc.coordinator.projection.ProjectionRebuilder;
import io.aitbc.coordinator.testsupport.CoordinatorTestClient;
import io.aitbc.coordinator.testsupport.CoordinatorTestClient.Key;
import org.junit.jupiter.api.BeforeAll;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.ActiveProfiles;

import javax.sql.DataSource;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Tests in order of a tampering story: the tampering tests run last, so the check passes first. */
// a context (and so a database) of its own: the check reads every event of the database
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"spring.application.name=audit-verify-it",
                "spring.datasource.hikari.maximum-pool-size=8"})
@ActiveProfiles("test")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class AuditVerifyIT {

    private static final int JOBS = 120;
    /** Jobs of the marketplace part: two bought through an offer and completed, one bought and canceled. */
    private static final int MARKET_JOBS = 3;

    @LocalServerPort
    int port;

    @Autowired
    DataSource dataSource;

    @Autowired
    ProjectionRebuilder rebuilder;

    CoordinatorTestClient api;
    Key auditor;
    Key seller;
    List<String> completed = new ArrayList<>();

    record Outcome(int exitCode, String report) {
    }

    @BeforeAll
    void someHundredJobs() {
        api = new CoordinatorTestClient(port);
        auditor = api.createKey("auditor");
        Key client = api.createKey("client");
        Key miner = api.createKey("miner");
        String region = "verify-" + UUID.randomUUID();
        api.registerMiner(miner, "0.000002", region);
        for (int i = 0; i < JOBS; i++) {
            api.submitJob(client, Map.of("type", "ai-inference", "max_price", "1",
                    "requirements", Map.of("region", region)));
        }
        for (int i = 0; i < JOBS - 10; i++) {
            JsonNode job = api.poll(miner, 5);
            String jobId = job.get("job_id").asText();
            api.json(api.post(miner, "/v1/miners/" + jobId + "/progress", Map.of("progress", 50)), 200);
            if (i % 10 == 9) {
                api.json(api.post(miner, "/v1/miners/" + jobId + "/fail", Map.of(
                        "error_code", "OUT_OF_MEMORY", "error_message", "model did not fit", "retryable", false)), 200);
                continue;
            }
            api.json(api.post(miner, "/v1/miners/" + jobId + "/result", Map.of(
                    "result", Map.of("text", "answer " + i), "metrics", Map.of("units", 100 + i))), 200);
            completed.add(jobId);
        }
        tradeThroughAnOffer(client);
        // receipts are signed by a tracking processor, just after the completions
        String last = completed.get(completed.size() - 1);
        Awaitility.await().atMost(java.time.Duration.ofSeconds(60))
                .until(() -> api.http().get().uri("/v1/receipts/" + last).header("X-API-Key", auditor.secret())
                        .exchange().returnResult(String.class).getStatus().value() == 200);
    }

    /** A job bought for a queued job and one at submission, both completed; one bought and canceled. */
    private void tradeThroughAnOffer(Key client) {
        String market = "verify-market-" + UUID.randomUUID();
        seller = api.createKey("miner");
        api.registerMiner(seller, "0.000003", market);
        String offerId = api.json(api.post(seller, "/v1/marketplace/offers", Map.of("job_type", "ai-inference",
                "price", "0.0000021", "unit_type", "tokens", "max_jobs", 5,
                "requirements", Map.of("region", market))), 201).get("offer_id").asText();
        String queued = api.submitJob(client, Map.of("type", "ai-inference", "max_price", "0.00001",
                "requirements", Map.of("region", market)));
        api.json(api.post(client, "/v1/marketplace/offers/" + offerId + "/accept",
                Map.of("job_id", queued, "bid_price", "0.0000021")), 201);
        api.submitJob(client, Map.of("type", "ai-inference", "requirements", Map.of("region", market),
                "offer_id", offerId));
        String canceled = api.submitJob(client, Map.of("type", "ai-inference",
                "requirements", Map.of("region", market), "offer_id", offerId));
        api.json(api.post(client, "/v1/jobs/" + canceled + "/cancel", Map.of()), 200);
        for (int i = 0; i < 2; i++) {
            String jobId = api.poll(seller, 5).get("job_id").asText();
            api.json(api.post(seller, "/v1/miners/" + jobId + "/result", Map.of("result", Map.of("text", "bought"),
                    "metrics", Map.of("units", 1000 + i, "unit_type", "tokens"))), 200);
            completed.add(jobId);
        }
    }

    Outcome auditVerify() throws Exception {
        ByteArrayOutputStream report = new ByteArrayOutputStream();
        int exitCode = new AuditVerifyCommand("http://127.0.0.1:" + port, auditor.secret(),
                new PrintStream(report, true, StandardCharsets.UTF_8)).verify();
        return new Outcome(exitCode, report.toString(StandardCharsets.UTF_8));
    }

    @Test
    @org.junit.jupiter.api.Order(1)
    void passesAfterEveryProjectionIsReplayedFromTheStart() throws Exception {
        rebuilder.rebuild("job-views");
        rebuilder.rebuild("job-dispatch");

        Outcome outcome = auditVerify();

        System.out.println(outcome.report());
        assertThat(outcome.report()).contains((JOBS + MARKET_JOBS) + " jobs rebuilt from the log",
                (JOBS - 21 + 2) + " receipts compared", "the statistics of the marketplace and 2 miners",
                "audit-verify: PASS");
        assertThat(outcome.exitCode()).isZero();
    }

    @Test
    @org.junit.jupiter.api.Order(2)
    void failsWhenAProjectionRowIsAlteredBehindTheServicesBack() throws Exception {
        String tampered = completed.get(3);
        execute("UPDATE job_view SET price = price * 2 WHERE job_id = ?", tampered);

        Outcome outcome = auditVerify();

        assertThat(outcome.exitCode()).isEqualTo(1);
        assertThat(outcome.report()).contains("DIFFERENCE " + tampered + " price", "audit-verify: FAIL");
    }

    @Test
    @org.junit.jupiter.api.Order(3)
    void failsWhenAReceiptIsAlteredBehindTheServicesBack() throws Exception {
        String tampered = completed.get(5);
        try (Connection connection = dataSource.getConnection()) {
            connection.createStatement().execute("ALTER TABLE receipt DISABLE TRIGGER receipt_append_only");
            try (PreparedStatement update = connection.prepareStatement(
                    "UPDATE receipt SET body = convert_to(replace(convert_from(body, 'UTF8'), '\"units\":\"', "
                            + "'\"units\":\"9'), 'UTF8') WHERE job_id = ?")) {
                update.setString(1, tampered);
                assertThat(update.executeUpdate()).isOne();
            }
            connection.createStatement().execute("ALTER TABLE receipt ENABLE TRIGGER receipt_append_only");
        }

        Outcome outcome = auditVerify();

        assertThat(outcome.exitCode()).isEqualTo(1);
        assertThat(outcome.report()).contains("DIFFERENCE " + tampered + " receipt");
    }

    @Test
    @org.junit.jupiter.api.Order(4)
    void failsWhenAMinersStatisticsAreAlteredBehindTheServicesBack() throws Exception {
        execute("UPDATE miner_stats SET failures = failures + 1 WHERE miner_id = ?", seller.principal());

        Outcome outcome = auditVerify();

        assertThat(outcome.exitCode()).isEqualTo(1);
        assertThat(outcome.report()).contains("DIFFERENCE miner " + seller.principal() + " reputation",
                "DIFFERENCE miner " + seller.principal() + " success_rate");
    }

    @Test
    @org.junit.jupiter.api.Order(5)
    void failsWhenTheMarketplacesFiguresAreAlteredBehindTheServicesBack() throws Exception {
        execute("UPDATE market_job SET price = price + 0.000001 WHERE job_id = ?", completed.get(7));

        Outcome outcome = auditVerify();

        assertThat(outcome.exitCode()).isEqualTo(1);
        assertThat(outcome.report()).contains("DIFFERENCE stats total_volume");
    }

    private void execute(String sql, String parameter) throws Exception {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, parameter);
            assertThat(statement.executeUpdate()).isOne();
        }
    }
}
