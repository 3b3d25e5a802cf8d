package io.aitbc.coordinator.job;

import io.aitbc.coordinator.job.api.ExpireJobLeaseCommand;
import io.aitbc.coordinator.job.api.JobFailedEvent;
import io.aitbc.coordinator.job.api.JobLeaseRenewedEvent;
import io.aitbc.coordinator.job.api.JobProgressReportedEvent;
import io.aitbc.coordinator.job.api.JobRequeuedEvent;
import io.aitbc.coordinator.job.api.ReleaseUnheldJobCommand;
import org.axonframework.test.aggregate.AggregateTestFixture;
import org.axonframework.test.aggregate.FixtureConfiguration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Instant;
import java.util.List;

import static io.aitbc.coordinator.job.JobHistory.ASSIGNED_AT;
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

class JobLeaseExpiryTest {

    private FixtureConfiguration<JobAggregate> fixture;

    @BeforeEach
    void createFixture() {
        fixture = new AggregateTestFixture<>(JobAggregate.class);
    }

    @Test
    void lapsedLeaseWithAttemptsLeftPutsTheJobBackInTheQueue() {
        fixture.givenCurrentTime(SUBMITTED_AT)
                .andGiven(submitted(), assigned())
                .andGivenCurrentTime(LEASE_ENDS)
                .when(new ExpireJobLeaseCommand(JOB_ID, 1))
                .expectSuccessfulHandlerExecution()
                .expectEvents(new JobRequeuedEvent(JOB_ID, MINER_ID, 1, JobRequeuedEvent.LEASE_EXPIRED,
                        "LEASE_EXPIRED", "Miner " + MINER_ID + " did not renew its lease", LEASE_ENDS))
                .expectResultMessagePayload(true);
    }

    @Test
    void lapsedLeaseOfTheLastAttemptFailsTheJob() {
        Instant secondAssignment = LEASE_ENDS.plusSeconds(1);
        Instant secondLeaseEnds = secondAssignment.plus(LEASE);

        fixture.givenCurrentTime(SUBMITTED_AT)
                .andGiven(submitted(2), assigned(), leaseLapsed(1, LEASE_ENDS),
                        assigned(OTHER_MINER_ID, 2, secondAssignment))
                .andGivenCurrentTime(secondLeaseEnds.plusSeconds(5))
                .when(new ExpireJobLeaseCommand(JOB_ID, 2))
                .expectEvents(new JobFailedEvent(JOB_ID, OTHER_MINER_ID, 2, "LEASE_EXPIRED",
                        "The lease of the last attempt lapsed", secondLeaseEnds.plusSeconds(5)))
                .expectResultMessagePayload(true);
    }

    @Test
    void leaseOfASingleAttemptJobFailsItWhenItLapses() {
        fixture.givenCurrentTime(SUBMITTED_AT)
                .andGiven(submitted(1), assigned())
                .andGivenCurrentTime(LEASE_ENDS)
                .when(new ExpireJobLeaseCommand(JOB_ID, 1))
                .expectEvents(new JobFailedEvent(JOB_ID, MINER_ID, 1, "LEASE_EXPIRED",
                        "The lease of the last attempt lapsed", LEASE_ENDS));
    }

    @Test
    void jobItsMinerDoesNotListIsReleasedAsIfItsLeaseLapsed() {
        fixture.givenCurrentTime(SUBMITTED_AT)
                .andGiven(submitted(), assigned())
                .andGivenCurrentTime(DURING_LEASE)
                .when(new ReleaseUnheldJobCommand(JOB_ID, MINER_ID, ASSIGNED_AT.plusMillis(1)))
                .expectEvents(new JobRequeuedEvent(JOB_ID, MINER_ID, 1, JobRequeuedEvent.LEASE_EXPIRED,
                        "LEASE_EXPIRED", "Miner " + MINER_ID + " does not hold the job: its heartbeat did not list it",
                        DURING_LEASE))
                .expectResultMessagePayload(true);
    }

    @ParameterizedTest
    @MethodSource("unheldReleasesThatChangeNothing")
    void unlistedJobIsKeptWhenItIsNotTheMinersOrItsAnswerMayStillBeOnItsWay(String miner, Instant assignedBefore) {
        fixture.givenCurrentTime(SUBMITTED_AT)
                .andGiven(submitted(), assigned())
                .andGivenCurrentTime(DURING_LEASE)
                .when(new ReleaseUnheldJobCommand(JOB_ID, miner, assignedBefore))
                .expectNoEvents()
                .expectResultMessagePayload(false);
    }

    static List<Object[]> unheldReleasesThatChangeNothing() {
        return List.of(
                new Object[] {OTHER_MINER_ID, DURING_LEASE},
                new Object[] {MINER_ID, ASSIGNED_AT},
                new Object[] {MINER_ID, ASSIGNED_AT.minusSeconds(1)});
    }

    @Test
    void leaseThatHasNotLapsedIsKept() {
        fixture.givenCurrentTime(SUBMITTED_AT)
                .andGiven(submitted(), assigned())
                .andGivenCurrentTime(LEASE_ENDS.minusMillis(1))
                .when(new ExpireJobLeaseCommand(JOB_ID, 1))
                .expectNoEvents()
                .expectResultMessagePayload(false);
    }

    @Test
    void renewedLeaseIsKeptPastItsFirstDeadline() {
        fixture.givenCurrentTime(SUBMITTED_AT)
                .andGiven(submitted(), assigned(), new JobLeaseRenewedEvent(JOB_ID, MINER_ID, 1,
                        DURING_LEASE.plus(LEASE)))
                .andGivenCurrentTime(LEASE_ENDS)
                .when(new ExpireJobLeaseCommand(JOB_ID, 1))
                .expectNoEvents()
                .expectResultMessagePayload(false);
    }

    @Test
    void progressReportRenewsTheLeaseToo() {
        fixture.givenCurrentTime(SUBMITTED_AT)
                .andGiven(submitted(), assigned(), new JobProgressReportedEvent(JOB_ID, MINER_ID, 1, 50,
                        DURING_LEASE, DURING_LEASE.plus(LEASE)))
                .andGivenCurrentTime(LEASE_ENDS)
                .when(new ExpireJobLeaseCommand(JOB_ID, 1))
                .expectNoEvents()
                .expectResultMessagePayload(false);
    }

    @Test
    void deadlineOfAnEarlierAttemptIsIgnored() {
        // the first attempt's deadline fires late, while the second attempt's lease has lapsed too
        Instant secondAssignment = LEASE_ENDS.plusSeconds(1);

        fixture.givenCurrentTime(SUBMITTED_AT)
                .andGiven(submitted(), assigned(), leaseLapsed(1, LEASE_ENDS),
                        assigned(OTHER_MINER_ID, 2, secondAssignment))
                .andGivenCurrentTime(secondAssignment.plus(LEASE).plusSeconds(1))
                .when(new ExpireJobLeaseCommand(JOB_ID, 1))
                .expectNoEvents()
                .expectResultMessagePayload(false);
    }

    @Test
    void requeuedJobHasNoLeaseToExpire() {
        fixture.givenCurrentTime(SUBMITTED_AT)
                .andGiven(submitted(), assigned(), leaseLapsed(1, LEASE_ENDS))
                .andGivenCurrentTime(LEASE_ENDS.plusSeconds(10))
                .when(new ExpireJobLeaseCommand(JOB_ID, 1))
                .expectNoEvents()
                .expectResultMessagePayload(false);
    }

    @ParameterizedTest
    @MethodSource("io.aitbc.coordinator.job.JobHistory#finishedJobs")
    void finishedJobHasNoLeaseToExpire(List<Object> history) {
        fixture.givenCurrentTime(SUBMITTED_AT)
                .andGiven(history)
                .andGivenCurrentTime(LEASE_ENDS.plusSeconds(10))
                .when(new ExpireJobLeaseCommand(JOB_ID, 1))
                .expectNoEvents()
                .expectResultMessagePayload(false);
    }
}
