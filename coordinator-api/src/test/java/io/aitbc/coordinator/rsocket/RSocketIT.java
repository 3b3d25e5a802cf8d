package io.aitbc.coordinator.rsocket;

import com.fasterxml.jackson.databind.JsonNode;
import io.aitbc.coordinator.testsupport.CoordinatorTestClient;
import io.aitbc.coordinator.testsupport.CoordinatorTestClient.Key;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.rsocket.server.LocalRSocketServerPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.messaging.rsocket.RSocketRequester;
import org.springframework.messaging.rsocket.RSocketStrategies;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.util.MimeType;
import reactor.test.StepVerifier;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ActiveProfiles("test")
class RSocketIT {

    private static final MimeType API_KEY = MimeType.valueOf("message/x.aitbc.api-key");

    @LocalServerPort
    int httpPort;

    @LocalRSocketServerPort
    int rsocketPort;

    @Autowired
    RSocketStrategies strategies;

    CoordinatorTestClient api;

    @BeforeEach
    void client() {
        api = new CoordinatorTestClient(httpPort);
    }

    RSocketRequester.Builder withKey(Key key) {
        return RSocketRequester.builder()
                .rsocketStrategies(strategies)
                .setupMetadata(key.secret(), API_KEY);
    }

    static Map<String, Object> unmatchedJob() {
        return Map.of("type", "ai-inference", "requirements", Map.of("region", "nowhere-" + UUID.randomUUID()));
    }

    @Test
    void jobSubmittedOverTcpIsFollowedOverWebSocket() {
        Key client = api.createKey("client");
        RSocketRequester tcp = withKey(client).tcp("127.0.0.1", rsocketPort);
        RSocketRequester webSocket = withKey(client).websocket(URI.create("ws://127.0.0.1:" + httpPort + "/rsocket"));

        JsonNode job = tcp.route("jobs.submit").data(unmatchedJob()).retrieveMono(JsonNode.class)
                .block(Duration.ofSeconds(10));
        String jobId = job.get("job_id").asText();

        assertThat(job.get("status").asText()).isEqualTo("queued");
        StepVerifier.create(webSocket.route("jobs.follow").data(Map.of("job_id", jobId)).retrieveFlux(JsonNode.class))
                .assertNext(update -> {
                    assertThat(update.get("type").asText()).isEqualTo("job_update");
                    assertThat(update.get("data").get("status").asText()).isEqualTo("queued");
                })
                .then(() -> api.post(client, "/v1/jobs/" + jobId + "/cancel", Map.of()).expectStatus().isOk())
                .assertNext(update -> assertThat(update.get("data").get("status").asText()).isEqualTo("canceled"))
                .thenCancel()
                .verify(Duration.ofSeconds(20));
        tcp.dispose();
        webSocket.dispose();
    }

    @Test
    void submissionIsValidatedAsOverHttp() {
        Key client = api.createKey("client");
        RSocketRequester tcp = withKey(client).tcp("127.0.0.1", rsocketPort);

        StepVerifier.create(tcp.route("jobs.submit").data(Map.of("type", "no-such-type")).retrieveMono(JsonNode.class))
                .expectErrorSatisfies(error -> assertThat(error).hasMessageStartingWith("INVALID_JOB_TYPE"))
                .verify(Duration.ofSeconds(10));
        tcp.dispose();
    }

    @Test
    void auditorFollowsTheAuditLogFromAPosition() {
        Key client = api.createKey("client");
        Key auditor = api.createKey("auditor");
        String jobId = api.submitJob(client, unmatchedJob());
        long position = api.json(api.get(auditor, "/v1/audit/events?aggregate_id=" + jobId), 200)
                .get("events").get(0).get("position").asLong();
        RSocketRequester tcp = withKey(auditor).tcp("127.0.0.1", rsocketPort);

        StepVerifier.create(tcp.route("audit.events").data(Map.of("after", position - 1)).retrieveFlux(JsonNode.class))
                .assertNext(event -> {
                    assertThat(event.get("position").asLong()).isEqualTo(position);
                    assertThat(event.get("aggregate_id").asText()).isEqualTo(jobId);
                })
                .thenCancel()
                .verify(Duration.ofSeconds(20));
        tcp.dispose();
    }

    @Test
    void clientMayNotFollowTheAuditLog() {
        Key client = api.createKey("client");
        RSocketRequester tcp = withKey(client).tcp("127.0.0.1", rsocketPort);

        StepVerifier.create(tcp.route("audit.events").data(Map.of()).retrieveFlux(JsonNode.class))
                .expectErrorSatisfies(error -> assertThat(error).hasMessageStartingWith("FORBIDDEN"))
                .verify(Duration.ofSeconds(10));
        tcp.dispose();
    }

    @Test
    void connectionWithAnInvalidKeyIsRejected() {
        RSocketRequester tcp = withKey(new Key("key_x", "not-a-key", "nobody")).tcp("127.0.0.1", rsocketPort);

        StepVerifier.create(tcp.route("jobs.submit").data(unmatchedJob()).retrieveMono(JsonNode.class))
                .expectErrorSatisfies(error -> assertThat(error).hasMessageContaining("INVALID_API_KEY"))
                .verify(Duration.ofSeconds(10));
        tcp.dispose();
    }
}
