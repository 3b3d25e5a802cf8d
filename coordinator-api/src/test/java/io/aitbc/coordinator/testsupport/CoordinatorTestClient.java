package io.aitbc.coordinator.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import java.time.Duration;
import java.util.Map;

/**
 * Drives a running coordinator as its users do: an admin creates keys, clients and miners act with
 * their own. Every call goes over real HTTP through {@link WebTestClient}.
 */
public final class CoordinatorTestClient {

    public static final String ADMIN_KEY = "test-admin-key-0123456789abcdef";

    private final WebTestClient http;

    public CoordinatorTestClient(int port) {
        this.http = WebTestClient.bindToServer()
                .baseUrl("http://127.0.0.1:" + port)
                .responseTimeout(Duration.ofSeconds(60))
                // audit pages and job lists of a shared test database outgrow the default 256 KiB
                .codecs(codecs -> codecs.defaultCodecs().maxInMemorySize(16 * 1024 * 1024))
                .build();
    }

    public WebTestClient http() {
        return http;
    }

    /** A key acting as a user of the given role. */
    public record Key(String keyId, String secret, String principal) {
    }

    public Key createKey(String role) {
        return createKey(Map.of("role", role));
    }

    public Key createKey(Map<String, Object> body) {
        JsonNode created = http.post().uri("/v1/api-keys")
                .header("X-API-Key", ADMIN_KEY)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body)
                .exchange()
                .expectStatus().isCreated()
                .expectBody(JsonNode.class)
                .returnResult()
                .getResponseBody();
        return new Key(created.get("key_id").asText(), created.get("api_key").asText(),
                created.get("principal").asText());
    }

    public WebTestClient.ResponseSpec post(Key key, String path, Object body) {
        return http.post().uri(path)
                .header("X-API-Key", key.secret())
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body)
                .exchange();
    }

    public WebTestClient.ResponseSpec get(Key key, String path) {
        return http.get().uri(path).header("X-API-Key", key.secret()).exchange();
    }

    public JsonNode json(WebTestClient.ResponseSpec response, int expectedStatus) {
        return response.expectStatus().isEqualTo(expectedStatus)
                .expectBody(JsonNode.class)
                .returnResult()
                .getResponseBody();
    }

    /** Submits a job and answers its id. */
    public String submitJob(Key client, Map<String, Object> body) {
        return json(post(client, "/v1/jobs", body), 201).get("job_id").asText();
    }

    /**
     * Registers a miner that runs {@code ai-inference} on one GPU at the given price per token, in a
     * region of the test's own, so jobs of other tests sharing the database never reach it.
     */
    public void registerMiner(Key miner, String pricePerToken, String region) {
        json(post(miner, "/v1/miners/register", Map.of(
                "capabilities", Map.of(
                        "gpus", java.util.List.of(Map.of("name", "NVIDIA A100", "memory_mb", 81920)),
                        "models", java.util.List.of("llama-3-8b"),
                        "job_types", java.util.List.of("ai-inference")),
                "concurrency", 4,
                "region", region,
                "price", pricePerToken,
                "unit_type", "tokens")), 200);
    }

    /** Polls once, waiting up to {@code waitSeconds}; answers the assignment or {@code null} on 204. */
    public JsonNode poll(Key miner, int waitSeconds) {
        var result = post(miner, "/v1/miners/poll", Map.of("max_wait_seconds", waitSeconds))
                .expectBody(JsonNode.class)
                .returnResult();
        int status = result.getStatus().value();
        if (status == 204) {
            return null;
        }
        if (status != 200) {
            throw new AssertionError("poll answered " + status + ": " + result.getResponseBody());
        }
        return result.getResponseBody();
    }
}
