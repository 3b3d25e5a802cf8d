package io.aitbc.coordinator.receipt;

import io.aitbc.coordinator.receipt.jooq.tables.records.ReceiptRecord;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.axonframework.config.EventProcessingConfiguration;
import org.axonframework.eventhandling.TrackingEventProcessor;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

import static io.aitbc.coordinator.receipt.jooq.Tables.RECEIPT;
import static io.aitbc.coordinator.receipt.jooq.Tables.RECEIPT_LOG_NODE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Exactly one receipt and one leaf per completed job when the receipts processor stops, restarts,
 * loses its token or replays everything, on the real PostgreSQL server. The odd batch size gives
 * this class a context, and so a database, of its own.
 */
@SpringBootTest(classes = ReceiptsTestApplication.class, properties = "coordinator.receipts.batch-size=3")
class ReceiptExactlyOnceIT {

    @Autowired
    private CommandGateway commandGateway;

    @Autowired
    private EventProcessingConfiguration processing;

    @Autowired
    private ReceiptLogRebuilder rebuilder;

    @Autowired
    private ReceiptService receipts;

    @Autowired
    private DSLContext dsl;

    @Autowired
    private ReceiptLog receiptLog;

    @Test
    void stoppedProcessorThatLostItsTokenIssuesEachReceiptOnce() {
        // given: receipts for a first round of jobs
        CompletedJobs jobs = new CompletedJobs(commandGateway);
        String minerId = jobs.registerMiner(null);
        long earlier = receipts.logSize();
        List<String> jobIds = new ArrayList<>(complete(jobs, minerId, 5));
        awaitReceipts(earlier + 5);
        TrackingEventProcessor processor = receiptsProcessor();

        // when: jobs complete while the processor is stopped, and it comes back without its token
        processor.shutDown();
        jobIds.addAll(complete(jobs, minerId, 5));
        assertThat(receipts.logSize()).isEqualTo(earlier + 5);
        dsl.deleteFrom(DSL.table("token_entry"))
                .where(DSL.field("processor_name").eq(ReceiptIssuer.PROCESSING_GROUP))
                .execute();
        processor.start();

        // then: every job once, indexes 0..n-1 without a gap, one leaf each
        long expected = earlier + jobIds.size();
        awaitReceipts(expected);
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5))
                .until(() -> receipts.logSize() == expected);
        List<ReceiptRecord> rows = dsl.selectFrom(RECEIPT).orderBy(RECEIPT.LOG_INDEX).fetch();
        assertThat(rows).hasSize((int) expected);
        assertThat(rows).extracting(ReceiptRecord::getJobId).containsAll(jobIds).doesNotHaveDuplicates();
        assertThat(rows).extracting(ReceiptRecord::getLogIndex)
                .containsExactlyElementsOf(LongStream.range(0, expected).boxed().toList());
        assertThat(dsl.fetchCount(RECEIPT_LOG_NODE, RECEIPT_LOG_NODE.HEIGHT.eq((short) 0))).isEqualTo(expected);
        assertThat(rebuilder.compareWithEvents().identical()).isTrue();
    }

    @Test
    void replayRebuildsExactlyTheSameLog() throws Exception {
        // given
        CompletedJobs jobs = new CompletedJobs(commandGateway);
        long earlier = receipts.logSize();
        complete(jobs, jobs.registerMiner(null), 7);
        awaitReceipts(earlier + 7);
        await().atMost(Duration.ofSeconds(10)).until(() -> rebuilder.compareWithEvents().derivedSize()
                == receipts.logSize());
        Map<String, byte[]> before = bodies();
        String rootBefore = rebuilder.compareWithEvents().storedRoot();

        // when
        RebuildReport report = rebuilder.rebuild(Duration.ofSeconds(30));

        // then
        assertThat(report.identical()).isTrue();
        assertThat(report.storedRoot()).isEqualTo(rootBefore);
        Map<String, byte[]> after = bodies();
        assertThat(after.keySet()).isEqualTo(before.keySet());
        before.forEach((jobId, body) -> assertThat(Arrays.equals(after.get(jobId), body)).isTrue());
    }

    @Test
    void logTablesRefuseUpdatesAndDeletes() {
        CompletedJobs jobs = new CompletedJobs(commandGateway);
        long earlier = receipts.logSize();
        complete(jobs, jobs.registerMiner(null), 1);
        awaitReceipts(earlier + 1);

        assertThatThrownBy(() -> dsl.update(RECEIPT).set(RECEIPT.CLIENT_ID, "someone_else").execute())
                .hasMessageContaining("append-only");
        assertThatThrownBy(() -> dsl.deleteFrom(RECEIPT_LOG_NODE).execute())
                .hasMessageContaining("append-only");
    }

    @Test
    void databaseRefusesASecondReceiptForTheSameJobOrIndex() {
        CompletedJobs jobs = new CompletedJobs(commandGateway);
        long earlier = receipts.logSize();
        String jobId = complete(jobs, jobs.registerMiner(null), 1).get(0);
        awaitReceipts(earlier + 1);
        ReceiptRecord stored = dsl.selectFrom(RECEIPT).where(RECEIPT.JOB_ID.eq(jobId)).fetchOne();
        IssuedReceipt again = new IssuedReceipt(jobId, "rcpt_other", "event_other", stored.getClientId(),
                stored.getMinerId(), stored.getKeyId(), stored.getCompletedAt().toInstant(), receipts.logSize(),
                stored.getBody(), false);
        IssuedReceipt sameIndex = new IssuedReceipt("job_other", "rcpt_other", "event_other", stored.getClientId(),
                stored.getMinerId(), stored.getKeyId(), stored.getCompletedAt().toInstant(), stored.getLogIndex(),
                stored.getBody(), false);

        assertThatThrownBy(() -> receiptLog.appendAll(List.of(again), Map.of()))
                .hasMessageContaining("duplicate key");
        assertThatThrownBy(() -> receiptLog.appendAll(List.of(sameIndex), Map.of()))
                .hasMessageContaining("duplicate key");
    }

    private static List<String> complete(CompletedJobs jobs, String minerId, int count) {
        List<String> jobIds = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            jobIds.add(jobs.complete(minerId, null));
        }
        return jobIds;
    }

    private void awaitReceipts(long atLeast) {
        await().atMost(Duration.ofSeconds(20)).until(() -> receipts.logSize() >= atLeast);
    }

    private Map<String, byte[]> bodies() {
        return dsl.selectFrom(RECEIPT).fetch().stream()
                .collect(Collectors.toMap(ReceiptRecord::getJobId, ReceiptRecord::getBody));
    }

    private TrackingEventProcessor receiptsProcessor() {
        return processing.eventProcessor(ReceiptIssuer.PROCESSING_GROUP, TrackingEventProcessor.class).orElseThrow();
    }
}
