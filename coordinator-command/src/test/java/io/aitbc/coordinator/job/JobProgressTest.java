package io.aitbc.coordinator.job;

import io.aitbc.coordinator.job.api.JobProgressReportedEvent;
import io.aitbc.coordinator.job.api.ReportJobProgressCommand;
import org.axonframework.test.aggregate.AggregateTestFixture;
import org.axonframework.test.aggregate.FixtureConfiguration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Instant;
import java.util.List;

import static io.aitbc.coordinator.common.api.Rejections.rejectedWith;
import static io.aitbc.coordinator.job.JobHistory.DURING_LEASE;
import static io.aitbc.coordinator.job.JobHistory.JOB_ID;
import static io.aitbc.coordinator.job.JobHistory.LEASE;
import static io.aitbc.coordinator.job.JobHistory.LEASE_ENDS;
import static io.aitbc.coordinator.job.JobHistory.MINER_ID;
import static io.aitbc.coordinator.job.JobHistory.OTHER_MINER_ID;
import static io.aitbc.coordinator.job.JobHistory.SUBMITTED_AT;
import static io.aitbc.coordinator.job.JobHistory.assigned;
import static io.aitbc.coordinator.job.JobHistory.leaseLapsed;
import static io.aitbc.coordinator.job.JobHistory.submitted;

class JobProgressTest {

    private static final Instant RENEWED_LEASE_ENDS = DURING_LEASE.plus(LEASE);

    private FixtureConfiguration<JobAggregate> fixture;

    @BeforeEach
    void createFixture() {
        fixture = new AggregateTestFixture<>(JobAggregate.class);
    }

    @Test
    void assignedMinerReportsProgressAndRenewsItsLease() {
        fixture.givenCurrentTime(SUBMITTED_AT)
                .andGiven(submitted(), assigned())
                .andGivenCurrentTime(DURING_LEASE)
                .when(new ReportJobProgressCommand(JOB_ID, MINER_ID, 40, RENEWED_LEASE_ENDS))
                .expectSuccessfulHandlerExecution()
                .expectEvents(new JobProgressReportedEvent(JOB_ID, MINER_ID, 1, 40, DURING_LEASE,
                        RENEWED_LEASE_ENDS));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 100})
    void progressFromZeroToOneHundredIsAccepted(int progress) {
        fixture.givenCurrentTime(SUBMITTED_AT)
                .andGiven(submitted(), assigned())
                .andGivenCurrentTime(DURING_LEASE)
                .when(new ReportJobProgressCommand(JOB_ID, MINER_ID, progress, RENEWED_LEASE_ENDS))
                .expectEvents(new JobProgressReportedEvent(JOB_ID, MINER_ID, 1, progress, DURING_LEASE,
                        RENEWED_LEASE_ENDS));
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, 101, Integer.MIN_VALUE, Integer.MAX_VALUE})
    void progressOutsideZeroToOneHundredIsRejected(int progress) {
        fixture.givenCurrentTime(SUBMITTED_AT)
                .andGiven(submitted(), assigned())
                .andGivenCurrentTime(DURING_LEASE)
                .when(new ReportJobProgressCommand(JOB_ID, MINER_ID, progress, RENEWED_LEASE_ENDS))
                .expectNoEvents()
                .expectException(rejectedWith("VALIDATION_FAILED"))
                .expectExceptionMessage("progress must be between 0 and 100");
    }

    @Test
    void progressOnAnotherMinersJobIsRejected() {
        fixture.givenCurrentTime(SUBMITTED_AT)
                .andGiven(submitted(), assigned())
                .andGivenCurrentTime(DURING_LEASE)
                .when(new ReportJobProgressCommand(JOB_ID, OTHER_MINER_ID, 40, RENEWED_LEASE_ENDS))
                .expectNoEvents()
                .expectException(rejectedWith("FORBIDDEN"));
    }

    @Test
    void progressFromAMinerWhoseLeaseLapsedIsRejected() {
        fixture.givenCurrentTime(SUBMITTED_AT)
                .andGiven(submitted(), assigned(), leaseLapsed(1, LEASE_ENDS))
                .andGivenCurrentTime(LEASE_ENDS.plusSeconds(1))
                .when(new ReportJobProgressCommand(JOB_ID, MINER_ID, 90, LEASE_ENDS.plus(LEASE)))
                .expectNoEvents()
                .expectException(rejectedWith("FORBIDDEN"));
    }

    @ParameterizedTest
    @MethodSource("io.aitbc.coordinator.job.JobHistory#finishedJobs")
    void progressOnAFinishedJobIsRejected(List<Object> history) {
        fixture.givenCurrentTime(SUBMITTED_AT)
                .andGiven(history)
                .andGivenCurrentTime(DURING_LEASE.plusSeconds(1))
                .when(new ReportJobProgressCommand(JOB_ID, MINER_ID, 40, RENEWED_LEASE_ENDS))
                .expectNoEvents()
                .expectException(rejectedWith("JOB_ALREADY_COMPLETED"));
    }
}
