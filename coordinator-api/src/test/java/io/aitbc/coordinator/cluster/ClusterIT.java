package io.aitbc.coordinator.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import io.aitbc.coordinator.CoordinatorApplication;
import io.aitbc.coordinator.testsupport.CoordinatorTestClient;
import io.aitbc.coordinator.testsupport.CoordinatorTestClient.Key;
import io.aitbc.coordinator.testsupport.PostgresTestDatabase;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two coordinators on one database, as two nodes of a cluster: a long poll on one node is woken by a
 * job submitted on the other, and when the node issuing receipts stops, the other takes the
 * receipts processor over. Both nodes share the data directory, as nodes must share the signing keys.
 * A node killed with SIGKILL is tested by {@code scripts/cluster-kill-test.sh}, with real processes.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterIT {

    private static String database;
    private static ConfigurableApplicationContext nodeA;
    private static ConfigurableApplicationContext nodeB;

    @BeforeAll
    static void startTwoNodes() throws Exception {
        database = PostgresTestDatabase.create();
        Path dataDir = Files.createTempDirectory("coordinator-cluster");
        nodeA = start("node-a", dataDir);
        nodeB = start("node-b", dataDir);
    }

    @AfterAll
    static void stopNodes() {
        for (ConfigurableApplicationContext node : new ConfigurableApplicationContext[] {nodeA, nodeB}) {
            if (node != null && node.isActive()) {
                node.close();
            }
        }
    }

    @Test
    @Order(1)
    void longPollOnOneNodeIsWokenBySubmissionOnTheOther() throws Exception {
        // given
        CoordinatorTestClient a = client(nodeA);
        CoordinatorTestClient b = client(nodeB);
        String region = "cluster-" + UUID.randomUUID();
        Key client = b.createKey(Map.of("role", "client", "plan", "enterprise"));
        Key miner = a.createKey(Map.of("role", "miner", "plan", "enterprise"));
        a.registerMiner(miner, "0.000001", region);
        CompletableFuture<JsonNode> poll = CompletableFuture.supplyAsync(() -> a.poll(miner, 25));
        MeterRegistry metersA = nodeA.getBean(MeterRegistry.class);
        await().atMost(Duration.ofSeconds(20)).until(() ->
                metersA.get("coordinator.polls.waiting").gauge().value() >= 1);

        // when
        String jobId = b.submitJob(client, Map.of("type", "ai-inference", "requirements", Map.of("region", region)));
        long committed = System.nanoTime();
        JsonNode assignment = poll.get(20, TimeUnit.SECONDS);
        long wokenAfterMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - committed);

        // then
        assertThat(assignment).isNotNull();
        assertThat(assignment.get("job_id").asText()).isEqualTo(jobId);
        // a claim and an HTTP answer on a busy build machine take a few seconds; a missed wake-up takes 25
        assertThat(wokenAfterMillis).as("woken at once, not at the end of the 25 s wait").isLessThan(10_000);
    }

    @Test
    @Order(2)
    void resultsOnOneNodeRacingHeartbeatsOnTheOtherAreNeverRefused() throws Exception {
        // given: a miner running eight jobs at a time; a heartbeat renews the lease of every one of them
        CoordinatorTestClient a = client(nodeA);
        CoordinatorTestClient b = client(nodeB);
        String region = "beat-" + UUID.randomUUID();
        Key client = a.createKey(Map.of("role", "client", "plan", "enterprise"));
        Key miner = a.createKey(Map.of("role", "miner", "plan", "enterprise"));
        a.json(a.post(miner, "/v1/miners/register", Map.of("capabilities", Map.of(
                "gpus", List.of(Map.of("name", "A100", "memory_mb", 81920)), "job_types", List.of("ai-inference")),
                "concurrency", 8, "region", region)), 200);
        ExecutorService pool = Executors.newFixedThreadPool(16);

        for (int round = 0; round < 8; round++) {
            List<String> running = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                a.submitJob(client, Map.of("type", "ai-inference", "requirements", Map.of("region", region)));
                running.add(a.poll(miner, 5).get("job_id").asText());
            }
            // when: the results, on node A, are reported while a heartbeat on node B renews the same leases
            List<Future<String>> results = new ArrayList<>();
            pool.submit(() -> b.post(miner, "/v1/miners/heartbeat", Map.of()).expectBody().returnResult());
            for (String jobId : running) {
                results.add(pool.submit(() -> {
                    var answer = a.post(miner, "/v1/miners/" + jobId + "/result", Map.of("result", Map.of("ok", true),
                                    "metrics", Map.of("units", 1, "unit_type", "tokens")))
                            .expectBody(String.class).returnResult();
                    return answer.getStatus().value() == 200 ? "200"
                            : answer.getStatus() + " " + answer.getResponseBody();
                }));
            }
            List<String> statuses = new ArrayList<>();
            for (Future<String> result : results) {
                statuses.add(result.get(1, TimeUnit.MINUTES));
            }

            // then: a renewal on the other node that changed the job first never makes a result fail
            assertThat(statuses).as("result answers in round %d", round).containsOnly("200");
        }
        pool.shutdown();
    }

    @Test
    @Order(3)
    void receiptsAreIssuedByTheOtherNodeWhenTheTokenHolderStops() throws Exception {
        // given
        String holder = await().atMost(Duration.ofSeconds(30)).until(ClusterIT::receiptsOwner, owner -> owner != null);
        ConfigurableApplicationContext survivor = holder.equals("node-a") ? nodeB : nodeA;
        String survivorId = holder.equals("node-a") ? "node-b" : "node-a";
        (holder.equals("node-a") ? nodeA : nodeB).close();
        CoordinatorTestClient api = client(survivor);
        String region = "takeover-" + UUID.randomUUID();
        Key client = api.createKey(Map.of("role", "client", "plan", "enterprise"));
        Key miner = api.createKey(Map.of("role", "miner", "plan", "enterprise"));
        api.registerMiner(miner, "0.000001", region);

        // when
        String jobId = api.submitJob(client, Map.of("type", "ai-inference", "requirements", Map.of("region", region)));
        assertThat(api.poll(miner, 5).get("job_id").asText()).isEqualTo(jobId);
        api.json(api.post(miner, "/v1/miners/" + jobId + "/result", Map.of("result", Map.of("text", "ok"),
                "metrics", Map.of("units", 10, "unit_type", "tokens", "duration_ms", 5))), 200);

        // then
        await().atMost(Duration.ofSeconds(40)).untilAsserted(() -> {
            assertThat(receiptsOwner()).isEqualTo(survivorId);
            assertThat(hasReceipt(jobId)).isTrue();
        });
    }

    private static ConfigurableApplicationContext start(String nodeId, Path dataDir) {
        // arguments outrank application.yml, as an operator's --options would
        return new SpringApplicationBuilder(CoordinatorApplication.class, InProcessNode.class)
                .profiles("test")
                .run("--server.port=0",
                        "--coordinator.test.keep-database=true",
                        "--coordinator.test.node-id=" + nodeId,
                        "--coordinator.db.url=" + database,
                        "--coordinator.db.user=" + PostgresTestDatabase.user(),
                        "--coordinator.data-dir=" + dataDir);
    }

    private static CoordinatorTestClient client(ConfigurableApplicationContext node) {
        return new CoordinatorTestClient(((WebServerApplicationContext) node).getWebServer().getPort());
    }

    private static String receiptsOwner() throws SQLException {
        try (Connection connection = DriverManager.getConnection(database, PostgresTestDatabase.user(), "");
             PreparedStatement query = connection.prepareStatement(
                     "SELECT owner FROM token_entry WHERE processor_name = 'receipts' AND owner IS NOT NULL");
             ResultSet row = query.executeQuery()) {
            return row.next() ? row.getString(1) : null;
        }
    }

    private static boolean hasReceipt(String jobId) throws SQLException {
        try (Connection connection = DriverManager.getConnection(database, PostgresTestDatabase.user(), "");
             PreparedStatement query = connection.prepareStatement("SELECT 1 FROM receipt WHERE job_id = ?")) {
            query.setString(1, jobId);
            try (ResultSet row = query.executeQuery()) {
                return row.next();
            }
        }
    }
}
