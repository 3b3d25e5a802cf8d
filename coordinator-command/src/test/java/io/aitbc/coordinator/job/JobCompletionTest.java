package io.aitbc.coordinator.job;

import io.aitbc.coordinator.common.api.Ids;
import io.aitbc.coordinator.job.api.CompleteJobCommand;
import io.aitbc.coordinator.job.api.JobAssignedEvent;
import io.aitbc.coordinator.job.api.JobCompletedEvent;
import org.axonframework.test.aggregate.AggregateTestFixture;
import org.axonframework.test.aggregate.FixtureConfiguration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static io.aitbc.coordinator.common.api.Rejections.rejectedWith;
import static io.aitbc.coordinator.job.FixtureMatchers.onlyEvent;
import static io.aitbc.coordinator.job.FixtureMatchers.satisfying;
import static io.aitbc.coordinator.job.JobHistory.DURING_LEASE;
import static io.aitbc.coordinator.job.JobHistory.JOB_ID;
import static io.aitbc.coordinator.job.JobHistory.LEASE;
import static io.aitbc.coordinator.job.JobHistory.LEASE_ENDS;
import static io.aitbc.coordinator.job.JobHistory.MINER_ID;
import static io.aitbc.coordinator.job.JobHistory.OTHER_MINER_ID;
import static io.aitbc.coordinator.job.JobHistory.OTHER_RESULT_SHA256;
import static io.aitbc.coordinator.job.JobHistory.PRICE_PER_JOB;
import static io.aitbc.coordinator.job.JobHistory.RECEIPT_ID;
import static io.aitbc.coordinator.job.JobHistory.RESULT;
import static io.aitbc.coordinator.job.JobHistory.RESULT_SHA256;
import static io.aitbc.coordinator.job.JobHistory.SUBMITTED_AT;
import static io.aitbc.coordinator.job.JobHistory.TOKENS;
import static io.aitbc.coordinator.job.JobHistory.assigned;
import static io.aitbc.coordinator.job.JobHistory.assignedPerJob;
import static io.aitbc.coordinator.job.JobHistory.completed;
import static io.aitbc.coordinator.job.JobHistory.completion;
import static io.aitbc.coordinator.job.JobHistory.leaseLapsed;
import static io.aitbc.coordinator.job.JobHistory.metrics;
import static io.aitbc.coordinator.job.JobHistory.submitted;
import static org.assertj.core.api.Assertions.assertThat;

class JobCompletionTest {

    private static final BigDecimal TOKENS_USED = new BigDecimal("300");

    private FixtureConfiguration<JobAggregate> fixture;

    @BeforeEach
    void createFixture() {
        fixture = new AggregateTestFixture<>(JobAggregate.class);
    }

    @Test
    void priceIsUnitsTimesUnitPriceExactly() {
        fixture.givenCurrentTime(SUBMITTED_AT)
                .andGiven(submitted(), assigned())
                .andGivenCurrentTime(DURING_LEASE)
                .when(completion(new BigDecimal("123.456"), TOKENS))
                .expectSuccessfulHandlerExecution()
                .expectEventsMatching(onlyEvent(JobCompletedEvent.class, event -> {
                    assertThat(event.units()).isEqualByComparingTo("123.456");
                    assertThat(event.unitType()).isEqualTo(TOKENS);
                    assertThat(event.unitPrice()).isEqualByComparingTo("0.0000125");
                    assertThat(event.price()).isEqualByComparingTo("0.00154320");
                }));
    }

    @Test
    void completionCarriesEveryFactItsReceiptStates() {
        fixture.givenCurrentTime(SUBMITTED_AT)
                .andGiven(submitted(), assigned())
                .andGivenCurrentTime(DURING_LEASE)
                .when(completion(TOKENS_USED, TOKENS))
                .expectEventsMatching(onlyEvent(JobCompletedEvent.class, event -> assertThat(event)
                        .usingRecursiveComparison()
                        .ignoringFields("receiptId")
                        .withComparatorForType(BigDecimal::compareTo, BigDecimal.class)
                        .isEqualTo(completed())));
    }

    @Test
    void completionAnswersTheReceiptIdItsEventCarries() {
        // the fixture checks expectations in the order they are written: the event's id is known first
        List<String> announced = new ArrayList<>();
        // the receipt id starts with the completion time, so receipts sort by completion
        String completionTimePart = Ids.newId("rcpt", DURING_LEASE).substring(0, "rcpt_".length() + 10);

        fixture.givenCurrentTime(SUBMITTED_AT)
                .andGiven(submitted(), assigned())
                .andGivenCurrentTime(DURING_LEASE)
                .when(completion(TOKENS_USED, TOKENS))
                .expectEventsMatching(onlyEvent(JobCompletedEvent.class, event -> announced.add(event.receiptId())))
                .expectResultMessagePayloadMatching(satisfying(String.class, receiptId -> {
                    assertThat(receiptId).isEqualTo(announced.get(0));
                    assertThat(Ids.isWellFormed(receiptId, "rcpt")).isTrue();
                    assertThat(receiptId).startsWith(completionTimePart);
                }));
    }

    @Test
    void jobSoldPerJobBillsOneUnitWhateverTheMinerCounted() {
        fixture.givenCurrentTime(SUBMITTED_AT)
                .andGiven(submitted(), assignedPerJob())
                .andGivenCurrentTime(DURING_LEASE)
                .when(completion(TOKENS_USED, TOKENS))
                .expectEventsMatching(onlyEvent(JobCompletedEvent.class, event -> {
                    assertThat(event.units()).isEqualByComparingTo(BigDecimal.ONE);
                    assertThat(event.unitType()).isEqualTo("job");
                    assertThat(event.price()).isEqualByComparingTo(PRICE_PER_JOB);
                }));
    }

    @Test
    void jobSoldPerJobNeedsNoUnitCount() {
        fixture.givenCurrentTime(SUBMITTED_AT)
                .andGiven(submitted(), assignedPerJob())
                .andGivenCurrentTime(DURING_LEASE)
                .when(completion(null, null))
                .expectEventsMatching(onlyEvent(JobCompletedEvent.class,
                        event -> assertThat(event.price()).isEqualByComparingTo(PRICE_PER_JOB)));
    }

    @Test
    void unitTypeOtherThanTheAgreedOneIsRejected() {
        fixture.givenCurrentTime(SUBMITTED_AT)
                .andGiven(submitted(), assigned())
                .andGivenCurrentTime(DURING_LEASE)
                .when(completion(TOKENS_USED, "second"))
                .expectNoEvents()
                .expectException(rejectedWith("VALIDATION_FAILED"))
                .expectExceptionMessage("metrics.unit_type must be 'token', the unit agreed for this job");
    }

    @Test
    void unitTypeMayBeLeftOutWhenTheUnitsAreCounted() {
        fixture.givenCurrentTime(SUBMITTED_AT)
                .andGiven(submitted(), assigned())
                .andGivenCurrentTime(DURING_LEASE)
                .when(completion(TOKENS_USED, null))
                .expectEventsMatching(onlyEvent(JobCompletedEvent.class, event -> {
                    assertThat(event.unitType()).isEqualTo(TOKENS);
                    assertThat(event.price()).isEqualByComparingTo("0.00375");
                }));
    }

    @Test
    void missingUnitsAreRejected() {
        fixture.givenCurrentTime(SUBMITTED_AT)
                .andGiven(submitted(), assigned())
                .andGivenCurrentTime(DURING_LEASE)
                .when(completion(null, TOKENS))
                .expectNoEvents()
                .expectException(rejectedWith("VALIDATION_FAILED"))
                .expectExceptionMessage("metrics.units must state how many token the job used");
    }

    @Test
    void negativeUnitsAreRejected() {
        fixture.givenCurrentTime(SUBMITTED_AT)
                .andGiven(submitted(), assigned())
                .andGivenCurrentTime(DURING_LEASE)
                .when(completion(new BigDecimal("-1"), TOKENS))
                .expectNoEvents()
                .expectException(rejectedWith("VALIDATION_FAILED"));
    }

    @Test
    void zeroUnitsCostNothing() {
        fixture.givenCurrentTime(SUBMITTED_AT)
                .andGiven(submitted(), assigned())
                .andGivenCurrentTime(DURING_LEASE)
                .when(completion(BigDecimal.ZERO, TOKENS))
                .expectEventsMatching(onlyEvent(JobCompletedEvent.class,
                        event -> assertThat(event.price()).isZero()));
    }

    @Test
    void completionBillsTheAgreementOfTheAttemptThatRan() {
        Instant reassignedAt = LEASE_ENDS.plusSeconds(1);
        Instant completedAt = reassignedAt.plusSeconds(20);

        fixture.givenCurrentTime(SUBMITTED_AT)
                .andGiven(submitted(), assigned(), leaseLapsed(1, LEASE_ENDS), new JobAssignedEvent(JOB_ID,
                        OTHER_MINER_ID, null, PRICE_PER_JOB, "job", 2, reassignedAt, reassignedAt.plus(LEASE)))
                .andGivenCurrentTime(completedAt)
                .when(new CompleteJobCommand(JOB_ID, OTHER_MINER_ID, RESULT, RESULT_SHA256, null, null, null, null))
                .expectEventsMatching(onlyEvent(JobCompletedEvent.class, event -> {
                    assertThat(event.minerId()).isEqualTo(OTHER_MINER_ID);
                    assertThat(event.offerId()).isNull();
                    assertThat(event.attempt()).isEqualTo(2);
                    assertThat(event.startedAt()).isEqualTo(reassignedAt);
                    assertThat(event.completedAt()).isEqualTo(completedAt);
                    assertThat(event.unitType()).isEqualTo("job");
                    assertThat(event.price()).isEqualByComparingTo(PRICE_PER_JOB);
                }));
    }

    @Test
    void repeatedIdenticalReportAnswersTheSameReceiptIdAndChangesNothing() {
        fixture.givenCurrentTime(SUBMITTED_AT)
                .andGiven(submitted(), assigned(), completed())
                .andGivenCurrentTime(DURING_LEASE.plusSeconds(5))
                .when(completion(TOKENS_USED, TOKENS))
                .expectSuccessfulHandlerExecution()
                .expectNoEvents()
                .expectResultMessagePayload(RECEIPT_ID);
    }

    @Test
    void differentResultForACompletedJobIsRejected() {
        fixture.givenCurrentTime(SUBMITTED_AT)
                .andGiven(submitted(), assigned(), completed())
                .andGivenCurrentTime(DURING_LEASE.plusSeconds(5))
                .when(new CompleteJobCommand(JOB_ID, MINER_ID, RESULT, OTHER_RESULT_SHA256, TOKENS_USED, TOKENS,
                        metrics(TOKENS_USED), null))
                .expectNoEvents()
                .expectException(rejectedWith("JOB_ALREADY_COMPLETED"))
                .expectExceptionMessage("Job " + JOB_ID + " was already completed with another result");
    }

    @Test
    void reportFromAnotherMinerForACompletedJobIsRejected() {
        fixture.givenCurrentTime(SUBMITTED_AT)
                .andGiven(submitted(), assigned(), completed())
                .andGivenCurrentTime(DURING_LEASE.plusSeconds(5))
                .when(new CompleteJobCommand(JOB_ID, OTHER_MINER_ID, RESULT, RESULT_SHA256, TOKENS_USED, TOKENS,
                        metrics(TOKENS_USED), null))
                .expectNoEvents()
                .expectException(rejectedWith("FORBIDDEN"));
    }

    @Test
    void resultFromAnotherMinerIsRejected() {
        fixture.givenCurrentTime(SUBMITTED_AT)
                .andGiven(submitted(), assigned())
                .andGivenCurrentTime(DURING_LEASE)
                .when(new CompleteJobCommand(JOB_ID, OTHER_MINER_ID, RESULT, RESULT_SHA256, TOKENS_USED, TOKENS,
                        metrics(TOKENS_USED), null))
                .expectNoEvents()
                .expectException(rejectedWith("FORBIDDEN"))
                .expectExceptionMessage("Job " + JOB_ID + " is not assigned to this miner");
    }

    @Test
    void resultFromAMinerWhoseLeaseLapsedIsRejected() {
        fixture.givenCurrentTime(SUBMITTED_AT)
                .andGiven(submitted(), assigned(), leaseLapsed(1, LEASE_ENDS))
                .andGivenCurrentTime(LEASE_ENDS.plusSeconds(1))
                .when(completion(TOKENS_USED, TOKENS))
                .expectNoEvents()
                .expectException(rejectedWith("FORBIDDEN"));
    }

    @ParameterizedTest
    @MethodSource("io.aitbc.coordinator.job.JobHistory#jobsEndedWithoutResult")
    void resultForAJobThatEndedOtherwiseIsRejected(List<Object> history) {
        fixture.givenCurrentTime(SUBMITTED_AT)
                .andGiven(history)
                .andGivenCurrentTime(DURING_LEASE.plusSeconds(1))
                .when(completion(TOKENS_USED, TOKENS))
                .expectNoEvents()
                .expectException(rejectedWith("JOB_ALREADY_COMPLETED"));
    }
}
