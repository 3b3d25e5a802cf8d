package io.aitbc.coordinator.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import io.aitbc.coordinator.CoordinatorApplication;
import io.aitbc.coordinator.testsupport.CoordinatorTestClient;
import io.aitbc.coordinator.testsupport.CoordinatorTestClient.Key;
import io.aitbc.coordinator.testsupport.PostgresTestDatabase;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Stops the coordinator while jobs wait and run, and starts it again on the same database: the
 * time limits set before the stop still fire, and nothing accepted before it is lost.
 */
class RestartIT {

    @Test
    void leasesAndTimeToLiveFireAfterARestart() throws Exception {
        // given
        String database = PostgresTestDatabase.create();
        Path dataDir = Files.createTempDirectory("coordinator-restart");
        ConfigurableApplicationContext first = start(database, dataDir);
        CoordinatorTestClient api = client(first);
        Key client = api.createKey(Map.of("role", "client", "plan", "enterprise"));
        Key miner = api.createKey(Map.of("role", "miner", "plan", "enterprise"));
        api.registerMiner(miner, "0.000001", "restart");
        String running = api.submitJob(client, Map.of("type", "ai-inference", "max_attempts", 2,
                "requirements", Map.of("region", "restart")));
        JsonNode assignment = api.poll(miner, 5);
        assertThat(assignment.get("job_id").asText()).isEqualTo(running);
        String waiting = api.submitJob(client, Map.of("type", "ai-inference", "ttl_seconds", 4,
                "requirements", Map.of("region", "nowhere")));

        // when
        first.close();
        ConfigurableApplicationContext second = start(database, dataDir);
        try {
            CoordinatorTestClient restarted = client(second);

            // then
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                JsonNode requeued = restarted.json(restarted.get(client, "/v1/jobs/" + running), 200);
                assertThat(requeued.get("status").asText()).isEqualTo("queued");
                assertThat(requeued.get("error").get("code").asText()).isEqualTo("LEASE_EXPIRED");
            });
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(restarted.json(
                    restarted.get(client, "/v1/jobs/" + waiting), 200).get("status").asText()).isEqualTo("expired"));
            JsonNode again = restarted.poll(miner, 5);
            assertThat(again.get("job_id").asText()).isEqualTo(running);
            assertThat(again.get("attempt").asInt()).isEqualTo(2);
        } finally {
            second.close();
        }
    }

    private static ConfigurableApplicationContext start(String database, Path dataDir) {
        // arguments outrank application.yml, as an operator's --options would
        return new SpringApplicationBuilder(CoordinatorApplication.class)
                .profiles("test")
                .run("--server.port=0",
                        "--coordinator.test.keep-database=true",
                        "--coordinator.db.url=" + database,
                        "--coordinator.db.user=" + PostgresTestDatabase.user(),
                        "--coordinator.data-dir=" + dataDir,
                        "--coordinator.jobs.lease=2s");
    }

    private static CoordinatorTestClient client(ConfigurableApplicationContext context) {
        return new CoordinatorTestClient(((WebServerApplicationContext) context).getWebServer().getPort());
    }
}
