package io.aitbc.coordinator.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/**
 * The few calls of the contract the benchmark makes, blocking, one per calling thread. HTTP/1.1 with
 * keep-alive, as most clients of the coordinator would connect.
 */
final class BenchClient {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(40);

    private final URI base;
    private final HttpClient http;

    BenchClient(URI base) {
        this.base = base;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    HttpClient http() {
        return http;
    }

    URI base() {
        return base;
    }

    /** An answer: its status and its body as JSON ({@code null} for an empty body). */
    record Answer(int status, JsonNode body) {
        String text(String field) {
            return body == null || body.get(field) == null ? null : body.get(field).asText();
        }
    }

    Answer post(String path, String apiKey, Object body) throws IOException, InterruptedException {
        HttpRequest request = request(path, apiKey)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)))
                .build();
        return answer(http.send(request, HttpResponse.BodyHandlers.ofByteArray()));
    }

    Answer get(String path, String apiKey) throws IOException, InterruptedException {
        return answer(http.send(request(path, apiKey).GET().build(), HttpResponse.BodyHandlers.ofByteArray()));
    }

    /** Creates a key of the role on the enterprise plan, the largest rate limit, and answers the secret. */
    String createKey(String adminKey, String role) throws IOException, InterruptedException {
        Answer answer = post("/v1/api-keys", adminKey, Map.of("role", role, "plan", "enterprise",
                "name", "bench-" + role));
        String key = answer.text("api_key");
        if (answer.status() != 201 || key == null) {
            throw new IllegalStateException("POST /v1/api-keys answered " + answer.status());
        }
        return key;
    }

    void registerMiner(String minerKey, String region) throws IOException, InterruptedException {
        Answer answer = post("/v1/miners/register", minerKey, Map.of(
                "capabilities", Map.of("gpus", java.util.List.of(Map.of("name", "A100", "memory_mb", 81920)),
                        "job_types", java.util.List.of("ai-inference")),
                "concurrency", 1,
                "region", region,
                "price", "0.000002",
                "unit_type", "tokens"));
        if (answer.status() != 200) {
            throw new IllegalStateException("POST /v1/miners/register answered " + answer.status());
        }
    }

    /** Submits a small inference job that only miners of the region may take. */
    Answer submitJob(String clientKey, String region, int ttlSeconds) throws IOException, InterruptedException {
        return post("/v1/jobs", clientKey, Map.of(
                "type", "ai-inference",
                "payload", Map.of("prompt", "Summarise the benchmark in one line"),
                "requirements", Map.of("region", region),
                "max_price", "0.00001",
                "ttl_seconds", ttlSeconds));
    }

    /** Long-polls for a job; answers its id, or {@code null} when none came within the wait. */
    String poll(String minerKey, int waitSeconds) throws IOException, InterruptedException {
        Answer answer = post("/v1/miners/poll", minerKey, Map.of("max_wait_seconds", waitSeconds));
        if (answer.status() == 204) {
            return null;
        }
        if (answer.status() != 200) {
            throw new IllegalStateException("POST /v1/miners/poll answered " + answer.status());
        }
        return answer.text("job_id");
    }

    void result(String minerKey, String jobId) throws IOException, InterruptedException {
        Answer answer = post("/v1/miners/" + jobId + "/result", minerKey, Map.of(
                "result", Map.of("text", "done"),
                "metrics", Map.of("units", 120, "unit_type", "tokens", "duration_ms", 5)));
        if (answer.status() != 200) {
            throw new IllegalStateException("POST /v1/miners/{job_id}/result answered " + answer.status());
        }
    }

    /** Heap in use as the coordinator's actuator reports it, in bytes; -1 when it cannot be read. */
    long heapUsed(String adminKey) {
        try {
            Answer answer = get("/actuator/metrics/jvm.memory.used?tag=area:heap", adminKey);
            JsonNode value = answer.body() == null ? null : answer.body().at("/measurements/0/value");
            return answer.status() == 200 && value != null && value.isNumber() ? value.asLong() : -1;
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private HttpRequest.Builder request(String path, String apiKey) {
        return HttpRequest.newBuilder(base.resolve(path))
                .timeout(TIMEOUT)
                .header("X-API-Key", apiKey);
    }

    private static Answer answer(HttpResponse<byte[]> response) throws IOException {
        byte[] body = response.body();
        return new Answer(response.statusCode(), body == null || body.length == 0 ? null : JSON.readTree(body));
    }
}
