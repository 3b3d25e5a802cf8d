package io.aitbc.coordinator.query.dispatch;

import io.aitbc.coordinator.query.QueryTestApplication;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

import java.math.BigDecimal;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How PostgreSQL runs a claim while a backlog waits that the polling miner cannot take: through the
 * region index, reading the jobs of the miner's region and of none, never the whole queue.
 */
@SpringBootTest(classes = QueryTestApplication.class)
class ClaimPlanIT {

    private static final int BACKLOG = 5_000;

    @Autowired
    DSLContext dsl;

    @Autowired
    DispatchRepository dispatch;

    @AfterEach
    void clearBacklog() {
        dsl.execute("DELETE FROM job_queue WHERE job_id LIKE 'job_backlog_%'");
    }

    @Test
    void claimReadsTheMinersRegionThroughItsIndexNotTheBacklog() {
        dsl.execute("""
                INSERT INTO job_queue (job_id, claimable, type, submitted_at, req_region)
                SELECT 'job_backlog_' || i, true, 'ai-inference', now() - interval '1 hour' + i * interval '1 ms',
                       'region-without-miners'
                FROM generate_series(1, ?) i
                """, BACKLOG);
        dsl.execute("ANALYZE job_queue");
        MinerProfile miner = new MinerProfile("miner_plan", List.of(), List.of("nvidia a100"), 81920, List.of(),
                "eu-west", 1, BigDecimal.ONE, "job");

        String plan = String.join("\n", dsl.fetch("EXPLAIN " + dsl.renderInlined(
                dispatch.claimQuery(miner, List.of("ai-inference"), List.of()))).getValues(0, String.class));

        assertThat(plan).contains("job_queue_region_idx").doesNotContain("Seq Scan on job_queue");
    }
}
