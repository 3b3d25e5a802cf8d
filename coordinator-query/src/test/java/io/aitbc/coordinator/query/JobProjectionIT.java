package io.aitbc.coordinator.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aitbc.coordinator.common.api.Ids;
import io.aitbc.coordinator.job.api.AssignJobCommand;
import io.aitbc.coordinator.job.api.CompleteJobCommand;
import io.aitbc.coordinator.job.api.FindJobQuery;
import io.aitbc.coordinator.job.api.JobPage;
import io.aitbc.coordinator.job.api.JobRequirements;
import io.aitbc.coordinator.job.api.JobStatus;
import io.aitbc.coordinator.job.api.JobView;
import io.aitbc.coordinator.job.api.ListJobsQuery;
import io.aitbc.coordinator.job.api.SubmitJobCommand;
import io.aitbc.coordinator.miner.api.MinerCapabilities;
import io.aitbc.coordinator.miner.api.RegisterMinerCommand;
import io.aitbc.coordinator.query.dispatch.ClaimableJob;
import io.aitbc.coordinator.query.dispatch.DispatchRepository;
import io.aitbc.coordinator.query.dispatch.MinerProfile;
import io.aitbc.coordinator.query.infra.EventStoreConfiguration;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.axonframework.queryhandling.QueryGateway;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Commands through Axon into the real PostgreSQL event store, and the read models they leave behind. */
@SpringBootTest(classes = QueryTestApplication.class)
class JobProjectionIT {

    private static final ObjectMapper JSON = EventStoreConfiguration.eventObjectMapper();

    @Autowired
    CommandGateway commands;

    @Autowired
    QueryGateway queries;

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    DispatchRepository dispatch;

    @Autowired
    PlatformTransactionManager transactionManager;

    @Test
    void eventsAreStoredAsSnakeCaseJsonInByteaColumns() throws Exception {
        String jobId = submit("store-test");

        Map<String, Object> row = jdbc.queryForMap("select payload, payload_type, meta_data, sequence_number"
                + " from domain_event_entry where aggregate_identifier = ?", jobId);

        assertThat(row.get("payload")).isInstanceOf(byte[].class);
        assertThat(row.get("payload_type")).isEqualTo("io.aitbc.coordinator.job.api.JobSubmittedEvent");
        JsonNode payload = JSON.readTree((byte[]) row.get("payload"));
        assertThat(payload.get("job_id").asText()).isEqualTo(jobId);
        assertThat(payload.get("max_price").asText()).isEqualTo("0.5");
        assertThat(payload.get("payload_sha256").asText()).hasSize(64);
        assertThat(row.get("sequence_number")).isEqualTo(0L);
    }

    @Test
    void jobViewFollowsTheLifecycle() {
        // given
        String region = "projection-" + Ids.newId("r");
        String minerId = register(region);
        String jobId = submit(region);

        // when
        commands.sendAndWait(new AssignJobCommand(jobId, minerId, null, new BigDecimal("0.000002"), "tokens",
                Instant.now().plusSeconds(60)));
        String receiptId = commands.sendAndWait(new CompleteJobCommand(jobId, minerId, JSON.createObjectNode()
                .put("text", "done"), "ab".repeat(32), new BigDecimal("1420"), "tokens", null, null));

        // then
        JobView view = queries.query(new FindJobQuery(jobId), JobView.class).join();
        assertThat(view.status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(view.minerId()).isEqualTo(minerId);
        assertThat(view.price()).isEqualTo("0.00284");
        assertThat(view.receiptId()).isEqualTo(receiptId);
        assertThat(view.progress()).isEqualTo(100);
        assertThat(jdbc.queryForObject("select count(*) from job_queue where job_id = ?", Long.class, jobId))
                .isZero();
        assertThat(jdbc.queryForObject("select count(*) from job_deadline where job_id = ?", Long.class, jobId))
                .isZero();
    }

    @Test
    void listPagesWithCursorWithoutGapsOrRepeats() {
        String client = Ids.newId("client");
        for (int i = 0; i < 7; i++) {
            submit("list", client);
        }

        JobPage first = queries.query(new ListJobsQuery(client, null, null, 3, 0, null), JobPage.class).join();
        JobPage second = queries.query(new ListJobsQuery(client, null, null, 3, 0, first.nextCursor()),
                JobPage.class).join();
        JobPage third = queries.query(new ListJobsQuery(client, null, null, 3, 0, second.nextCursor()),
                JobPage.class).join();
        JobPage byOffset = queries.query(new ListJobsQuery(client, JobStatus.QUEUED, null, 3, 3, null),
                JobPage.class).join();

        assertThat(first.total()).isEqualTo(7);
        assertThat(third.jobs()).hasSize(1);
        assertThat(third.nextCursor()).isNull();
        assertThat(byOffset.jobs()).extracting(JobView::jobId)
                .containsExactlyElementsOf(second.jobs().stream().map(JobView::jobId).toList());
        assertThat(first.jobs().get(0).createdAt()).isAfterOrEqualTo(first.jobs().get(2).createdAt());
    }

    @Test
    void twoConcurrentClaimsNeverLockTheSameJob() throws Exception {
        // given
        String region = "claims-" + Ids.newId("r");
        String minerId = register(region);
        submit(region);
        submit(region);
        MinerProfile miner = dispatch.minerProfile(minerId).orElseThrow();
        TransactionTemplate transactions = new TransactionTemplate(transactionManager);
        CountDownLatch bothLocked = new CountDownLatch(2);

        // when: each transaction holds its lock until the other has locked too
        CompletableFuture<Optional<ClaimableJob>> first = CompletableFuture.supplyAsync(() ->
                transactions.execute(status -> lockAndWait(miner, bothLocked)));
        CompletableFuture<Optional<ClaimableJob>> second = CompletableFuture.supplyAsync(() ->
                transactions.execute(status -> lockAndWait(miner, bothLocked)));

        // then
        assertThat(first.get(10, TimeUnit.SECONDS)).isPresent();
        assertThat(second.get(10, TimeUnit.SECONDS)).isPresent();
        assertThat(first.get().get().jobId()).isNotEqualTo(second.get().get().jobId());
    }

    private Optional<ClaimableJob> lockAndWait(MinerProfile miner, CountDownLatch bothLocked) {
        Optional<ClaimableJob> locked = dispatch.lockNextClaimable(miner, List.of("ai-inference"));
        bothLocked.countDown();
        try {
            bothLocked.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return locked;
    }

    private String register(String region) {
        String minerId = Ids.newId("miner");
        commands.sendAndWait(new RegisterMinerCommand(minerId, new MinerCapabilities(
                List.of(new MinerCapabilities.Gpu("A100", 81920)), List.of("llama"), "12.4", List.of("ai-inference")),
                2, region, null, new BigDecimal("0.000002"), "tokens"));
        return minerId;
    }

    private String submit(String region) {
        return submit(region, Ids.newId("client"));
    }

    private String submit(String region, String clientId) {
        String jobId = Ids.newId("job");
        commands.sendAndWait(new SubmitJobCommand(jobId, clientId, "ai-inference", "test",
                JSON.createObjectNode().put("prompt", "hi"), "cd".repeat(32),
                new JobRequirements(null, null, List.of(), region), new BigDecimal("0.5"),
                Instant.now().plusSeconds(600), 3));
        return jobId;
    }
}
