package io.aitbc.coordinator.gateway.ratelimit;

import com.fasterxml.jackson.databind.JsonNode;
import io.aitbc.coordinator.CoordinatorApplication;
import io.aitbc.coordinator.testsupport.CoordinatorTestClient;
import io.aitbc.coordinator.testsupport.CoordinatorTestClient.Key;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;
import org.springframework.http.MediaType;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two coordinator nodes on one database and one Redis (127.0.0.1:6379): the test's own context and a
 * second application started beside it. Limits, revocations and idempotency records hold across both.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"coordinator.ratelimit.enabled=true", "coordinator.redis.url=redis://127.0.0.1:6379"})
@ActiveProfiles("test")
@Import(ManualTime.Configuration.class)
// a context of its own: closed after the class, so its connections do not add up over the suite
@DirtiesContext
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SharedRateLimitIT {

    /** Buckets of this run only, so runs never see each other's counts. */
    private static final String RUN = UUID.randomUUID().toString();
    private static final String PREFIX = "aitbc:test:" + RUN + ":";

    @LocalServerPort
    int port;

    @Autowired
    Environment environment;

    ConfigurableApplicationContext secondNode;
    int secondPort;
    CoordinatorTestClient api;
    CoordinatorTestClient apiOnSecond;
    RateLimitProbe probe;
    final ManualTime time = ManualTime.SHARED;

    @DynamicPropertySource
    static void redisPrefix(DynamicPropertyRegistry registry) {
        registry.add("coordinator.ratelimit.redis-key-prefix", () -> PREFIX);
    }

    @BeforeAll
    void startSecondNode() {
        String databaseUrl = environment.getProperty("spring.datasource.url");
        // arguments, not default properties: application.yml would override those
        secondNode = new SpringApplicationBuilder(CoordinatorApplication.class, ManualTime.Configuration.class)
                .profiles("test")
                .run("--server.port=0",
                        "--coordinator.test.keep-database=true",
                        "--coordinator.db.url=" + databaseUrl,
                        "--spring.datasource.url=" + databaseUrl,
                        "--coordinator.ratelimit.enabled=true",
                        "--coordinator.redis.url=redis://127.0.0.1:6379",
                        "--coordinator.ratelimit.redis-key-prefix=" + PREFIX);
        secondPort = ((WebServerApplicationContext) secondNode).getWebServer().getPort();
    }

    @AfterAll
    void stopSecondNode() {
        if (secondNode != null) {
            secondNode.close();
        }
    }

    @BeforeEach
    void clients() {
        api = new CoordinatorTestClient(port);
        apiOnSecond = new CoordinatorTestClient(secondPort);
        probe = new RateLimitProbe(time, "http://127.0.0.1:" + port, "http://127.0.0.1:" + secondPort);
    }

    @Test
    void bothNodesShareOneBurstAndOneSteadyRate() {
        Key key = api.createKey("client");

        probe.assertBurstThenSteadyRate(key.secret(), key.secret(), 10, 1);
    }

    @Test
    void concurrentRequestsOnBothNodesAreCountedExactly() {
        Key key = api.createKey(Map.of("role", "client", "plan", "pro"));

        Map<Integer, Long> statuses = probe.concurrently(key.secret(), key.secret(), 160, 40);

        assertThat(statuses).containsEntry(404, 100L).containsEntry(429, 60L).hasSize(2);
    }

    @Test
    void idleKeyNeverBanksMoreThanItsBurstOnEitherNode() {
        Key key = api.createKey("client");
        probe.drain(key.secret());
        time.advance(Duration.ofMinutes(3));

        assertThat(probe.countAllowed(key.secret(), key.secret(), 100, 10)).isEqualTo(10);
    }

    @Test
    void keyRevokedOnOneNodeStopsOnTheOtherWithinASecond() {
        // given: the key was just used on the second node, so its answer is remembered there
        Key key = api.createKey("client");
        apiOnSecond.get(key, "/v1/jobs?limit=1").expectStatus().isOk();

        // when
        api.http().delete().uri("/v1/api-keys/" + key.keyId())
                .header("X-API-Key", CoordinatorTestClient.ADMIN_KEY).exchange().expectStatus().isOk();
        long revokedAt = System.nanoTime();

        // then
        await().atMost(Duration.ofMillis(1_500)).pollInterval(Duration.ofMillis(50)).untilAsserted(() ->
                apiOnSecond.get(key, "/v1/jobs?limit=1").expectStatus().isUnauthorized());
        assertThat(Duration.ofNanos(System.nanoTime() - revokedAt)).isLessThanOrEqualTo(Duration.ofMillis(1_200));
    }

    @Test
    void retryOnTheOtherNodeGetsTheFirstAnswer() {
        Key client = api.createKey("client");
        String idempotencyKey = UUID.randomUUID().toString();
        Map<String, Object> job = Map.of("type", "ai-inference", "requirements", Map.of("region", "nowhere-" + RUN));

        JsonNode first = submit(api, client, idempotencyKey, job);
        JsonNode retried = submit(apiOnSecond, client, idempotencyKey, job);

        assertThat(retried).isEqualTo(first);
    }

    private static JsonNode submit(CoordinatorTestClient node, Key client, String idempotencyKey, Object body) {
        return node.http().post().uri("/v1/jobs")
                .header("X-API-Key", client.secret())
                .header("Idempotency-Key", idempotencyKey)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body)
                .exchange()
                .expectStatus().isCreated()
                .expectBody(JsonNode.class)
                .returnResult()
                .getResponseBody();
    }
}
