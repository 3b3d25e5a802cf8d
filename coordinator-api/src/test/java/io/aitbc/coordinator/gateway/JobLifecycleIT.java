package io.aitbc.coordinator.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.aitbc.coordinator.testsupport.CoordinatorTestClient;
import io.aitbc.coordinator.testsupport.CoordinatorTestClient.Key;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.ActiveProfiles;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ActiveProfiles("test")
class JobLifecycleIT {

    /** A woken poll answers within a claim and an HTTP round trip; a missed wake-up at the end of its wait. */
    private static final long PROMPT_MILLIS = 10_000;
    private static final int LONG_WAIT_SECONDS = 30;

    @LocalServerPort
    int port;

    @Autowired
    MeterRegistry meters;

    /** Long polls block their thread; the common pool may have a single one. */
    final ExecutorService callers = Executors.newCachedThreadPool();

    CoordinatorTestClient api;
    Key client;
    Key miner;
    String region;

    @BeforeEach
    void keys() {
        api = new CoordinatorTestClient(port);
        client = api.createKey("client");
        miner = api.createKey("miner");
        region = "test-" + UUID.randomUUID();
        api.registerMiner(miner, "0.000002", region);
    }

    @AfterEach
    void stopCallers() {
        callers.shutdownNow();
    }

    /** An ai-inference job that only this test's miners can take. */
    Map<String, Object> job(Map<String, Object> fields) {
        Map<String, Object> body = new HashMap<>(fields);
        body.putIfAbsent("type", "ai-inference");
        body.put("requirements", Map.of("region", region));
        return body;
    }

    @Test
    void submittedJobIsPolledCompletedAndPriced() {
        // given
        String jobId = api.submitJob(client, job(Map.of(
                "payload", Map.of("prompt", "hello", "max_tokens", 16), "max_price", "0.00001")));

        // when
        JsonNode assignment = api.poll(miner, 5);
        JsonNode answer = api.json(api.post(miner, "/v1/miners/" + jobId + "/result", Map.of(
                "result", Map.of("text", "hi there"),
                "metrics", Map.of("units", 1420, "unit_type", "tokens", "duration_ms", 80))), 200);

        // then
        assertThat(assignment.get("job_id").asText()).isEqualTo(jobId);
        assertThat(assignment.get("price").asText()).isEqualTo("0.000002");
        assertThat(answer.get("receipt_id").asText()).startsWith("rcpt_");
        JsonNode job = api.json(api.get(client, "/v1/jobs/" + jobId), 200);
        assertThat(job.get("status").asText()).isEqualTo("completed");
        assertThat(job.get("price").asText()).isEqualTo("0.00284");
        assertThat(job.get("receipt_id").asText()).isEqualTo(answer.get("receipt_id").asText());
        JsonNode results = api.json(api.get(client, "/v1/jobs/" + jobId + "/results"), 200);
        assertThat(results.get("results").get("text").asText()).isEqualTo("hi there");
    }

    @Test
    void repeatedResultAnswersTheSameReceipt() {
        String jobId = api.submitJob(client, job(Map.of()));
        api.poll(miner, 5);
        Map<String, Object> report = Map.of("result", Map.of("ok", true), "metrics", Map.of("units", 3));

        JsonNode first = api.json(api.post(miner, "/v1/miners/" + jobId + "/result", report), 200);
        JsonNode again = api.json(api.post(miner, "/v1/miners/" + jobId + "/result", report), 200);

        assertThat(again.get("receipt_id")).isEqualTo(first.get("receipt_id"));
    }

    @Test
    void resultFromAnotherMinerIsRejected() {
        String jobId = api.submitJob(client, job(Map.of()));
        api.poll(miner, 5);
        Key intruder = api.createKey("miner");
        api.registerMiner(intruder, "0.000001", region);

        JsonNode error = api.json(api.post(intruder, "/v1/miners/" + jobId + "/result",
                Map.of("result", Map.of("stolen", true), "metrics", Map.of("units", 1))), 403);

        assertThat(error.get("error").get("code").asText()).isEqualTo("FORBIDDEN");
    }

    @Test
    void clientCannotSeeAnotherClientsJob() {
        String jobId = api.submitJob(client, job(Map.of()));
        Key other = api.createKey("client");

        JsonNode error = api.json(api.get(other, "/v1/jobs/" + jobId), 404);

        assertThat(error.get("error").get("code").asText()).isEqualTo("JOB_NOT_FOUND");
        assertThat(error.get("error").get("details").get("request_id").asText()).isNotBlank();
    }

    @Test
    void legacyBodyShapeIsAccepted() {
        JsonNode job = api.json(api.post(client, "/v1/jobs", Map.of(
                "payload", Map.of("type", "ai-inference", "prompt", "x"),
                "constraints", Map.of("max_price", "0.5", "region", "eu-west"),
                "ttl_seconds", 60)), 201);

        assertThat(job.get("type").asText()).isEqualTo("ai-inference");
        assertThat(job.get("max_price").asText()).isEqualTo("0.5");
        assertThat(job.get("requirements").get("region").asText()).isEqualTo("eu-west");
    }

    @Test
    void canceledJobIsNotHandedToMiners() {
        String jobId = api.submitJob(client, job(Map.of()));

        JsonNode canceled = api.json(api.post(client, "/v1/jobs/" + jobId + "/cancel", Map.of()), 200);

        assertThat(canceled.get("status").asText()).isEqualTo("canceled");
        assertThat(canceled.get("canceled_at").isNull()).isFalse();
        assertThat(api.poll(miner, 0)).isNull();
        JsonNode again = api.json(api.post(client, "/v1/jobs/" + jobId + "/cancel", Map.of()), 409);
        assertThat(again.get("error").get("code").asText()).isEqualTo("JOB_ALREADY_COMPLETED");
    }

    @Test
    void heartbeatListingItsJobsReleasesARunningJobTheMinerDoesNotHold() {
        // given: a miner running two jobs, the answer to the second poll lost on its way
        api.json(api.post(miner, "/v1/miners/register", Map.of("capabilities", Map.of(
                "gpus", List.of(Map.of("name", "A100", "memory_mb", 81920)), "job_types", List.of("ai-inference")),
                "concurrency", 2, "region", region)), 200);
        String held = api.submitJob(client, job(Map.of()));
        api.poll(miner, 5);
        String lost = api.submitJob(client, job(Map.of()));
        api.poll(miner, 5);
        // a job handed out moments ago is kept: its poll's answer may still be on the way
        JsonNode early = api.json(api.post(miner, "/v1/miners/heartbeat", Map.of("inflight", List.of(held))), 200);
        assertThat(early.get("released_jobs")).isEmpty();
        sleep(Duration.ofMillis(3_500));

        // when
        JsonNode beat = api.json(api.post(miner, "/v1/miners/heartbeat", Map.of("inflight", List.of(held))), 200);

        // then: the listed job keeps its lease, the other goes back to the queue for the next poll
        assertThat(beat.get("leases_renewed").asInt()).isEqualTo(1);
        assertThat(beat.get("released_jobs")).containsExactly(TextNode.valueOf(lost));
        assertThat(api.json(api.get(client, "/v1/jobs/" + held), 200).get("status").asText()).isEqualTo("running");
        assertThat(api.json(api.get(client, "/v1/jobs/" + lost), 200).get("status").asText()).isEqualTo("queued");
        assertThat(api.poll(miner, 5).get("job_id").asText()).isEqualTo(lost);
        // a count, as before, renews every running job
        assertThat(api.json(api.post(miner, "/v1/miners/heartbeat", Map.of("inflight", 2)), 200)
                .get("leases_renewed").asInt()).isEqualTo(2);
    }

    @Test
    void aJobOnlyTheYoungerOfTwoWaitingMinersCanTakeReachesItAtOnce() throws Exception {
        // given: a miner with too little memory for the job waits first, then one with enough
        Key small = api.createKey("miner");
        api.json(api.post(small, "/v1/miners/register", Map.of("capabilities", Map.of(
                "gpus", List.of(Map.of("name", "RTX 4090", "memory_mb", 24576)), "job_types", List.of("ai-inference")),
                "region", region)), 200);
        Key large = api.createKey("miner");
        api.registerMiner(large, "0.000002", region);
        CompletableFuture<JsonNode> smallPoll = pollOnceWaiting(small);
        CompletableFuture<JsonNode> largePoll = pollOnceWaiting(large);

        // when
        String jobId = api.submitJob(client, Map.of("type", "ai-inference",
                "requirements", Map.of("region", region, "min_vram_gb", 40)));
        long submitted = System.nanoTime();
        JsonNode assignment = largePoll.get(LONG_WAIT_SECONDS + 10, TimeUnit.SECONDS);
        long answeredAfterMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - submitted);

        // then
        assertThat(assignment).isNotNull();
        assertThat(assignment.get("job_id").asText()).isEqualTo(jobId);
        assertThat(answeredAfterMillis).as("answered at once, not at the end of its wait").isLessThan(PROMPT_MILLIS);
        String smallJob = api.submitJob(client, job(Map.of()));
        assertThat(smallPoll.get(LONG_WAIT_SECONDS + 10, TimeUnit.SECONDS).get("job_id").asText()).isEqualTo(smallJob);
    }

    @Test
    void jobsSubmittedTogetherReachEveryWaitingMinerPromptly() throws Exception {
        // given: identical miners, all waiting
        int count = 4;
        Key busyClient = api.createKey(Map.of("role", "client", "plan", "enterprise"));
        List<CompletableFuture<JsonNode>> polls = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Key waiting = api.createKey("miner");
            api.registerMiner(waiting, "0.000002", region);
            polls.add(pollOnceWaiting(waiting));
        }

        // when: submitted together, so their signals may fold into one
        List<CompletableFuture<String>> submissions = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Map<String, Object> body = job(Map.of("payload", Map.of("n", i)));
            submissions.add(CompletableFuture.supplyAsync(() -> api.submitJob(busyClient, body), callers));
        }
        Set<String> submitted = new HashSet<>();
        for (CompletableFuture<String> submission : submissions) {
            submitted.add(submission.get(LONG_WAIT_SECONDS, TimeUnit.SECONDS));
        }
        long allSubmitted = System.nanoTime();
        Set<String> handedOut = new HashSet<>();
        for (CompletableFuture<JsonNode> poll : polls) {
            JsonNode assignment = poll.get(LONG_WAIT_SECONDS + 10, TimeUnit.SECONDS);
            assertThat(assignment).as("every waiting miner gets a job").isNotNull();
            handedOut.add(assignment.get("job_id").asText());
        }
        long answeredAfterMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - allSubmitted);

        // then
        assertThat(handedOut).isEqualTo(submitted);
        assertThat(answeredAfterMillis).as("all answered at once, not at the end of their waits")
                .isLessThan(PROMPT_MILLIS);
    }

    /** Starts a long poll and returns once it waits, so polls started one after another wait in that order. */
    private CompletableFuture<JsonNode> pollOnceWaiting(Key polling) {
        double waitingBefore = waitingPolls();
        CompletableFuture<JsonNode> poll = CompletableFuture.supplyAsync(() -> api.poll(polling, LONG_WAIT_SECONDS),
                callers);
        await().atMost(Duration.ofSeconds(20)).until(() -> waitingPolls() > waitingBefore);
        return poll;
    }

    private double waitingPolls() {
        return meters.get("coordinator.polls.waiting").gauge().value();
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
