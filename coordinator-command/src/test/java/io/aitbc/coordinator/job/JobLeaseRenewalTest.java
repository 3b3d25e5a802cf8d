package io.aitbc.coordinator.job;

import io.aitbc.coordinator.job.api.JobLeaseRenewedEvent;
import io.aitbc.coordinator.job.api.RenewJobLeaseCommand;
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

class JobLeaseRenewalTest {

    private static final Instant RENEWED_LEASE_ENDS = DURING_LEASE.plus(LEASE);

    private FixtureConfiguration<JobAggregate> fixture;

    @BeforeEach
    void createFixture() {
        fixture = new AggregateTestFixture<>(JobAggregate.class);
    }

    @Test
    void assignedMinerRenewsItsLease() {
        fixture.givenCurrentTime(SUBMITTED_AT)
                .andGiven(submitted(), assigned())
                .andGivenCurrentTime(DURING_LEASE)
                .when(new RenewJobLeaseCommand(JOB_ID, MINER_ID, RENEWED_LEASE_ENDS))
                .expectSuccessfulHandlerExecution()
                .expectEvents(new JobLeaseRenewedEvent(JOB_ID, MINER_ID, 1, RENEWED_LEASE_ENDS));
    }

    @Test
    void renewalNamesTheCurrentAttempt() {
        Instant reassignedAt = LEASE_ENDS.plusSeconds(1);

        fixture.givenCurrentTime(SUBMITTED_AT)
                .andGiven(submitted(), assigned(), leaseLapsed(1, LEASE_ENDS), assigned(MINER_ID, 2, reassignedAt))
                .andGivenCurrentTime(reassignedAt.plusSeconds(30))
                .when(new RenewJobLeaseCommand(JOB_ID, MINER_ID, reassignedAt.plusSeconds(90)))
                .expectEvents(new JobLeaseRenewedEvent(JOB_ID, MINER_ID, 2, reassignedAt.plusSeconds(90)));
    }

    @Test
    void leaseOfAnotherMinersJobCannotBeRenewed() {
        fixture.givenCurrentTime(SUBMITTED_AT)
                .andGiven(submitted(), assigned())
                .andGivenCurrentTime(DURING_LEASE)
                .when(new RenewJobLeaseCommand(JOB_ID, OTHER_MINER_ID, RENEWED_LEASE_ENDS))
                .expectNoEvents()
                .expectException(rejectedWith("FORBIDDEN"))
                .expectExceptionMessage("Job " + JOB_ID + " is not assigned to this miner");
    }

    @Test
    void queuedJobHasNoLeaseToRenew() {
        fixture.givenCurrentTime(SUBMITTED_AT)
                .andGiven(submitted())
                .andGivenCurrentTime(ASSIGNED_AT)
                .when(new RenewJobLeaseCommand(JOB_ID, MINER_ID, LEASE_ENDS))
                .expectNoEvents()
                .expectException(rejectedWith("FORBIDDEN"));
    }

    @Test
    void minerWhoseLeaseLapsedCannotRenewIt() {
        // the job went back to the queue; a late heartbeat must not take it back
        fixture.givenCurrentTime(SUBMITTED_AT)
                .andGiven(submitted(), assigned(), leaseLapsed(1, LEASE_ENDS))
                .andGivenCurrentTime(LEASE_ENDS.plusSeconds(1))
                .when(new RenewJobLeaseCommand(JOB_ID, MINER_ID, LEASE_ENDS.plus(LEASE)))
                .expectNoEvents()
                .expectException(rejectedWith("FORBIDDEN"));
    }

    @ParameterizedTest
    @MethodSource("io.aitbc.coordinator.job.JobHistory#finishedJobs")
    void leaseOfAFinishedJobCannotBeRenewed(List<Object> history) {
        fixture.givenCurrentTime(SUBMITTED_AT)
                .andGiven(history)
                .andGivenCurrentTime(DURING_LEASE.plusSeconds(1))
                .when(new RenewJobLeaseCommand(JOB_ID, MINER_ID, RENEWED_LEASE_ENDS))
                .expectNoEvents()
                .expectException(rejectedWith("JOB_ALREADY_COMPLETED"));
    }
}
