package io.aitbc.coordinator.job;

import io.aitbc.coordinator.job.api.JobRequirements;
import io.aitbc.coordinator.job.api.JobSubmittedEvent;
import io.aitbc.coordinator.job.api.SubmitJobCommand;
import org.axonframework.test.aggregate.AggregateTestFixture;
import org.axonframework.test.aggregate.FixtureConfiguration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

import static io.aitbc.coordinator.common.api.Rejections.rejectedWith;
import static io.aitbc.coordinator.job.JobHistory.CLIENT_ID;
import static io.aitbc.coordinator.job.JobHistory.EXPIRES_AT;
import static io.aitbc.coordinator.job.JobHistory.JOB_ID;
import static io.aitbc.coordinator.job.JobHistory.PAYLOAD;
import static io.aitbc.coordinator.job.JobHistory.PAYLOAD_SHA256;
import static io.aitbc.coordinator.job.JobHistory.SUBMITTED_AT;
import static io.aitbc.coordinator.job.JobHistory.TYPE;

class JobSubmissionTest {

    private static final JobRequirements REQUIREMENTS = new JobRequirements("A100", 40, List.of("llama-3-8b"), "eu");
    private static final BigDecimal MAX_PRICE = new BigDecimal("0.002");

    private FixtureConfiguration<JobAggregate> fixture;

    @BeforeEach
    void createFixture() {
        fixture = new AggregateTestFixture<>(JobAggregate.class);
    }

    @Test
    void validSubmissionQueuesTheJob() {
        fixture.givenCurrentTime(SUBMITTED_AT)
                .when(submit(EXPIRES_AT, 3))
                .expectSuccessfulHandlerExecution()
                .expectEvents(new JobSubmittedEvent(JOB_ID, CLIENT_ID, TYPE, "greeting", PAYLOAD, PAYLOAD_SHA256,
                        REQUIREMENTS, MAX_PRICE, SUBMITTED_AT, EXPIRES_AT, 3));
    }

    @Test
    void submissionTimeIsKeptToTheMillisecond() {
        Instant now = SUBMITTED_AT.plusNanos(123_456_789);

        fixture.givenCurrentTime(now)
                .when(submit(EXPIRES_AT, 1))
                .expectEvents(new JobSubmittedEvent(JOB_ID, CLIENT_ID, TYPE, "greeting", PAYLOAD, PAYLOAD_SHA256,
                        REQUIREMENTS, MAX_PRICE, SUBMITTED_AT.plusMillis(123), EXPIRES_AT, 1));
    }

    @Test
    void maxAttemptsBelowOneIsRejected() {
        fixture.givenCurrentTime(SUBMITTED_AT)
                .when(submit(EXPIRES_AT, 0))
                .expectNoEvents()
                .expectException(rejectedWith("VALIDATION_FAILED"))
                .expectExceptionMessage("max_attempts must be at least 1");
    }

    @Test
    void jobThatExpiresAsItIsSubmittedIsRejected() {
        fixture.givenCurrentTime(SUBMITTED_AT)
                .when(submit(SUBMITTED_AT, 3))
                .expectNoEvents()
                .expectException(rejectedWith("VALIDATION_FAILED"));
    }

    @Test
    void jobThatHasAlreadyExpiredIsRejected() {
        fixture.givenCurrentTime(SUBMITTED_AT)
                .when(submit(SUBMITTED_AT.minusSeconds(1), 3))
                .expectNoEvents()
                .expectException(rejectedWith("VALIDATION_FAILED"))
                .expectExceptionMessage("The job would expire before it is queued");
    }

    private static SubmitJobCommand submit(Instant expiresAt, int maxAttempts) {
        return new SubmitJobCommand(JOB_ID, CLIENT_ID, TYPE, "greeting", PAYLOAD, PAYLOAD_SHA256, REQUIREMENTS,
                MAX_PRICE, expiresAt, maxAttempts);
    }
}
