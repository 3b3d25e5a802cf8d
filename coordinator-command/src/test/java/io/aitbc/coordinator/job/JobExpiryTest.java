package io.aitbc.coordinator.job;

import io.aitbc.coordinator.job.api.ExpireJobCommand;
import io.aitbc.coordinator.job.api.JobExpiredEvent;
import io.aitbc.coordinator.job.api.JobStatus;
import org.axonframework.test.aggregate.AggregateTestFixture;
import org.axonframework.test.aggregate.FixtureConfiguration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;

import static io.aitbc.coordinator.job.JobHistory.EXPIRES_AT;
import static io.aitbc.coordinator.job.JobHistory.JOB_ID;
import static io.aitbc.coordinator.job.JobHistory.LEASE_ENDS;
import static io.aitbc.coordinator.job.JobHistory.MINER_ID;
import static io.aitbc.coordinator.job.JobHistory.SUBMITTED_AT;
import static io.aitbc.coordinator.job.JobHistory.assigned;
import static io.aitbc.coordinator.job.JobHistory.leaseLapsed;
import static io.aitbc.coordinator.job.JobHistory.submitted;

class JobExpiryTest {

    private FixtureConfiguration<JobAggregate> fixture;

    @BeforeEach
    void createFixture() {
        fixture = new AggregateTestFixture<>(JobAggregate.class);
    }

    @Test
    void queuedJobExpiresWhenItsTimeToLivePasses() {
        fixture.givenCurrentTime(SUBMITTED_AT)
                .andGiven(submitted())
                .andGivenCurrentTime(EXPIRES_AT)
                .when(new ExpireJobCommand(JOB_ID))
                .expectSuccessfulHandlerExecution()
                .expectEvents(new JobExpiredEvent(JOB_ID, null, JobStatus.QUEUED, EXPIRES_AT))
                .expectResultMessagePayload(true);
    }

    @Test
    void runningJobExpiresWhenItsTimeToLivePasses() {
        fixture.givenCurrentTime(SUBMITTED_AT)
                .andGiven(submitted(), assigned())
                .andGivenCurrentTime(EXPIRES_AT.plusSeconds(2))
                .when(new ExpireJobCommand(JOB_ID))
                .expectEvents(new JobExpiredEvent(JOB_ID, MINER_ID, JobStatus.RUNNING, EXPIRES_AT.plusSeconds(2)))
                .expectResultMessagePayload(true);
    }

    @Test
    void requeuedJobExpiresWithoutItsFormerMiner() {
        fixture.givenCurrentTime(SUBMITTED_AT)
                .andGiven(submitted(), assigned(), leaseLapsed(1, LEASE_ENDS))
                .andGivenCurrentTime(EXPIRES_AT)
                .when(new ExpireJobCommand(JOB_ID))
                .expectEvents(new JobExpiredEvent(JOB_ID, null, JobStatus.QUEUED, EXPIRES_AT));
    }

    @Test
    void jobWithTimeLeftIsKept() {
        fixture.givenCurrentTime(SUBMITTED_AT)
                .andGiven(submitted(), assigned())
                .andGivenCurrentTime(EXPIRES_AT.minusMillis(1))
                .when(new ExpireJobCommand(JOB_ID))
                .expectNoEvents()
                .expectResultMessagePayload(false);
    }

    @ParameterizedTest
    @MethodSource("io.aitbc.coordinator.job.JobHistory#finishedJobs")
    void finishedJobIsNotExpired(List<Object> history) {
        fixture.givenCurrentTime(SUBMITTED_AT)
                .andGiven(history)
                .andGivenCurrentTime(EXPIRES_AT.plusSeconds(1))
                .when(new ExpireJobCommand(JOB_ID))
                .expectNoEvents()
                .expectResultMessagePayload(false);
    }
}
