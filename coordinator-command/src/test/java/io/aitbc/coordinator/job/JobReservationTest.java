package io.aitbc.coordinator.job;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.aitbc.coordinator.common.api.CommandRejectedException;
import io.aitbc.coordinator.job.api.AssignJobCommand;
import io.aitbc.coordinator.job.api.JobAssignedEvent;
import io.aitbc.coordinator.job.api.JobCanceledEvent;
import io.aitbc.coordinator.job.api.JobRequirements;
import io.aitbc.coordinator.job.api.JobReservationLapsedEvent;
import io.aitbc.coordinator.job.api.JobReservedEvent;
import io.aitbc.coordinator.job.api.JobStatus;
import io.aitbc.coordinator.job.api.JobSubmittedEvent;
import io.aitbc.coordinator.job.api.ReleaseJobReservationCommand;
import io.aitbc.coordinator.job.api.ReleaseJobReservationCommand.Outcome;
import io.aitbc.coordinator.job.api.ReserveJobCommand;
import org.axonframework.test.aggregate.AggregateTestFixture;
import org.axonframework.test.aggregate.FixtureConfiguration;
import org.hamcrest.FeatureMatcher;
import org.hamcrest.Matcher;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;

import static org.hamcrest.Matchers.equalTo;

/** A queued job reserved for an offer's miner: who may take it, at what terms, and when it lapses. */
class JobReservationTest {

    private static final String JOB = "job_01JEX3Q7R5M2K8ZC4W9F6B1T1A";
    private static final String CLIENT = "client_01JEX3Q7R5M2K8ZC4W9F6B1T1B";
    private static final String MINER = "miner_01JEX3Q7R5M2K8ZC4W9F6B1T1C";
    private static final String OTHER_MINER = "miner_01JEX3Q7R5M2K8ZC4W9F6B1T1D";
    private static final String OFFER = "offer_01JEX3Q7R5M2K8ZC4W9F6B1T1E";
    private static final String TXN = "txn_01JEX3Q7R5M2K8ZC4W9F6B1T1F";
    private static final BigDecimal MAX_PRICE = new BigDecimal("0.5");
    private static final BigDecimal OFFER_PRICE = new BigDecimal("0.2");
    private static final BigDecimal BID = new BigDecimal("0.3");
    private static final Instant SUBMITTED_AT = Instant.parse("2026-12-04T12:00:00.000Z");
    private static final Instant EXPIRES_AT = SUBMITTED_AT.plusSeconds(900);
    private static final Instant RESERVED_AT = SUBMITTED_AT.plusSeconds(10);
    private static final Instant RESERVED_UNTIL = RESERVED_AT.plusSeconds(60);
    private static final Instant TAKEN_AT = RESERVED_AT.plusSeconds(5);

    private FixtureConfiguration<JobAggregate> fixture;

    @BeforeEach
    void createFixture() {
        fixture = new AggregateTestFixture<>(JobAggregate.class);
    }

    @Test
    void clientReservesItsQueuedJobForTheOffersMiner() {
        fixture.givenCurrentTime(SUBMITTED_AT)
                .andGiven(submitted())
                .andGivenCurrentTime(RESERVED_AT)
                .when(reserve(CLIENT, BID))
                .expectEvents(reserved());
    }

    static Stream<Arguments> refusedReservations() {
        return Stream.of(
                Arguments.of("another client's job", List.of(submitted()), RESERVED_AT, reserve("client-b", BID),
                        "JOB_NOT_FOUND"),
                Arguments.of("bid above max_price", List.of(submitted()), RESERVED_AT,
                        reserve(CLIENT, new BigDecimal("0.51")), "VALIDATION_FAILED"),
                Arguments.of("already reserved", List.of(submitted(), reserved()), TAKEN_AT, reserve(CLIENT, BID),
                        "INVALID_STATE"),
                Arguments.of("running", List.of(submitted(), reserved(), taken()), TAKEN_AT.plusSeconds(1),
                        reserve(CLIENT, BID), "INVALID_STATE"),
                Arguments.of("canceled", List.of(submitted(), canceled()), RESERVED_AT, reserve(CLIENT, BID),
                        "JOB_ALREADY_COMPLETED"),
                Arguments.of("past its time to live", List.of(submitted()), EXPIRES_AT, reserve(CLIENT, BID),
                        "INVALID_STATE"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusedReservations")
    void reservationIsRefused(String rule, List<Object> history, Instant at, ReserveJobCommand command, String code) {
        fixture.givenCurrentTime(SUBMITTED_AT)
                .andGiven(history)
                .andGivenCurrentTime(at)
                .when(command)
                .expectNoEvents()
                .expectException(rejectedWith(code));
    }

    @Test
    void reservedMinerTakesTheJobAtTheReservedTerms() {
        // the poll's own price and unit do not count: the client bought the offer's terms
        fixture.givenCurrentTime(SUBMITTED_AT)
                .andGiven(submitted(), reserved())
                .andGivenCurrentTime(TAKEN_AT)
                .when(new AssignJobCommand(JOB, MINER, null, new BigDecimal("9"), "job", TAKEN_AT.plusSeconds(60)))
                .expectEvents(taken());
    }

    @Test
    void otherMinerCannotTakeAReservedJob() {
        fixture.givenCurrentTime(SUBMITTED_AT)
                .andGiven(submitted(), reserved())
                .andGivenCurrentTime(RESERVED_UNTIL.plusSeconds(1))
                .when(new AssignJobCommand(JOB, OTHER_MINER, null, OFFER_PRICE, "job", RESERVED_UNTIL.plusSeconds(61)))
                .expectNoEvents()
                .expectException(rejectedWith("INVALID_STATE"));
    }

    @Test
    void reservationLapsesAtItsTime() {
        fixture.givenCurrentTime(SUBMITTED_AT)
                .andGiven(submitted(), reserved())
                .andGivenCurrentTime(RESERVED_UNTIL)
                .when(new ReleaseJobReservationCommand(JOB, TXN))
                .expectResultMessagePayload(Outcome.LAPSED)
                .expectEvents(new JobReservationLapsedEvent(JOB, MINER, OFFER, TXN, RESERVED_UNTIL));
    }

    @Test
    void lapsedJobGoesToAnyMinerAtItsOwnPrice() {
        Instant after = RESERVED_UNTIL.plusSeconds(1);
        fixture.givenCurrentTime(SUBMITTED_AT)
                .andGiven(submitted(), reserved(),
                        new JobReservationLapsedEvent(JOB, MINER, OFFER, TXN, RESERVED_UNTIL))
                .andGivenCurrentTime(after)
                .when(new AssignJobCommand(JOB, OTHER_MINER, null, new BigDecimal("0.4"), "job", after.plusSeconds(60)))
                .expectEvents(new JobAssignedEvent(JOB, OTHER_MINER, null, new BigDecimal("0.4"), "job", 1, after,
                        after.plusSeconds(60)));
    }

    static Stream<Arguments> reservationOutcomes() {
        return Stream.of(
                Arguments.of("still within its time", List.of(submitted(), reserved()), RESERVED_UNTIL.minusMillis(1),
                        Outcome.HELD),
                Arguments.of("taken by its miner", List.of(submitted(), reserved(), taken()), RESERVED_UNTIL,
                        Outcome.SETTLED),
                Arguments.of("job canceled while reserved", List.of(submitted(), reserved(), canceled()),
                        RESERVED_UNTIL, Outcome.RELEASED),
                Arguments.of("never reserved", List.of(submitted()), RESERVED_UNTIL, Outcome.RELEASED));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("reservationOutcomes")
    void releaseAnswersWhatBecameOfTheReservation(String state, List<Object> history, Instant at, Outcome outcome) {
        fixture.givenCurrentTime(SUBMITTED_AT)
                .andGiven(history)
                .andGivenCurrentTime(at)
                .when(new ReleaseJobReservationCommand(JOB, TXN))
                .expectResultMessagePayload(outcome)
                .expectNoEvents();
    }

    private static JobSubmittedEvent submitted() {
        return new JobSubmittedEvent(JOB, CLIENT, "ai-inference", null, JsonNodeFactory.instance.objectNode(),
                "aa".repeat(32), JobRequirements.NONE, MAX_PRICE, SUBMITTED_AT, EXPIRES_AT, 3);
    }

    private static ReserveJobCommand reserve(String client, BigDecimal bid) {
        return new ReserveJobCommand(JOB, client, MINER, OFFER, TXN, OFFER_PRICE, "job", bid, RESERVED_UNTIL);
    }

    private static JobReservedEvent reserved() {
        return new JobReservedEvent(JOB, CLIENT, MINER, OFFER, TXN, OFFER_PRICE, "job", BID, RESERVED_AT,
                RESERVED_UNTIL);
    }

    private static JobAssignedEvent taken() {
        return new JobAssignedEvent(JOB, MINER, OFFER, OFFER_PRICE, "job", 1, TAKEN_AT, TAKEN_AT.plusSeconds(60));
    }

    private static JobCanceledEvent canceled() {
        return new JobCanceledEvent(JOB, null, JobStatus.QUEUED, CLIENT, RESERVED_AT.plusSeconds(1));
    }

    /** A rejection with the given contract code; the gateway answers the code's HTTP status. */
    private static Matcher<CommandRejectedException> rejectedWith(String code) {
        return new FeatureMatcher<>(equalTo(code), "a command rejected with code", "code") {
            @Override
            protected String featureValueOf(CommandRejectedException rejection) {
                return rejection.code();
            }
        };
    }
}
