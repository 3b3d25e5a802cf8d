package io.aitbc.coordinator.audit;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aitbc.coordinator.projection.ProjectionRebuilder;
import io.aitbc.coordinator.testsupport.CoordinatorTestClient;
import io.aitbc.coordinator.testsupport.CoordinatorTestClient.Key;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.ActiveProfiles;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ActiveProfiles("test")
class AuditLogIT {

    private static final ObjectMapper EXACT = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    private static final List<String> PROJECTIONS =
            List.of("job-dispatch", "job-views", "market-offers", "market-stats", "miner-views");

    @LocalServerPort
    int port;

    @Autowired
    ProjectionRebuilder rebuilder;

    @Autowired
    JdbcTemplate jdbc;

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
        region = "audit-" + UUID.randomUUID();
        api.registerMiner(miner, "0.000002", region);
    }

    /** A job no miner of any test takes. */
    static Map<String, Object> unmatched() {
        return Map.of("type", "ai-inference", "requirements", Map.of("region", "nowhere-" + UUID.randomUUID()));
    }

    static List<String> types(JsonNode events) {
        List<String> types = new ArrayList<>();
        events.forEach(event -> types.add(event.get("type").asText()));
        return types;
    }

    String completedJob() {
        String jobId = api.submitJob(client, Map.of("type", "ai-inference", "requirements", Map.of("region", region)));
        api.poll(miner, 5);
        api.json(api.post(miner, "/v1/miners/" + jobId + "/progress", Map.of("progress", 40)), 200);
        api.json(api.post(miner, "/v1/miners/" + jobId + "/result", Map.of(
                "result", Map.of("text", "ok"), "metrics", Map.of("units", 10, "unit_type", "tokens"))), 200);
        return jobId;
    }

    @Test
    void auditLogPagesByPositionWithWhoCausedEachEvent() {
        String jobId = completedJob();

        JsonNode page = api.json(api.get(auditor, "/v1/audit/events?aggregate_id=" + jobId + "&limit=2"), 200);
        JsonNode rest = api.json(api.get(auditor, "/v1/audit/events?aggregate_id=" + jobId + "&after="
                + page.get("next_after").asLong()), 200);

        assertThat(page.get("events")).hasSize(2);
        JsonNode first = page.get("events").get(0);
        assertThat(first.get("type").asText()).isEqualTo("JobSubmitted");
        assertThat(first.get("aggregate_id").asText()).isEqualTo(jobId);
        assertThat(first.get("metadata").get("principal").asText()).isEqualTo(client.principal());
        assertThat(first.get("metadata").get("request_id").asText()).startsWith("req_");
        assertThat(rest.get("events").get(0).get("position").asLong())
                .isGreaterThan(page.get("events").get(1).get("position").asLong());
        assertThat(types(rest.get("events"))).containsExactly("JobProgressReported", "JobCompleted");
    }

    @Test
    void auditLogShowsExactPricesAsStored() throws Exception {
        Key exactMiner = api.createKey("miner");
        String exactRegion = "exact-" + UUID.randomUUID();
        api.registerMiner(exactMiner, "0.123456789012345678", exactRegion);
        String jobId = api.submitJob(client, Map.of("type", "ai-inference", "requirements",
                Map.of("region", exactRegion)));
        api.poll(exactMiner, 5);
        api.json(api.post(exactMiner, "/v1/miners/" + jobId + "/result", Map.of(
                "result", Map.of("text", "ok"), "metrics", Map.of("units", 10, "unit_type", "tokens"))), 200);

        String body = api.get(auditor, "/v1/audit/events?aggregate_id=" + jobId + "&type=job.completed")
                .expectStatus().isOk().expectBody(String.class).returnResult().getResponseBody();
        JsonNode events = EXACT.readTree(body).get("events");

        // 18 significant digits: a double keeps about 16
        assertThat(events.get(0).get("data").get("price").decimalValue())
                .isEqualByComparingTo("1.23456789012345678");
        assertThat(events.get(0).get("data").get("unit_price").decimalValue())
                .isEqualByComparingTo("0.123456789012345678");
    }

    @Test
    void auditLogRefusesClientsAndMiners() {
        api.get(client, "/v1/audit/events").expectStatus().isForbidden();
        api.get(miner, "/v1/audit/events").expectStatus().isForbidden();
    }

    @Test
    void auditLogFiltersByType() {
        String jobId = completedJob();

        JsonNode page = api.json(api.get(auditor, "/v1/audit/events?type=job.completed&limit=1000"), 200);

        assertThat(types(page.get("events"))).containsOnly("JobCompleted");
        assertThat(page.get("events").findValuesAsText("aggregate_id")).contains(jobId);
    }

    @Test
    void followedAuditLogStreamsStoredThenLiveEventsAsNdjson() {
        String before = completedJob();
        long after = api.json(api.get(auditor, "/v1/audit/events?aggregate_id=" + before), 200)
                .get("next_after").asLong();

        Flux<JsonNode> stream = api.http().get().uri("/v1/audit/events?follow=true&after=" + (after - 1))
                .header("X-API-Key", auditor.secret())
                .accept(MediaType.APPLICATION_NDJSON)
                .exchange()
                .expectStatus().isOk()
                .returnResult(JsonNode.class)
                .getResponseBody();

        // other tests' time limits may append events meanwhile: the stream is every job's. The job's event
        // may arrive before its submission answers, so everything streamed is kept and searched afterwards
        Sinks.Many<JsonNode> streamed = Sinks.many().replay().all();
        Disposable following = stream.subscribe(streamed::tryEmitNext);
        try {
            JsonNode first = streamed.asFlux().blockFirst(Duration.ofSeconds(20));
            assertThat(first.get("position").asLong()).isEqualTo(after);

            String submitted = api.submitJob(client, unmatched());

            JsonNode live = streamed.asFlux()
                    .filter(event -> event.get("aggregate_id").asText().equals(submitted))
                    .blockFirst(Duration.ofSeconds(20));
            assertThat(live.get("type").asText()).isEqualTo("JobSubmitted");
        } finally {
            following.dispose();
        }
    }

    @Test
    void historyListsEventsAndAsOfRebuildsThePast() {
        String jobId = api.submitJob(client, Map.of("type", "ai-inference", "requirements", Map.of("region", region)));
        api.poll(miner, 5);
        Instant whileRunning = Instant.now();
        sleep(20);
        api.json(api.post(miner, "/v1/miners/" + jobId + "/result", Map.of(
                "result", Map.of("text", "ok"), "metrics", Map.of("units", 10, "unit_type", "tokens"))), 200);

        JsonNode history = api.json(api.get(client, "/v1/jobs/" + jobId + "/history"), 200);
        JsonNode then = api.json(api.get(client, "/v1/jobs/" + jobId + "?as_of=" + whileRunning), 200);
        JsonNode now = api.json(api.get(client, "/v1/jobs/" + jobId), 200);

        assertThat(types(history.get("events")))
                .containsExactly("JobSubmitted", "JobAssigned", "JobCompleted");
        assertThat(history.get("events").get(1).get("caused_by").get("principal").asText())
                .isEqualTo(miner.principal());
        assertThat(then.get("status").asText()).isEqualTo("running");
        assertThat(then.get("miner_id").asText()).isEqualTo(miner.principal());
        assertThat(now.get("status").asText()).isEqualTo("completed");
        api.get(client, "/v1/jobs/" + jobId + "?as_of=2000-01-01T00:00:00Z").expectStatus().isNotFound();
        Key stranger = api.createKey("client");
        api.get(stranger, "/v1/jobs/" + jobId + "/history").expectStatus().isNotFound();
    }

    @Test
    void replayedProjectionsEqualTheOriginalsByContentHash() {
        for (int i = 0; i < 5; i++) {
            completedJob();
        }
        boughtJobs();
        api.submitJob(client, Map.of("type", "ai-inference", "requirements", Map.of("region", region)));

        // time limits of other tests' jobs may fire meanwhile: compare only at an unchanged event position
        Map<String, String> before;
        Map<String, String> rebuilt;
        long positionBefore;
        long positionAfter;
        int tries = 0;
        do {
            positionBefore = headPosition();
            before = contentHashes();
            PROJECTIONS.forEach(rebuilder::rebuild);
            rebuilt = contentHashes();
            positionAfter = headPosition();
        } while (positionAfter != positionBefore && ++tries < 5);

        assertThat(positionAfter).as("no event appended while rebuilding").isEqualTo(positionBefore);
        assertThat(rebuilt).isEqualTo(before);
        // the service keeps working on the swapped tables
        String after = api.submitJob(client, unmatched());
        assertThat(api.json(api.get(client, "/v1/jobs/" + after), 200).get("status").asText()).isEqualTo("queued");
    }

    /** Marketplace traffic: an offer with one job bought and done and one still reserved, and a withdrawn offer. */
    private void boughtJobs() {
        String offerId = api.json(api.post(miner, "/v1/marketplace/offers", Map.of(
                "job_type", "ai-inference", "price", "0.25", "max_jobs", 3)), 201).get("offer_id").asText();
        for (int i = 0; i < 2; i++) {
            String jobId = api.submitJob(client,
                    Map.of("type", "ai-inference", "requirements", Map.of("region", region)));
            api.json(api.post(client, "/v1/marketplace/offers/" + offerId + "/accept",
                    Map.of("job_id", jobId, "bid_price", "0.30")), 201);
        }
        String reserved = api.poll(miner, 5).get("job_id").asText();
        api.json(api.post(miner, "/v1/miners/" + reserved + "/result", Map.of(
                "result", Map.of("text", "ok"), "metrics", Map.of("units", 1, "unit_type", "job"))), 200);
        String running = api.poll(miner, 5).get("job_id").asText();
        String withdrawn = api.json(api.post(miner, "/v1/marketplace/offers", Map.of(
                "job_type", "ai-inference", "price", "0.50")), 201).get("offer_id").asText();
        api.http().delete().uri("/v1/marketplace/offers/" + withdrawn).header("X-API-Key", miner.secret())
                .exchange().expectStatus().isOk();
        // the miner's last sign of life is a lease renewal, whose time is the event's own; the client's
        // cancel then ends the job without a lease left to lapse during other tests
        api.json(api.post(miner, "/v1/miners/heartbeat", Map.of("inflight", 1)), 200);
        api.json(api.post(client, "/v1/jobs/" + running + "/cancel", Map.of()), 200);
    }

    private Map<String, String> contentHashes() {
        Map<String, String> hashes = new TreeMap<>();
        PROJECTIONS.forEach(name -> hashes.put(name, rebuilder.contentHash(name)));
        return hashes;
    }

    private long headPosition() {
        Long head = jdbc.queryForObject("select max(global_index) from domain_event_entry", Long.class);
        return head == null ? 0 : head;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
