package io.aitbc.coordinator.metrics;

import io.aitbc.coordinator.testsupport.CoordinatorTestClient;
import io.aitbc.coordinator.testsupport.CoordinatorTestClient.Key;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.ActiveProfiles;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * After one job's whole life, {@code /actuator/prometheus} shows every series an operator watches:
 * commands and their latency, events appended, processor lag, waiting long polls, rate-limit
 * rejections and receipts signed.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "coordinator.ratelimit.enabled=true")
@ActiveProfiles("test")
// Spring Boot tests turn metric exporters off unless asked
@AutoConfigureObservability
class PrometheusMetricsIT {

    @LocalServerPort
    int port;

    @Test
    void scrapeAfterAJobLifecycleShowsTheOperatorsSeries() {
        // given
        CoordinatorTestClient api = new CoordinatorTestClient(port);
        Key client = api.createKey(Map.of("role", "client", "plan", "enterprise"));
        Key miner = api.createKey(Map.of("role", "miner", "plan", "enterprise"));
        Key freeClient = api.createKey(Map.of("role", "client", "plan", "free"));
        String region = "metrics-" + UUID.randomUUID();
        api.registerMiner(miner, "0.000002", region);

        // when
        String jobId = api.submitJob(client, Map.of("type", "ai-inference", "requirements", Map.of("region", region)));
        api.poll(miner, 5);
        api.json(api.post(miner, "/v1/miners/" + jobId + "/result", Map.of("result", Map.of("text", "ok"),
                "metrics", Map.of("units", 10, "unit_type", "tokens", "duration_ms", 5))), 200);
        int status = 0;
        for (int i = 0; i < 40 && status != 429; i++) {
            status = api.get(freeClient, "/v1/jobs/" + jobId).returnResult(String.class).getStatus().value();
        }

        // then
        assertThat(status).as("the free plan's burst is spent").isEqualTo(429);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            String scrape = scrape(api);
            assertThat(value(scrape, "coordinator_receipts_signed_total")).isGreaterThanOrEqualTo(1);
            assertThat(value(scrape, "coordinator_processor_lag_events\\{processor=\"receipts\"")).isZero();
        });
        String scrape = scrape(api);
        assertThat(value(scrape, "commandBus_successCounter_total\\{payloadType=\"SubmitJobCommand\"")).isEqualTo(1);
        assertThat(value(scrape, "commandBus_allTimer_seconds_count\\{payloadType=\"CompleteJobCommand\""))
                .isEqualTo(1);
        assertThat(value(scrape, "eventStore_ingestedCounter_total")).isGreaterThanOrEqualTo(4);
        assertThat(value(scrape, "eventProcessor_latency\\{processorName=\"receipts\"")).isNotNegative();
        assertThat(value(scrape, "coordinator_polls_waiting")).isZero();
        assertThat(value(scrape, "coordinator_ratelimit_rejected_total\\{plan=\"free\"")).isGreaterThanOrEqualTo(1);
    }

    private static String scrape(CoordinatorTestClient api) {
        return api.http().get().uri("/actuator/prometheus")
                .header("X-API-Key", CoordinatorTestClient.ADMIN_KEY)
                .exchange()
                .expectStatus().isOk()
                .expectBody(String.class)
                .returnResult()
                .getResponseBody();
    }

    /** The value of the first sample whose name (and opening labels) match; fails when there is none. */
    private static double value(String scrape, String series) {
        Matcher sample = Pattern.compile("(?m)^" + series + "[^ ]* ([0-9.eE+-]+|NaN)$").matcher(scrape);
        assertThat(sample.find()).as("series %s in the scrape", series).isTrue();
        return Double.parseDouble(sample.group(1));
    }
}
