package io.aitbc.coordinator.gateway.edge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aitbc.coordinator.testsupport.CoordinatorTestClient;
import io.aitbc.coordinator.testsupport.CoordinatorTestClient.Key;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpMethod;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bad requests over every endpoint: each is answered with the contract's status, error code and
 * envelope (with the request id, and nothing internal), and none appends an event.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "coordinator.jobs.lease=10m")
@ActiveProfiles("test")
// a context of its own: closed after the class, so its connections do not add up over the suite
@DirtiesContext
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadRequestsIT {

    private static final String JSON = "application/json";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @LocalServerPort
    int port;

    @Autowired
    DSLContext dsl;

    CoordinatorTestClient api;
    final Map<String, String> secrets = new HashMap<>();
    final Map<String, String> values = new HashMap<>();

    /** One bad request: who sends what, and the answer the contract demands. */
    record Bad(String name, String caller, String method, String path, String contentType, String body,
               Map<String, String> headers, int status, String code) {

        @Override
        public String toString() {
            return name + " -> " + status + " " + code;
        }
    }

    @BeforeAll
    void world() {
        api = new CoordinatorTestClient(port);
        String region = "bad-" + UUID.randomUUID();
        Key client = api.createKey("client");
        Key miner = api.createKey("miner");
        Key otherMiner = api.createKey("miner");
        api.registerMiner(miner, "0.000002", region);
        api.registerMiner(otherMiner, "0.000002", "elsewhere-" + UUID.randomUUID());
        String running = api.submitJob(client, Map.of("type", "ai-inference",
                "requirements", Map.of("region", region)));
        assertThat(api.poll(miner, 5).get("job_id").asText()).isEqualTo(running);
        String queued = api.submitJob(client, Map.of("type", "ai-inference",
                "requirements", Map.of("region", "nobody-" + UUID.randomUUID())));

        secrets.put("client", client.secret());
        secrets.put("other-client", api.createKey("client").secret());
        secrets.put("miner", miner.secret());
        secrets.put("auditor", api.createKey("auditor").secret());
        secrets.put("admin", CoordinatorTestClient.ADMIN_KEY);
        secrets.put("forged", "aitbc_01ZZZZZZZZZZZZZZZZZZZZZZZZ_bm90LWEtcmVhbC1zZWNyZXQ");
        secrets.put("garbage", "not-a-key");
        values.put("{job}", queued);
        values.put("{running}", running);
        values.put("{otherMiner}", otherMiner.principal());
        values.put("{clientKey}", client.keyId());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badRequests")
    void isRefusedWithTheEnvelopeAndAppendsNoEvent(Bad bad) throws IOException {
        // given
        int eventsBefore = events();

        // when
        EntityExchangeResult<byte[]> answer = send(bad);

        // then
        String text = new String(answer.getResponseBodyContent() == null ? new byte[0]
                : answer.getResponseBodyContent());
        assertThat(answer.getStatus().value()).as(text).isEqualTo(bad.status());
        JsonNode error = MAPPER.readTree(text).get("error");
        assertThat(error.get("code").asText()).as(text).isEqualTo(bad.code());
        assertThat(error.get("message").asText()).isNotBlank();
        assertThat(error.get("details").get("request_id").asText())
                .isEqualTo(answer.getResponseHeaders().getFirst("X-Request-Id"));
        assertThat(text).doesNotContain("Exception", "\tat ", "SELECT", "INSERT", "org.springframework");
        assertThat(events()).as("events appended").isEqualTo(eventsBefore);
    }

    static Stream<Bad> badRequests() {
        List<Bad> all = new ArrayList<>();
        String job = "{\"type\": \"ai-inference\", %s}";

        // keys
        all.add(bad("no key", "none", "GET", "/v1/jobs", null, null, 401, "MISSING_API_KEY"));
        all.add(bad("no key on a write", "none", "POST", "/v1/jobs", JSON, "{\"type\": \"ai-inference\"}",
                401, "MISSING_API_KEY"));
        all.add(bad("no key on an unknown route", "none", "GET", "/v1/nowhere", null, null, 401, "MISSING_API_KEY"));
        all.add(bad("garbage key", "garbage", "GET", "/v1/jobs", null, null, 401, "INVALID_API_KEY"));
        all.add(bad("forged key", "forged", "POST", "/v1/jobs", JSON, "{\"type\": \"ai-inference\"}",
                401, "INVALID_API_KEY"));
        all.add(bad("forged key on key management", "forged", "POST", "/v1/api-keys", JSON, "{\"role\": \"admin\"}",
                401, "INVALID_API_KEY"));

        // routes, methods, media types
        all.add(bad("unknown route", "client", "GET", "/v1/nowhere", null, null, 404, "NOT_FOUND"));
        all.add(bad("unknown sub-route of a job", "client", "POST", "/v1/jobs/{job}/explode", JSON, "{}",
                404, "NOT_FOUND"));
        all.add(bad("PUT on jobs", "client", "PUT", "/v1/jobs", JSON, "{}", 405, "METHOD_NOT_ALLOWED"));
        all.add(bad("PATCH on a job", "client", "PATCH", "/v1/jobs/{job}", JSON, "{}", 405, "METHOD_NOT_ALLOWED"));
        all.add(bad("GET on poll", "miner", "GET", "/v1/miners/poll", null, null, 405, "METHOD_NOT_ALLOWED"));
        all.add(bad("DELETE on register", "miner", "DELETE", "/v1/miners/register", null, null,
                405, "METHOD_NOT_ALLOWED"));
        all.add(bad("PUT on api-keys", "admin", "PUT", "/v1/api-keys", JSON, "{}", 405, "METHOD_NOT_ALLOWED"));
        all.add(bad("job as text/plain", "client", "POST", "/v1/jobs", "text/plain", "type=ai-inference",
                415, "UNSUPPORTED_MEDIA_TYPE"));
        all.add(bad("job as XML", "client", "POST", "/v1/jobs", "application/xml", "<job/>",
                415, "UNSUPPORTED_MEDIA_TYPE"));
        all.add(bad("registration as text/plain", "miner", "POST", "/v1/miners/register", "text/plain", "gpu",
                415, "UNSUPPORTED_MEDIA_TYPE"));
        all.add(bad("key as a form", "admin", "POST", "/v1/api-keys", "application/x-www-form-urlencoded",
                "role=admin", 415, "UNSUPPORTED_MEDIA_TYPE"));

        // malformed and oversized JSON
        all.add(bad("truncated JSON", "client", "POST", "/v1/jobs", JSON, "{\"type\":", 400, "INVALID_REQUEST"));
        all.add(bad("trailing comma", "client", "POST", "/v1/jobs", JSON, "{\"type\": \"ai-inference\",}",
                400, "INVALID_REQUEST"));
        all.add(bad("array body", "client", "POST", "/v1/jobs", JSON, "[1, 2]", 400, "INVALID_REQUEST"));
        all.add(bad("string body", "client", "POST", "/v1/jobs", JSON, "\"ai-inference\"", 400, "INVALID_REQUEST"));
        all.add(bad("null body", "client", "POST", "/v1/jobs", JSON, "null", 400, "INVALID_REQUEST"));
        all.add(bad("empty body", "client", "POST", "/v1/jobs", JSON, "", 400, "INVALID_REQUEST"));
        all.add(bad("malformed registration", "miner", "POST", "/v1/miners/register", JSON, "{capabilities",
                400, "INVALID_REQUEST"));
        all.add(bad("2 MB job", "client", "POST", "/v1/jobs", JSON,
                String.format(job, "\"payload\": {\"blob\": \"" + "x".repeat(2_000_000) + "\"}"),
                413, "PAYLOAD_TOO_LARGE"));
        all.add(bad("2 MB result", "miner", "POST", "/v1/miners/{running}/result", JSON,
                "{\"result\": {\"blob\": \"" + "x".repeat(2_000_000) + "\"}}", 413, "PAYLOAD_TOO_LARGE"));
        all.add(bad("2 MB job with an idempotency key", "client", "POST", "/v1/jobs", JSON,
                String.format(job, "\"payload\": {\"blob\": \"" + "x".repeat(2_000_000) + "\"}"),
                Map.of("Idempotency-Key", "big-one"), 413, "PAYLOAD_TOO_LARGE"));
        all.add(bad("2 MB heartbeat", "miner", "POST", "/v1/miners/heartbeat", JSON,
                "{\"metadata\": \"" + "x".repeat(2_000_000) + "\"}", 413, "PAYLOAD_TOO_LARGE"));
        all.add(bad("2 MB key creation", "admin", "POST", "/v1/api-keys", JSON,
                "{\"role\": \"client\", \"name\": \"" + "x".repeat(2_000_000) + "\"}", 413, "PAYLOAD_TOO_LARGE"));
        all.add(bad("payload over 256 KiB", "client", "POST", "/v1/jobs", JSON,
                String.format(job, "\"payload\": {\"blob\": \"" + "x".repeat(300_000) + "\"}"),
                413, "PAYLOAD_TOO_LARGE"));
        all.add(bad("result over 256 KiB", "miner", "POST", "/v1/miners/{running}/result", JSON,
                "{\"result\": {\"blob\": \"" + "x".repeat(300_000) + "\"}}", 413, "PAYLOAD_TOO_LARGE"));

        // job fields
        all.add(bad("type missing", "client", "POST", "/v1/jobs", JSON, "{\"name\": \"x\"}", 400, "VALIDATION_FAILED"));
        all.add(bad("type unknown", "client", "POST", "/v1/jobs", JSON, "{\"type\": \"mining-bitcoin\"}",
                400, "INVALID_JOB_TYPE"));
        all.add(bad("type a number", "client", "POST", "/v1/jobs", JSON, "{\"type\": 7}", 400, "VALIDATION_FAILED"));
        all.add(bad("type too long", "client", "POST", "/v1/jobs", JSON,
                "{\"type\": \"" + "t".repeat(65) + "\"}", 400, "VALIDATION_FAILED"));
        all.add(jobField("name too long", "\"name\": \"" + "n".repeat(257) + "\""));
        all.add(jobField("max_price a JSON number", "\"max_price\": 0.5"));
        all.add(jobField("max_price NaN", "\"max_price\": \"NaN\""));
        all.add(jobField("max_price Infinity", "\"max_price\": \"Infinity\""));
        all.add(jobField("max_price with exponent", "\"max_price\": \"1e3\""));
        all.add(jobField("max_price negative", "\"max_price\": \"-1\""));
        all.add(jobField("max_price with a plus sign", "\"max_price\": \"+1\""));
        all.add(jobField("max_price with 19 decimals", "\"max_price\": \"0.0000000000000000001\""));
        all.add(jobField("max_price with 19 integer digits", "\"max_price\": \"1234567890123456789\""));
        all.add(jobField("max_price with leading zeros", "\"max_price\": \"007\""));
        all.add(jobField("ttl_seconds zero", "\"ttl_seconds\": 0"));
        all.add(jobField("ttl_seconds over seven days", "\"ttl_seconds\": 604801"));
        all.add(jobField("ttl_seconds as a string", "\"ttl_seconds\": \"60\""));
        all.add(jobField("ttl_seconds fractional", "\"ttl_seconds\": 60.5"));
        all.add(jobField("max_attempts zero", "\"max_attempts\": 0"));
        all.add(jobField("max_attempts eleven", "\"max_attempts\": 11"));
        all.add(jobField("requirements a list", "\"requirements\": [\"gpu\"]"));
        all.add(jobField("min_vram_gb zero", "\"requirements\": {\"min_vram_gb\": 0}"));
        all.add(jobField("33 models", "\"requirements\": {\"models\": [" + "\"m\",".repeat(32) + "\"m\"]}"));
        all.add(jobField("region with spaces", "\"requirements\": {\"region\": \"eu west\"}"));
        all.add(jobField("payload a string", "\"payload\": \"prompt\""));
        all.add(jobField("payload with a lone surrogate", "\"payload\": {\"p\": \"\\ud800\"}"));
        all.add(bad("legacy shape with negative max_price", "client", "POST", "/v1/jobs", JSON,
                "{\"payload\": {\"type\": \"ai-inference\"}, \"constraints\": {\"max_price\": \"-0.1\"}}",
                400, "VALIDATION_FAILED"));

        // roles
        all.add(bad("miner submits a job", "miner", "POST", "/v1/jobs", JSON, "{\"type\": \"ai-inference\"}",
                403, "FORBIDDEN"));
        all.add(bad("auditor submits a job", "auditor", "POST", "/v1/jobs", JSON, "{\"type\": \"ai-inference\"}",
                403, "FORBIDDEN"));
        all.add(bad("auditor cancels a job", "auditor", "POST", "/v1/jobs/{job}/cancel", JSON, "{}", 403, "FORBIDDEN"));
        all.add(bad("client polls", "client", "POST", "/v1/miners/poll", JSON, "{}", 403, "FORBIDDEN"));
        all.add(bad("client registers as a miner", "client", "POST", "/v1/miners/register", JSON,
                "{\"capabilities\": {}}", 403, "FORBIDDEN"));
        all.add(bad("client reports a result", "client", "POST", "/v1/miners/{running}/result", JSON,
                "{\"result\": {}}", 403, "FORBIDDEN"));
        all.add(bad("miner names another miner", "miner", "POST", "/v1/miners/heartbeat", JSON, "{}",
                Map.of("X-Miner-ID", "{otherMiner}"), 403, "FORBIDDEN"));
        all.add(bad("miner reports for another miner", "miner", "POST", "/v1/miners/{running}/progress", JSON,
                "{\"progress\": 5}", Map.of("X-Miner-ID", "{otherMiner}"), 403, "FORBIDDEN"));
        all.add(bad("client creates a key", "client", "POST", "/v1/api-keys", JSON, "{\"role\": \"admin\"}",
                403, "FORBIDDEN"));
        all.add(bad("miner lists keys", "miner", "GET", "/v1/api-keys", null, null, 403, "FORBIDDEN"));
        all.add(bad("auditor revokes a key", "auditor", "DELETE", "/v1/api-keys/{clientKey}", null, null,
                403, "FORBIDDEN"));
        all.add(bad("client regenerates its own key", "client", "POST", "/v1/api-keys/{clientKey}/regenerate",
                JSON, "{}", 403, "FORBIDDEN"));
        all.add(bad("client reads another client's job", "other-client", "GET", "/v1/jobs/{job}", null, null,
                404, "JOB_NOT_FOUND"));
        all.add(bad("client cancels another client's job", "other-client", "POST", "/v1/jobs/{job}/cancel", JSON,
                "{}", 404, "JOB_NOT_FOUND"));

        // miner fields
        all.add(bad("poll waits 31 s", "miner", "POST", "/v1/miners/poll", JSON, "{\"max_wait_seconds\": 31}",
                400, "VALIDATION_FAILED"));
        all.add(bad("progress 101", "miner", "POST", "/v1/miners/{running}/progress", JSON, "{\"progress\": 101}",
                400, "VALIDATION_FAILED"));
        all.add(bad("progress missing", "miner", "POST", "/v1/miners/{running}/progress", JSON, "{}",
                400, "VALIDATION_FAILED"));
        all.add(bad("failure without error_code", "miner", "POST", "/v1/miners/{running}/fail", JSON,
                "{\"error_message\": \"oom\"}", 400, "VALIDATION_FAILED"));
        all.add(bad("result missing", "miner", "POST", "/v1/miners/{running}/result", JSON,
                "{\"metrics\": {\"units\": 1}}", 400, "VALIDATION_FAILED"));
        all.add(bad("negative units", "miner", "POST", "/v1/miners/{running}/result", JSON,
                "{\"result\": {}, \"metrics\": {\"units\": \"-3\"}}", 400, "VALIDATION_FAILED"));
        all.add(bad("gpus not a list", "miner", "POST", "/v1/miners/register", JSON,
                "{\"capabilities\": {\"gpus\": \"A100\"}}", 400, "VALIDATION_FAILED"));
        all.add(bad("public key not Ed25519", "miner", "POST", "/v1/miners/register", JSON,
                "{\"capabilities\": {}, \"public_key\": \"c2hvcnQ=\"}", 400, "VALIDATION_FAILED"));
        all.add(bad("registration price NaN", "miner", "POST", "/v1/miners/register", JSON,
                "{\"capabilities\": {}, \"price\": \"NaN\"}", 400, "VALIDATION_FAILED"));

        // keys and lists
        all.add(bad("unknown role", "admin", "POST", "/v1/api-keys", JSON, "{\"role\": \"root\"}",
                400, "VALIDATION_FAILED"));
        all.add(bad("unknown plan", "admin", "POST", "/v1/api-keys", JSON, "{\"role\": \"client\", \"plan\": \"gold\"}",
                400, "VALIDATION_FAILED"));
        all.add(bad("principal with spaces", "admin", "POST", "/v1/api-keys", JSON,
                "{\"role\": \"client\", \"principal\": \"two words\"}", 400, "VALIDATION_FAILED"));
        all.add(bad("revoke an unknown key", "admin", "DELETE", "/v1/api-keys/key_01ZZZZZZZZZZZZZZZZZZZZZZZZ", null,
                null, 404, "NOT_FOUND"));
        all.add(bad("limit zero", "client", "GET", "/v1/jobs?limit=0", null, null, 400, "INVALID_REQUEST"));
        all.add(bad("limit 201", "client", "GET", "/v1/jobs?limit=201", null, null, 400, "INVALID_REQUEST"));
        all.add(bad("limit not a number", "client", "GET", "/v1/jobs?limit=many", null, null, 400, "INVALID_REQUEST"));
        all.add(bad("unknown status filter", "client", "GET", "/v1/jobs?status=lost", null, null,
                400, "INVALID_REQUEST"));

        // states and idempotency keys
        all.add(bad("results of a queued job", "client", "GET", "/v1/jobs/{job}/results", null, null,
                409, "RESULT_NOT_READY"));
        all.add(bad("cancel an unknown job", "client", "POST", "/v1/jobs/job_01ZZZZZZZZZZZZZZZZZZZZZZZZ/cancel",
                JSON, "{}", 404, "JOB_NOT_FOUND"));
        all.add(bad("idempotency key with a space", "client", "POST", "/v1/jobs", JSON, "{\"type\": \"ai-inference\"}",
                Map.of("Idempotency-Key", "two words"), 400, "INVALID_REQUEST"));
        all.add(bad("idempotency key of 256 characters", "client", "POST", "/v1/jobs", JSON,
                "{\"type\": \"ai-inference\"}", Map.of("Idempotency-Key", "k".repeat(256)), 400, "INVALID_REQUEST"));
        return all.stream();
    }

    private static Bad bad(String name, String caller, String method, String path, String contentType, String body,
                           int status, String code) {
        return new Bad(name, caller, method, path, contentType, body, Map.of(), status, code);
    }

    private static Bad bad(String name, String caller, String method, String path, String contentType, String body,
                           Map<String, String> headers, int status, String code) {
        return new Bad(name, caller, method, path, contentType, body, headers, status, code);
    }

    private static Bad jobField(String name, String field) {
        return bad(name, "client", "POST", "/v1/jobs", JSON, "{\"type\": \"ai-inference\", " + field + "}",
                400, "VALIDATION_FAILED");
    }

    private EntityExchangeResult<byte[]> send(Bad bad) {
        WebTestClient.RequestBodySpec request = api.http().method(HttpMethod.valueOf(bad.method()))
                .uri(fill(bad.path()));
        String secret = secrets.get(bad.caller());
        if (secret != null) {
            request.header("X-API-Key", secret);
        }
        bad.headers().forEach((name, value) -> request.header(name, fill(value)));
        if (bad.contentType() != null) {
            request.header("Content-Type", bad.contentType());
        }
        WebTestClient.RequestHeadersSpec<?> ready = bad.body() == null ? request : request.bodyValue(bad.body());
        return ready.exchange().expectBody().returnResult();
    }

    private String fill(String text) {
        String filled = text;
        for (var value : values.entrySet()) {
            filled = filled.replace(value.getKey(), value.getValue());
        }
        return filled;
    }

    private int events() {
        return dsl.fetchCount(DSL.table(DSL.name("domain_event_entry")));
    }
}
