package io.aitbc.coordinator.gateway.edge;

import com.fasterxml.jackson.databind.JsonNode;
import io.aitbc.coordinator.testsupport.CoordinatorTestClient;
import io.aitbc.coordinator.testsupport.CoordinatorTestClient.Key;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.context.ActiveProfiles;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Who may do what: every role boundary of the contract, and keys that stop working. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ActiveProfiles("test")
class RoleBoundariesIT {

    @LocalServerPort
    int port;

    CoordinatorTestClient api;
    Key client;
    Key miner;
    Key auditor;
    String region;

    @BeforeEach
    void keys() {
        api = new CoordinatorTestClient(port);
        client = api.createKey("client");
        miner = api.createKey("miner");
        auditor = api.createKey("auditor");
        region = "roles-" + UUID.randomUUID();
        api.registerMiner(miner, "0.000002", region);
    }

    @Test
    void minerKeyCannotActForAnotherMiner() {
        String jobId = api.submitJob(client, Map.of("type", "ai-inference", "requirements", Map.of("region", region)));
        api.poll(miner, 5);
        Key other = api.createKey("miner");

        for (String path : List.of("/v1/miners/heartbeat", "/v1/miners/poll", "/v1/miners/register",
                "/v1/miners/" + jobId + "/progress", "/v1/miners/" + jobId + "/result")) {
            assertThat(status(miner, path, Map.of("progress", 1, "result", Map.of(), "capabilities", Map.of()),
                    other.principal())).as(path).isEqualTo(403);
        }
        assertThat(status(miner, "/v1/miners/heartbeat", Map.of(), miner.principal())).isEqualTo(200);
    }

    /** A job no miner of any test serves, so it stays queued and never reaches another test's miner. */
    private String queuedJob() {
        return api.submitJob(client, Map.of("type", "ai-inference",
                "requirements", Map.of("region", "nobody-" + UUID.randomUUID())));
    }

    @Test
    void clientNeverSeesAnotherClientsJob() {
        String jobId = queuedJob();
        Key other = api.createKey("client");

        JsonNode error = api.json(api.get(other, "/v1/jobs/" + jobId), 404);
        JsonNode list = api.json(api.get(other, "/v1/jobs?limit=200"), 200);

        assertThat(error.get("error").get("code").asText()).isEqualTo("JOB_NOT_FOUND");
        assertThat(list.get("jobs").findValuesAsText("job_id")).doesNotContain(jobId);
        api.get(other, "/v1/jobs/" + jobId + "/results").expectStatus().isNotFound();
        api.post(other, "/v1/jobs/" + jobId + "/cancel", Map.of()).expectStatus().isNotFound();
        api.get(client, "/v1/jobs/" + jobId).expectStatus().isOk();
    }

    @Test
    void auditorReadsEverythingButWritesNothing() {
        String jobId = queuedJob();

        api.get(auditor, "/v1/jobs/" + jobId).expectStatus().isOk();
        api.post(auditor, "/v1/jobs", Map.of("type", "ai-inference")).expectStatus().isForbidden();
        api.post(auditor, "/v1/jobs/" + jobId + "/cancel", Map.of()).expectStatus().isForbidden();
        api.http().delete().uri("/v1/jobs/" + jobId).header("X-API-Key", auditor.secret())
                .exchange().expectStatus().isForbidden();
        api.post(auditor, "/v1/miners/register", Map.of("capabilities", Map.of())).expectStatus().isForbidden();
        api.post(auditor, "/v1/api-keys", Map.of("role", "client")).expectStatus().isForbidden();
        assertThat(api.json(api.get(client, "/v1/jobs/" + jobId), 200).get("status").asText()).isEqualTo("queued");
    }

    @Test
    void minerCannotSubmitAndClientCannotPoll() {
        api.post(miner, "/v1/jobs", Map.of("type", "ai-inference")).expectStatus().isForbidden();
        api.post(client, "/v1/miners/poll", Map.of()).expectStatus().isForbidden();
        api.post(client, "/v1/miners/heartbeat", Map.of()).expectStatus().isForbidden();
    }

    @Test
    void onlyAdminsManageKeys() {
        for (Key key : List.of(client, miner, auditor)) {
            api.post(key, "/v1/api-keys", Map.of("role", "admin")).expectStatus().isForbidden();
            api.get(key, "/v1/api-keys").expectStatus().isForbidden();
            api.http().delete().uri("/v1/api-keys/" + client.keyId()).header("X-API-Key", key.secret())
                    .exchange().expectStatus().isForbidden();
            api.post(key, "/v1/api-keys/" + key.keyId() + "/regenerate", Map.of()).expectStatus().isForbidden();
        }
        api.get(client, "/v1/jobs?limit=1").expectStatus().isOk();
    }

    @Test
    void revokedKeyStopsWithinASecond() {
        api.get(client, "/v1/jobs?limit=1").expectStatus().isOk();

        admin().delete().uri("/v1/api-keys/" + client.keyId()).exchange().expectStatus().isOk();

        await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(50)).untilAsserted(() ->
                assertThat(api.json(api.get(client, "/v1/jobs?limit=1"), 401).get("error").get("code").asText())
                        .isEqualTo("INVALID_API_KEY"));
    }

    @Test
    void regeneratedKeyRefusesTheOldSecretAndAcceptsTheNew() {
        api.get(client, "/v1/jobs?limit=1").expectStatus().isOk();

        JsonNode regenerated = admin().post().uri("/v1/api-keys/" + client.keyId() + "/regenerate")
                .contentType(MediaType.APPLICATION_JSON).bodyValue("{}")
                .exchange().expectStatus().isOk().expectBody(JsonNode.class).returnResult().getResponseBody();
        Key renewed = new Key(client.keyId(), regenerated.get("api_key").asText(), client.principal());

        await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(50)).untilAsserted(() ->
                api.get(client, "/v1/jobs?limit=1").expectStatus().isUnauthorized());
        api.get(renewed, "/v1/jobs?limit=1").expectStatus().isOk();
        assertThat(regenerated.get("key_id").asText()).isEqualTo(client.keyId());
    }

    private int status(Key key, String path, Object body, String minerHeader) {
        return api.http().post().uri(path)
                .header("X-API-Key", key.secret())
                .header("X-Miner-ID", minerHeader)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body)
                .exchange()
                .expectBody().returnResult().getStatus().value();
    }

    private org.springframework.test.web.reactive.server.WebTestClient admin() {
        return api.http().mutate().defaultHeader("X-API-Key", CoordinatorTestClient.ADMIN_KEY).build();
    }
}
