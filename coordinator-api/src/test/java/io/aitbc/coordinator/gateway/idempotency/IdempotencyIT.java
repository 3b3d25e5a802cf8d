package io.aitbc.coordinator.gateway.idempotency;

import com.fasterxml.jackson.databind.JsonNode;
import io.aitbc.coordinator.testsupport.CoordinatorTestClient;
import io.aitbc.coordinator.testsupport.CoordinatorTestClient.Key;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.web.reactive.server.EntityExchangeResult;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.UUID;

import static io.aitbc.coordinator.gateway.jooq.Tables.IDEMPOTENCY_RECORD;
import static org.assertj.core.api.Assertions.assertThat;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ActiveProfiles("test")
class IdempotencyIT {

    @LocalServerPort
    int port;

    @Autowired
    DSLContext dsl;

    @Autowired
    IdempotencyCleanup cleanup;

    CoordinatorTestClient api;
    Key client;
    String body;

    @BeforeEach
    void client() {
        api = new CoordinatorTestClient(port);
        client = api.createKey("client");
        body = "{\"type\": \"ai-inference\", \"requirements\": {\"region\": \"idem-" + UUID.randomUUID() + "\"}}";
    }

    @Test
    void sameKeyAndBodyAnswerTheFirstAnswerAndSubmitOnce() {
        String key = UUID.randomUUID().toString();
        int eventsBefore = events();

        EntityExchangeResult<byte[]> first = post("/v1/jobs", key, body);
        EntityExchangeResult<byte[]> again = post("/v1/jobs", key, body);

        assertThat(first.getStatus().value()).isEqualTo(201);
        assertThat(again.getStatus().value()).isEqualTo(201);
        assertThat(again.getResponseBodyContent()).isEqualTo(first.getResponseBodyContent());
        assertThat(again.getResponseHeaders().getFirst("Idempotent-Replayed")).isEqualTo("true");
        assertThat(first.getResponseHeaders().getFirst("Idempotent-Replayed")).isNull();
        assertThat(events()).isEqualTo(eventsBefore + 1);
    }

    @Test
    void sameKeyWithAnotherBodyIsRefused() {
        String key = UUID.randomUUID().toString();
        post("/v1/jobs", key, body);
        int eventsBefore = events();

        EntityExchangeResult<byte[]> other = post("/v1/jobs", key, body.replace("ai-inference", "embedding"));

        assertThat(other.getStatus().value()).isEqualTo(422);
        assertThat(code(other)).isEqualTo("IDEMPOTENCY_KEY_REUSED");
        assertThat(events()).isEqualTo(eventsBefore);
    }

    @Test
    void sameKeyOnAnotherPathIsRefused() {
        String key = UUID.randomUUID().toString();
        String jobId = json(post("/v1/jobs", key, body)).get("job_id").asText();

        EntityExchangeResult<byte[]> cancel = post("/v1/jobs/" + jobId + "/cancel", key, body);

        assertThat(cancel.getStatus().value()).isEqualTo(422);
    }

    @Test
    void requestWhileTheFirstIsInFlightIsAConflict() {
        // given: the first request with this key is running (claimed, no answer yet)
        String key = UUID.randomUUID().toString();
        claimInFlight(key, "/v1/jobs", body, OffsetDateTime.now(ZoneOffset.UTC).plusMinutes(2));
        int eventsBefore = events();

        // when
        EntityExchangeResult<byte[]> second = post("/v1/jobs", key, body);

        // then
        assertThat(second.getStatus().value()).isEqualTo(409);
        assertThat(code(second)).isEqualTo("IDEMPOTENCY_CONFLICT");
        assertThat(events()).isEqualTo(eventsBefore);
    }

    @Test
    void claimOfANodeThatDiedLapsesWithItsLock() {
        String key = UUID.randomUUID().toString();
        claimInFlight(key, "/v1/jobs", body, OffsetDateTime.now(ZoneOffset.UTC).minusSeconds(1));

        EntityExchangeResult<byte[]> retry = post("/v1/jobs", key, body);

        assertThat(retry.getStatus().value()).isEqualTo(201);
    }

    @Test
    void submissionRunAgainAfterItsNodeDiedFindsTheJobTheFirstRunCreated() {
        // given: the first run created the job, then its node died before recording the answer
        String key = UUID.randomUUID().toString();
        EntityExchangeResult<byte[]> first = post("/v1/jobs", key, body);
        dsl.update(DSL.table("idempotency_record"))
                .set(DSL.field("state"), "in_flight")
                .set(DSL.field("status_code"), (Integer) null)
                .set(DSL.field("body"), (byte[]) null)
                .set(DSL.field("locked_until"), OffsetDateTime.now(ZoneOffset.UTC).minusSeconds(1))
                .where(DSL.field("idempotency_key").eq(key))
                .execute();
        int eventsBefore = events();

        // when: the client retries once the claim lapsed
        EntityExchangeResult<byte[]> retry = post("/v1/jobs", key, body);

        // then: the same job, not a second one
        assertThat(retry.getStatus().value()).isEqualTo(201);
        assertThat(json(retry).get("job_id").asText()).isEqualTo(json(first).get("job_id").asText());
        assertThat(events()).isEqualTo(eventsBefore);
        assertThat(post("/v1/jobs", UUID.randomUUID().toString(), body).getStatus().value()).isEqualTo(201);
        assertThat(events()).isEqualTo(eventsBefore + 1);
    }

    @Test
    void errorAnswersAreReplayedToo() {
        String jobId = api.submitJob(client, Map.of("type", "ai-inference",
                "requirements", Map.of("region", "nobody-" + UUID.randomUUID())));
        api.post(client, "/v1/jobs/" + jobId + "/cancel", Map.of()).expectStatus().isOk();
        String key = UUID.randomUUID().toString();

        EntityExchangeResult<byte[]> first = post("/v1/jobs/" + jobId + "/cancel", key, "{}");
        EntityExchangeResult<byte[]> again = post("/v1/jobs/" + jobId + "/cancel", key, "{}");

        assertThat(first.getStatus().value()).isEqualTo(409);
        assertThat(again.getStatus().value()).isEqualTo(409);
        assertThat(again.getResponseBodyContent()).isEqualTo(first.getResponseBodyContent());
    }

    @Test
    void releasedKeyRunsAgainButACompletedOneIsNeverReleased() {
        IdempotencyStore store = new IdempotencyStore(dsl, Clock.systemUTC());
        String key = UUID.randomUUID().toString();
        String principal = client.principal();
        assertThat(store.claim(principal, key, "hash", Duration.ofSeconds(30), Duration.ofHours(1)))
                .isInstanceOf(IdempotencyStore.Claimed.class);

        store.release(principal, key);

        assertThat(store.claim(principal, key, "hash", Duration.ofSeconds(30), Duration.ofHours(1)))
                .isInstanceOf(IdempotencyStore.Claimed.class);
        store.complete(principal, key, 201, "application/json", "{}".getBytes(StandardCharsets.UTF_8));
        store.release(principal, key);
        assertThat(store.claim(principal, key, "hash", Duration.ofSeconds(30), Duration.ofHours(1)))
                .isInstanceOf(IdempotencyStore.Replay.class);
    }

    @Test
    void keysOfOnePrincipalDoNotBindAnother() {
        String key = UUID.randomUUID().toString();
        post("/v1/jobs", key, body);
        Key other = api.createKey("client");

        EntityExchangeResult<byte[]> theirs = api.http().post().uri("/v1/jobs")
                .header("X-API-Key", other.secret()).header("Idempotency-Key", key)
                .contentType(MediaType.APPLICATION_JSON).bodyValue(body)
                .exchange().expectBody().returnResult();

        assertThat(theirs.getStatus().value()).isEqualTo(201);
        assertThat(theirs.getResponseHeaders().getFirst("Idempotent-Replayed")).isNull();
    }

    @Test
    void replayedKeyCreationNeverStoresOrRepeatsTheSecret() {
        String key = UUID.randomUUID().toString();
        String request = "{\"role\": \"client\", \"name\": \"retried\"}";

        EntityExchangeResult<byte[]> first = postAs(CoordinatorTestClient.ADMIN_KEY, "/v1/api-keys", key, request);
        EntityExchangeResult<byte[]> again = postAs(CoordinatorTestClient.ADMIN_KEY, "/v1/api-keys", key, request);

        assertThat(first.getStatus().value()).isEqualTo(201);
        assertThat(again.getStatus().value()).isEqualTo(201);
        assertThat(json(again).get("key_id")).isEqualTo(json(first).get("key_id"));
        assertThat(json(first).get("api_key").asText()).startsWith("aitbc_");
        assertThat(json(again).has("api_key")).isFalse();
        byte[] stored = dsl.select(IDEMPOTENCY_RECORD.BODY).from(IDEMPOTENCY_RECORD)
                .where(IDEMPOTENCY_RECORD.IDEMPOTENCY_KEY.eq(key)).fetchOne(IDEMPOTENCY_RECORD.BODY);
        assertThat(new String(stored, StandardCharsets.UTF_8)).doesNotContain(json(first).get("api_key").asText());
    }

    @Test
    void expiredRecordsAreDeletedAndFreeTheirKey() {
        String key = UUID.randomUUID().toString();
        post("/v1/jobs", key, body);
        dsl.update(IDEMPOTENCY_RECORD)
                .set(IDEMPOTENCY_RECORD.EXPIRES_AT, OffsetDateTime.now(ZoneOffset.UTC).minusSeconds(1))
                .where(IDEMPOTENCY_RECORD.IDEMPOTENCY_KEY.eq(key))
                .execute();

        cleanup.deleteExpired();

        assertThat(dsl.fetchCount(IDEMPOTENCY_RECORD, IDEMPOTENCY_RECORD.IDEMPOTENCY_KEY.eq(key))).isZero();
        assertThat(post("/v1/jobs", key, body.replace("ai-inference", "embedding")).getStatus().value())
                .isEqualTo(201);
    }

    @Test
    void requestsWithoutAKeyAreNotDeduplicated() {
        int eventsBefore = events();

        api.http().post().uri("/v1/jobs").header("X-API-Key", client.secret())
                .contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange().expectStatus().isCreated();
        api.http().post().uri("/v1/jobs").header("X-API-Key", client.secret())
                .contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange().expectStatus().isCreated();

        assertThat(events()).isEqualTo(eventsBefore + 2);
    }

    private void claimInFlight(String key, String path, String requestBody, OffsetDateTime lockedUntil) {
        String hash = IdempotencyFilter.requestHash(MockServerHttpRequest.post(path).build(),
                requestBody.getBytes(StandardCharsets.UTF_8));
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        dsl.insertInto(IDEMPOTENCY_RECORD)
                .set(IDEMPOTENCY_RECORD.PRINCIPAL, client.principal())
                .set(IDEMPOTENCY_RECORD.IDEMPOTENCY_KEY, key)
                .set(IDEMPOTENCY_RECORD.REQUEST_HASH, hash)
                .set(IDEMPOTENCY_RECORD.STATE, IdempotencyStore.IN_FLIGHT)
                .set(IDEMPOTENCY_RECORD.CREATED_AT, now.minusMinutes(3))
                .set(IDEMPOTENCY_RECORD.LOCKED_UNTIL, lockedUntil)
                .set(IDEMPOTENCY_RECORD.EXPIRES_AT, now.plusHours(24))
                .execute();
    }

    private EntityExchangeResult<byte[]> post(String path, String key, String requestBody) {
        return postAs(client.secret(), path, key, requestBody);
    }

    private EntityExchangeResult<byte[]> postAs(String secret, String path, String key, String requestBody) {
        return api.http().post().uri(path)
                .header("X-API-Key", secret)
                .header("Idempotency-Key", key)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(requestBody)
                .exchange()
                .expectBody()
                .returnResult();
    }

    private static JsonNode json(EntityExchangeResult<byte[]> answer) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(answer.getResponseBodyContent());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String code(EntityExchangeResult<byte[]> answer) {
        return json(answer).get("error").get("code").asText();
    }

    private int events() {
        return dsl.fetchCount(DSL.table(DSL.name("domain_event_entry")));
    }
}
