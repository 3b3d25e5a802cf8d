package io.aitbc.coordinator.job;

import io.aitbc.coordinator.job.api.FailJobCommand;
import io.aitbc.coordinator.job.api.JobFailedEvent;
import io.aitbc.coordinator.job.api.JobRequeuedEvent;
import org.axonframework.test.aggregate.AggregateTestFixture;
import org.axonframework.test.aggregate.FixtureConfiguration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Instant;
import java.util.List;

import static io.aitbc.coordinator.common.api.Rejections.rejectedWith;
import static io.aitbc.coordinator.job.JobHistory.DURING_LEASE;
import static io.aitbc.coordinator.job.JobHistory.JOB_ID;
import static io.aitbc.coordinator.job.JobHistory.LEASE_ENDS;
import static io.aitbc.coordinator.job.JobHistory.MINER_ID;
import static io.aitbc.coordinator.job.JobHistory.OTHER_MINER_ID;
import static io.aitbc.coordinator.job.JobHistory.SUBMITTED_AT;
import static io.aitbc.coordinator.job.JobHistory.assigned;
import static io.aitbc.coordinator.job.JobHistory.leaseLapsed;
import static io.aitbc.coordinator.job.JobHistory.submitted;

class JobFailureTest {

    private static final String ERROR_CODE = "OUT_OF_MEMORY";
    private static final String ERROR_MESSAGE = "CUDA out of memory";

    private FixtureConfiguration<JobAggregate> fixture;

    @BeforeEach
    void createFixture() {
        fixture = new AggregateTestFixture<>(JobAggregate.class);
    }

    @Test
    void retryableFailureWithAttemptsLeftPutsTheJobBackInTheQueue() {
        fixture.givenCurrentTime(SUBMITTED_AT)
                .andGiven(submitted(), assigned())
                .andGivenCurrentTime(DURING_LEASE)
                .when(new FailJobCommand(JOB_ID, MINER_ID, ERROR_CODE, ERROR_MESSAGE, true))
                .expectSuccessfulHandlerExecution()
                .expectEvents(new JobRequeuedEvent(JOB_ID, MINER_ID, 1, JobRequeuedEvent.MINER_FAILED, ERROR_CODE,
                        ERROR_MESSAGE, DURING_LEASE));
    }

    @Test
    void failureThatIsNotRetryableFailsTheJob() {
        fixture.givenCurrentTime(SUBMITTED_AT)
                .andGiven(submitted(), assigned())
                .andGivenCurrentTime(DURING_LEASE)
                .when(new FailJobCommand(JOB_ID, MINER_ID, ERROR_CODE, ERROR_MESSAGE, false))
                .expectEvents(new JobFailedEvent(JOB_ID, MINER_ID, 1, ERROR_CODE, ERROR_MESSAGE, DURING_LEASE));
    }

    @Test
    void retryableFailureOfTheLastAttemptFailsTheJob() {
        Instant reassignedAt = LEASE_ENDS.plusSeconds(1);
        Instant failedAt = reassignedAt.plusSeconds(10);

        fixture.givenCurrentTime(SUBMITTED_AT)
                .andGiven(submitted(2), assigned(), leaseLapsed(1, LEASE_ENDS), assigned(MINER_ID, 2, reassignedAt))
                .andGivenCurrentTime(failedAt)
                .when(new FailJobCommand(JOB_ID, MINER_ID, ERROR_CODE, ERROR_MESSAGE, true))
                .expectEvents(new JobFailedEvent(JOB_ID, MINER_ID, 2, ERROR_CODE, ERROR_MESSAGE, failedAt));
    }

    @Test
    void failureReportedByAnotherMinerIsRejected() {
        fixture.givenCurrentTime(SUBMITTED_AT)
                .andGiven(submitted(), assigned())
                .andGivenCurrentTime(DURING_LEASE)
                .when(new FailJobCommand(JOB_ID, OTHER_MINER_ID, ERROR_CODE, ERROR_MESSAGE, true))
                .expectNoEvents()
                .expectException(rejectedWith("FORBIDDEN"));
    }

    @Test
    void failureOfAQueuedJobIsRejected() {
        fixture.givenCurrentTime(SUBMITTED_AT)
                .andGiven(submitted(), assigned(), leaseLapsed(1, LEASE_ENDS))
                .andGivenCurrentTime(LEASE_ENDS.plusSeconds(1))
                .when(new FailJobCommand(JOB_ID, MINER_ID, ERROR_CODE, ERROR_MESSAGE, false))
                .expectNoEvents()
                .expectException(rejectedWith("FORBIDDEN"));
    }

    @ParameterizedTest
    @MethodSource("io.aitbc.coordinator.job.JobHistory#finishedJobs")
    void failureOfAFinishedJobIsRejected(List<Object> history) {
        fixture.givenCurrentTime(SUBMITTED_AT)
                .andGiven(history)
                .andGivenCurrentTime(DURING_LEASE.plusSeconds(1))
                .when(new FailJobCommand(JOB_ID, MINER_ID, ERROR_CODE, ERROR_MESSAGE, true))
                .expectNoEvents()
                .expectException(rejectedWith("JOB_ALREADY_COMPLETED"));
    }
}
