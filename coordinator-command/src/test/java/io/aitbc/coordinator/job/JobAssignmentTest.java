package io.aitbc.coordinator.job;

import io.aitbc.coordinator.job.api.AssignJobCommand;
import io.aitbc.coordinator.job.api.JobAssignedEvent;
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
import static io.aitbc.coordinator.job.JobHistory.ASSIGNED_AT;
import static io.aitbc.coordinator.job.JobHistory.EXPIRES_AT;
import static io.aitbc.coordinator.job.JobHistory.JOB_ID;
import static io.aitbc.coordinator.job.JobHistory.LEASE;
import static io.aitbc.coordinator.job.JobHistory.LEASE_ENDS;
import static io.aitbc.coordinator.job.JobHistory.MINER_ID;
import static io.aitbc.coordinator.job.JobHistory.OFFER_ID;
import static io.aitbc.coordinator.job.JobHistory.OTHER_MINER_ID;
import static io.aitbc.coordinator.job.JobHistory.PRICE_PER_TOKEN;
import static io.aitbc.coordinator.job.JobHistory.SUBMITTED_AT;
import static io.aitbc.coordinator.job.JobHistory.TOKENS;
import static io.aitbc.coordinator.job.JobHistory.assigned;
import static io.aitbc.coordinator.job.JobHistory.leaseLapsed;
import static io.aitbc.coordinator.job.JobHistory.submitted;

class JobAssignmentTest {

    private FixtureConfiguration<JobAggregate> fixture;

    @BeforeEach
    void createFixture() {
        fixture = new AggregateTestFixture<>(JobAggregate.class);
    }

    @Test
    void queuedJobIsAssignedAsItsFirstAttempt() {
        fixture.givenCurrentTime(SUBMITTED_AT)
                .andGiven(submitted())
                .andGivenCurrentTime(ASSIGNED_AT)
                .when(assign(MINER_ID, ASSIGNED_AT))
                .expectSuccessfulHandlerExecution()
                .expectEvents(new JobAssignedEvent(JOB_ID, MINER_ID, OFFER_ID, PRICE_PER_TOKEN, TOKENS, 1,
                        ASSIGNED_AT, LEASE_ENDS));
    }

    @Test
    void requeuedJobIsAssignedAsItsNextAttempt() {
        Instant reassignedAt = LEASE_ENDS.plusSeconds(1);

        fixture.givenCurrentTime(SUBMITTED_AT)
                .andGiven(submitted(), assigned(), leaseLapsed(1, LEASE_ENDS))
                .andGivenCurrentTime(reassignedAt)
                .when(assign(OTHER_MINER_ID, reassignedAt))
                .expectEvents(new JobAssignedEvent(JOB_ID, OTHER_MINER_ID, OFFER_ID, PRICE_PER_TOKEN, TOKENS, 2,
                        reassignedAt, reassignedAt.plus(LEASE)));
    }

    @Test
    void jobRequeuedAfterARetryableFailureIsAssignedAsItsNextAttempt() {
        Instant failedAt = ASSIGNED_AT.plusSeconds(10);
        Instant reassignedAt = failedAt.plusSeconds(1);

        fixture.givenCurrentTime(SUBMITTED_AT)
                .andGiven(submitted(), assigned(), new JobRequeuedEvent(JOB_ID, MINER_ID, 1,
                        JobRequeuedEvent.MINER_FAILED, "DRIVER_RESET", "GPU reset", failedAt))
                .andGivenCurrentTime(reassignedAt)
                .when(assign(MINER_ID, reassignedAt))
                .expectEvents(new JobAssignedEvent(JOB_ID, MINER_ID, OFFER_ID, PRICE_PER_TOKEN, TOKENS, 2,
                        reassignedAt, reassignedAt.plus(LEASE)));
    }

    @Test
    void runningJobCannotBeAssignedAgain() {
        fixture.givenCurrentTime(SUBMITTED_AT)
                .andGiven(submitted(), assigned())
                .andGivenCurrentTime(ASSIGNED_AT.plusSeconds(1))
                .when(assign(OTHER_MINER_ID, ASSIGNED_AT.plusSeconds(1)))
                .expectNoEvents()
                .expectException(rejectedWith("INVALID_STATE"))
                .expectExceptionMessage("Job " + JOB_ID + " is running and cannot be assigned");
    }

    @ParameterizedTest
    @MethodSource("io.aitbc.coordinator.job.JobHistory#finishedJobs")
    void finishedJobCannotBeAssigned(List<Object> history) {
        fixture.givenCurrentTime(SUBMITTED_AT)
                .andGiven(history)
                .andGivenCurrentTime(LEASE_ENDS)
                .when(assign(OTHER_MINER_ID, LEASE_ENDS))
                .expectNoEvents()
                .expectException(rejectedWith("JOB_ALREADY_COMPLETED"));
    }

    @Test
    void queuedJobWhoseTimeToLiveHasPassedCannotBeAssigned() {
        // the expiry command may not have run yet when a miner claims the job
        Instant afterExpiry = EXPIRES_AT.plusMillis(1);

        fixture.givenCurrentTime(SUBMITTED_AT)
                .andGiven(submitted())
                .andGivenCurrentTime(afterExpiry)
                .when(assign(MINER_ID, afterExpiry))
                .expectNoEvents()
                .expectException(rejectedWith("INVALID_STATE"))
                .expectExceptionMessage("Job " + JOB_ID + " has expired");
    }

    @Test
    void queuedJobCannotBeAssignedAtTheInstantItExpires() {
        fixture.givenCurrentTime(SUBMITTED_AT)
                .andGiven(submitted())
                .andGivenCurrentTime(EXPIRES_AT)
                .when(assign(MINER_ID, EXPIRES_AT))
                .expectNoEvents()
                .expectException(rejectedWith("INVALID_STATE"));
    }

    private static AssignJobCommand assign(String minerId, Instant at) {
        return new AssignJobCommand(JOB_ID, minerId, OFFER_ID, PRICE_PER_TOKEN, TOKENS, at.plus(LEASE));
    }
}
