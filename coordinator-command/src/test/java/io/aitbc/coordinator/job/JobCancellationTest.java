package io.aitbc.coordinator.job;

import io.aitbc.coordinator.job.api.CancelJobCommand;
import io.aitbc.coordinator.job.api.JobCanceledEvent;
import io.aitbc.coordinator.job.api.JobStatus;
import org.axonframework.test.aggregate.AggregateTestFixture;
import org.axonframework.test.aggregate.FixtureConfiguration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;

import static io.aitbc.coordinator.common.api.Rejections.rejectedWith;
import static io.aitbc.coordinator.job.JobHistory.ASSIGNED_AT;
import static io.aitbc.coordinator.job.JobHistory.CLIENT_ID;
import static io.aitbc.coordinator.job.JobHistory.DURING_LEASE;
import static io.aitbc.coordinator.job.JobHistory.JOB_ID;
import static io.aitbc.coordinator.job.JobHistory.MINER_ID;
import static io.aitbc.coordinator.job.JobHistory.SUBMITTED_AT;
import static io.aitbc.coordinator.job.JobHistory.assigned;
import static io.aitbc.coordinator.job.JobHistory.submitted;

class JobCancellationTest {

    private FixtureConfiguration<JobAggregate> fixture;

    @BeforeEach
    void createFixture() {
        fixture = new AggregateTestFixture<>(JobAggregate.class);
    }

    @Test
    void queuedJobIsCanceled() {
        fixture.givenCurrentTime(SUBMITTED_AT)
                .andGiven(submitted())
                .andGivenCurrentTime(ASSIGNED_AT)
                .when(new CancelJobCommand(JOB_ID, CLIENT_ID))
                .expectSuccessfulHandlerExecution()
                .expectEvents(new JobCanceledEvent(JOB_ID, null, JobStatus.QUEUED, CLIENT_ID, ASSIGNED_AT));
    }

    @Test
    void runningJobIsCanceledAndNamesTheMinerRunningIt() {
        fixture.givenCurrentTime(SUBMITTED_AT)
                .andGiven(submitted(), assigned())
                .andGivenCurrentTime(DURING_LEASE)
                .when(new CancelJobCommand(JOB_ID, "admin"))
                .expectEvents(new JobCanceledEvent(JOB_ID, MINER_ID, JobStatus.RUNNING, "admin", DURING_LEASE));
    }

    @ParameterizedTest
    @MethodSource("io.aitbc.coordinator.job.JobHistory#finishedJobs")
    void finishedJobCannotBeCanceled(List<Object> history) {
        fixture.givenCurrentTime(SUBMITTED_AT)
                .andGiven(history)
                .andGivenCurrentTime(DURING_LEASE.plusSeconds(1))
                .when(new CancelJobCommand(JOB_ID, CLIENT_ID))
                .expectNoEvents()
                .expectException(rejectedWith("JOB_ALREADY_COMPLETED"));
    }

    @Test
    void rejectionOfACancellationSaysHowTheJobEnded() {
        fixture.givenCurrentTime(SUBMITTED_AT)
                .andGiven(submitted(), assigned(), JobHistory.failed())
                .andGivenCurrentTime(DURING_LEASE.plusSeconds(1))
                .when(new CancelJobCommand(JOB_ID, CLIENT_ID))
                .expectException(rejectedWith("JOB_ALREADY_COMPLETED"))
                .expectExceptionMessage("Job " + JOB_ID + " is already failed");
    }
}
