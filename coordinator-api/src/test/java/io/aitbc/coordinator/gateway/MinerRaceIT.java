package io.aitbc.coordinator.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import io.aitbc.coordinator.testsupport.CoordinatorTestClient;
import io.aitbc.coordinator.testsupport.CoordinatorTestClient.Key;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.ActiveProfiles;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Sixteen miners long-poll one queue over real HTTP while a client keeps submitting jobs. Every job
 * must be handed to exactly one miner and completed exactly once.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ActiveProfiles("test")
class MinerRaceIT {

    private static final int MINERS = 16;
    private static final int JOBS = 400;

    @LocalServerPort
    int port;

    @Autowired
    JdbcTemplate jdbc;

    @Test
    void everyJobIsAssignedAndCompletedExactlyOnceUnderConcurrentPolls() throws Exception {
        // given
        CoordinatorTestClient api = new CoordinatorTestClient(port);
        String region = "race-" + UUID.randomUUID();
        Key client = api.createKey(Map.of("role", "client", "plan", "enterprise"));
        List<Key> miners = new ArrayList<>();
        for (int i = 0; i < MINERS; i++) {
            Key miner = api.createKey(Map.of("role", "miner", "plan", "enterprise"));
            api.registerMiner(miner, "0.000001", region);
            miners.add(miner);
        }
        Map<String, String> takenBy = new ConcurrentHashMap<>();
        Set<String> doubleHanded = ConcurrentHashMap.newKeySet();
        AtomicBoolean submitting = new AtomicBoolean(true);
        ExecutorService pool = Executors.newFixedThreadPool(MINERS + 1);

        // when
        List<Future<?>> workers = new ArrayList<>();
        for (Key miner : miners) {
            workers.add(pool.submit(() -> {
                while (submitting.get() || takenBy.size() < JOBS) {
                    JsonNode job = api.poll(miner, 1);
                    if (job == null) {
                        if (!submitting.get() && takenBy.size() >= JOBS) {
                            return null;
                        }
                        continue;
                    }
                    String jobId = job.get("job_id").asText();
                    if (takenBy.putIfAbsent(jobId, miner.principal()) != null) {
                        doubleHanded.add(jobId);
                    }
                    api.json(api.post(miner, "/v1/miners/" + jobId + "/result", Map.of(
                            "result", Map.of("by", miner.principal()),
                            "metrics", Map.of("units", 10, "unit_type", "tokens"))), 200);
                }
                return null;
            }));
        }
        Set<String> submitted = ConcurrentHashMap.newKeySet();
        for (int i = 0; i < JOBS; i++) {
            submitted.add(api.submitJob(client, Map.of("type", "ai-inference",
                    "payload", Map.of("n", i), "requirements", Map.of("region", region))));
        }
        submitting.set(false);
        for (Future<?> worker : workers) {
            worker.get(3, TimeUnit.MINUTES);
        }
        pool.shutdown();

        // then
        assertThat(doubleHanded).isEmpty();
        assertThat(takenBy.keySet()).isEqualTo(submitted);
        assertThat(takenBy.values().stream().distinct().count()).as("miners that got work").isGreaterThan(1);
        assertThat(eventCountPerJob("JobAssignedEvent", submitted)).containsOnly(1);
        assertThat(eventCountPerJob("JobCompletedEvent", submitted)).containsOnly(1);
        assertThat(jdbc.queryForObject("select count(*) from job_view where status = 'completed'"
                + " and job_id = any(?)", Long.class, (Object) submitted.toArray(String[]::new))).isEqualTo(JOBS);
    }

    private List<Integer> eventCountPerJob(String eventType, Set<String> jobIds) {
        return jdbc.queryForList("""
                select count(e.global_index)
                from unnest(?::text[]) as j(job_id)
                left join domain_event_entry e
                  on e.aggregate_identifier = j.job_id and e.payload_type like ?
                group by j.job_id
                """, Integer.class, jobIds.toArray(String[]::new), "%." + eventType);
    }
}
