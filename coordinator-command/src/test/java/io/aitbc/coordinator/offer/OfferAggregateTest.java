package io.aitbc.coordinator.offer;

import io.aitbc.coordinator.common.api.CommandRejectedException;
import io.aitbc.coordinator.job.api.JobRequirements;
import io.aitbc.coordinator.offer.api.AcceptOfferCommand;
import io.aitbc.coordinator.offer.api.ExpireOfferCommand;
import io.aitbc.coordinator.offer.api.MatchOfferCommand;
import io.aitbc.coordinator.offer.api.OfferAcceptedEvent;
import io.aitbc.coordinator.offer.api.OfferExpiredEvent;
import io.aitbc.coordinator.offer.api.OfferMatchedEvent;
import io.aitbc.coordinator.offer.api.OfferPublishedEvent;
import io.aitbc.coordinator.offer.api.OfferSlotReleasedEvent;
import io.aitbc.coordinator.offer.api.OfferUsedUpEvent;
import io.aitbc.coordinator.offer.api.OfferWithdrawnEvent;
import io.aitbc.coordinator.offer.api.PublishOfferCommand;
import io.aitbc.coordinator.offer.api.ReleaseOfferSlotCommand;
import io.aitbc.coordinator.offer.api.WithdrawOfferCommand;
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

class OfferAggregateTest {

    private static final String OFFER_ID = "offer_01JEX3Q7R5M2K8ZC4W9F6B1T0D";
    private static final String MINER_ID = "miner_01JEX3Q7R5M2K8ZC4W9F6B1T0E";
    private static final String OTHER_MINER_ID = "miner_01JEX3Q7R5M2K8ZC4W9F6B1T0F";
    private static final String CLIENT_ID = "client-a";
    private static final String TYPE = "ai-inference";
    private static final BigDecimal PRICE = new BigDecimal("0.000002");
    private static final String TOKENS = "tokens";
    private static final JobRequirements PROVIDED = new JobRequirements("A100", 80, List.of("llama-3"), "eu");
    private static final Instant PUBLISHED_AT = Instant.parse("2026-12-04T12:00:00.000Z");
    private static final Instant EXPIRES_AT = PUBLISHED_AT.plusSeconds(3600);
    private static final Instant SOLD_AT = PUBLISHED_AT.plusSeconds(60);
    private static final Instant LATER = SOLD_AT.plusSeconds(60);

    private FixtureConfiguration<OfferAggregate> fixture;

    @BeforeEach
    void createFixture() {
        fixture = new AggregateTestFixture<>(OfferAggregate.class);
    }

    @Test
    void minerPublishesAnActiveOfferOfMaxJobs() {
        fixture.givenCurrentTime(PUBLISHED_AT)
                .andGiven(List.of())
                .when(new PublishOfferCommand(OFFER_ID, MINER_ID, TYPE, PRICE, TOKENS, 2, PROVIDED, EXPIRES_AT))
                .expectSuccessfulHandlerExecution()
                .expectEvents(published(2));
    }

    @Test
    void offerWithoutUnitIsPricedPerJob() {
        fixture.givenCurrentTime(PUBLISHED_AT)
                .andGiven(List.of())
                .when(new PublishOfferCommand(OFFER_ID, MINER_ID, TYPE, PRICE, null, 1, PROVIDED, EXPIRES_AT))
                .expectEvents(new OfferPublishedEvent(OFFER_ID, MINER_ID, TYPE, PRICE, "job", 1, PROVIDED,
                        PUBLISHED_AT, EXPIRES_AT));
    }

    static Stream<Arguments> invalidPublications() {
        return Stream.of(
                Arguments.of("negative price", new PublishOfferCommand(OFFER_ID, MINER_ID, TYPE,
                        new BigDecimal("-1"), TOKENS, 1, PROVIDED, EXPIRES_AT)),
                Arguments.of("no price", new PublishOfferCommand(OFFER_ID, MINER_ID, TYPE, null, TOKENS, 1,
                        PROVIDED, EXPIRES_AT)),
                Arguments.of("no jobs", new PublishOfferCommand(OFFER_ID, MINER_ID, TYPE, PRICE, TOKENS, 0,
                        PROVIDED, EXPIRES_AT)),
                Arguments.of("too many jobs", new PublishOfferCommand(OFFER_ID, MINER_ID, TYPE, PRICE, TOKENS,
                        OfferAggregate.MAX_JOBS_LIMIT + 1, PROVIDED, EXPIRES_AT)),
                Arguments.of("already expired", new PublishOfferCommand(OFFER_ID, MINER_ID, TYPE, PRICE, TOKENS, 1,
                        PROVIDED, PUBLISHED_AT)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidPublications")
    void invalidOfferIsNotPublished(String rule, PublishOfferCommand command) {
        fixture.givenCurrentTime(PUBLISHED_AT)
                .andGiven(List.of())
                .when(command)
                .expectNoEvents()
                .expectException(rejectedWith("VALIDATION_FAILED"));
    }

    @Test
    void acceptanceSellsOneJobAtTheOffersPriceWhateverTheBid() {
        fixture.givenCurrentTime(PUBLISHED_AT)
                .andGiven(published(2))
                .andGivenCurrentTime(SOLD_AT)
                .when(accept("txn_1", "job_1", new BigDecimal("0.000003")))
                .expectEvents(accepted("txn_1", "job_1", new BigDecimal("0.000003"), 1));
    }

    @Test
    void acceptingTheLastJobUsesTheOfferUp() {
        fixture.givenCurrentTime(PUBLISHED_AT)
                .andGiven(published(1))
                .andGivenCurrentTime(SOLD_AT)
                .when(accept("txn_1", "job_1", PRICE))
                .expectEvents(accepted("txn_1", "job_1", PRICE, 0), new OfferUsedUpEvent(OFFER_ID, MINER_ID, SOLD_AT));
    }

    @Test
    void matchingAPollSellsOneJobToTheOffersMiner() {
        fixture.givenCurrentTime(PUBLISHED_AT)
                .andGiven(published(1))
                .andGivenCurrentTime(SOLD_AT)
                .when(new MatchOfferCommand(OFFER_ID, "txn_1", "job_1", MINER_ID, TYPE))
                .expectEvents(new OfferMatchedEvent(OFFER_ID, "txn_1", "job_1", MINER_ID, TYPE, PRICE, TOKENS, 0,
                        SOLD_AT), new OfferUsedUpEvent(OFFER_ID, MINER_ID, SOLD_AT));
    }

    @Test
    void anotherMinersPollCannotUseTheOffer() {
        fixture.givenCurrentTime(PUBLISHED_AT)
                .andGiven(published(1))
                .andGivenCurrentTime(SOLD_AT)
                .when(new MatchOfferCommand(OFFER_ID, "txn_1", "job_1", OTHER_MINER_ID, TYPE))
                .expectNoEvents()
                .expectException(rejectedWith("FORBIDDEN"));
    }

    /** Every way a sale is refused: the offer's history, the sale, and the contract code. */
    static Stream<Arguments> refusedSales() {
        BigDecimal bid = PRICE;
        return Stream.of(
                Arguments.of("withdrawn", List.of(published(2), withdrawn(2)), LATER,
                        accept("txn_2", "job_2", bid), "OFFER_NOT_AVAILABLE"),
                Arguments.of("expired by event", List.of(published(2), expired(2)), EXPIRES_AT,
                        accept("txn_2", "job_2", bid), "OFFER_NOT_AVAILABLE"),
                Arguments.of("past its time before the expiry fired", List.of(published(2)), EXPIRES_AT,
                        accept("txn_2", "job_2", bid), "OFFER_NOT_AVAILABLE"),
                Arguments.of("used up", List.of(published(1), accepted("txn_1", "job_1", bid, 0), usedUp()), LATER,
                        accept("txn_2", "job_2", bid), "OFFER_NOT_AVAILABLE"),
                Arguments.of("used up, by matching", List.of(published(1), usedUp()), LATER,
                        new MatchOfferCommand(OFFER_ID, "txn_2", "job_2", MINER_ID, TYPE), "OFFER_NOT_AVAILABLE"),
                Arguments.of("bid below price", List.of(published(2)), SOLD_AT,
                        accept("txn_2", "job_2", new BigDecimal("0.000001")), "VALIDATION_FAILED"),
                Arguments.of("no bid", List.of(published(2)), SOLD_AT,
                        accept("txn_2", "job_2", null), "VALIDATION_FAILED"),
                Arguments.of("other job type", List.of(published(2)), SOLD_AT,
                        new AcceptOfferCommand(OFFER_ID, "txn_2", "job_2", CLIENT_ID, "embedding", bid),
                        "INVALID_JOB_TYPE"),
                Arguments.of("job already holds the offer", List.of(published(2), accepted("txn_1", "job_1", bid, 1)),
                        LATER, accept("txn_2", "job_1", bid), "INVALID_STATE"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusedSales")
    void saleIsRefused(String rule, List<Object> history, Instant at, Object sale, String code) {
        fixture.givenCurrentTime(PUBLISHED_AT)
                .andGiven(history)
                .andGivenCurrentTime(at)
                .when(sale)
                .expectNoEvents()
                .expectException(rejectedWith(code));
    }

    @Test
    void releasedJobReopensAUsedUpOffer() {
        fixture.givenCurrentTime(PUBLISHED_AT)
                .andGiven(published(1), accepted("txn_1", "job_1", PRICE, 0), usedUp())
                .andGivenCurrentTime(LATER)
                .when(new ReleaseOfferSlotCommand(OFFER_ID, "txn_1", ReleaseOfferSlotCommand.RESERVATION_LAPSED))
                .expectResultMessagePayload(true)
                .expectEvents(new OfferSlotReleasedEvent(OFFER_ID, "txn_1", "job_1", MINER_ID,
                        ReleaseOfferSlotCommand.RESERVATION_LAPSED, 1, LATER));
    }

    @Test
    void reopenedOfferSellsItsReleasedJobAgain() {
        fixture.givenCurrentTime(PUBLISHED_AT)
                .andGiven(published(1), accepted("txn_1", "job_1", PRICE, 0), usedUp(), released("txn_1", "job_1", 1))
                .andGivenCurrentTime(LATER)
                .when(accept("txn_2", "job_2", PRICE))
                .expectEvents(new OfferAcceptedEvent(OFFER_ID, "txn_2", "job_2", CLIENT_ID, MINER_ID, TYPE, PRICE,
                        TOKENS, PRICE, 0, LATER), new OfferUsedUpEvent(OFFER_ID, MINER_ID, LATER));
    }

    @Test
    void slotIsReleasedOnlyOnce() {
        fixture.givenCurrentTime(PUBLISHED_AT)
                .andGiven(published(1), accepted("txn_1", "job_1", PRICE, 0), usedUp(), released("txn_1", "job_1", 1))
                .andGivenCurrentTime(LATER)
                .when(new ReleaseOfferSlotCommand(OFFER_ID, "txn_1", ReleaseOfferSlotCommand.JOB_ENDED))
                .expectResultMessagePayload(false)
                .expectNoEvents();
    }

    @Test
    void matchedJobsAreNeverReleased() {
        // a matched job is assigned in the transaction that sold it: there is no reservation to lapse
        fixture.givenCurrentTime(PUBLISHED_AT)
                .andGiven(published(2), new OfferMatchedEvent(OFFER_ID, "txn_1", "job_1", MINER_ID, TYPE, PRICE,
                        TOKENS, 1, SOLD_AT))
                .andGivenCurrentTime(LATER)
                .when(new ReleaseOfferSlotCommand(OFFER_ID, "txn_1", ReleaseOfferSlotCommand.JOB_ENDED))
                .expectResultMessagePayload(false)
                .expectNoEvents();
    }

    @Test
    void releaseAfterWithdrawalReturnsTheJobButKeepsTheOfferWithdrawn() {
        fixture.givenCurrentTime(PUBLISHED_AT)
                .andGiven(published(1), accepted("txn_1", "job_1", PRICE, 0), usedUp(), withdrawn(0),
                        released("txn_1", "job_1", 1))
                .andGivenCurrentTime(LATER)
                .when(accept("txn_2", "job_2", PRICE))
                .expectNoEvents()
                .expectException(rejectedWith("OFFER_NOT_AVAILABLE"));
    }

    @Test
    void minerWithdrawsItsActiveOffer() {
        fixture.givenCurrentTime(PUBLISHED_AT)
                .andGiven(published(2))
                .andGivenCurrentTime(LATER)
                .when(new WithdrawOfferCommand(OFFER_ID, MINER_ID))
                .expectEvents(new OfferWithdrawnEvent(OFFER_ID, MINER_ID, 2, LATER));
    }

    @Test
    void minerWithdrawsItsUsedUpOffer() {
        fixture.givenCurrentTime(PUBLISHED_AT)
                .andGiven(published(1), accepted("txn_1", "job_1", PRICE, 0), usedUp())
                .andGivenCurrentTime(LATER)
                .when(new WithdrawOfferCommand(OFFER_ID, MINER_ID))
                .expectEvents(new OfferWithdrawnEvent(OFFER_ID, MINER_ID, 0, LATER));
    }

    @Test
    void withdrawingTwiceChangesNothing() {
        fixture.givenCurrentTime(PUBLISHED_AT)
                .andGiven(published(2), withdrawn(2))
                .andGivenCurrentTime(LATER)
                .when(new WithdrawOfferCommand(OFFER_ID, MINER_ID))
                .expectSuccessfulHandlerExecution()
                .expectNoEvents();
    }

    @Test
    void onlyItsMinerWithdrawsAnOffer() {
        fixture.givenCurrentTime(PUBLISHED_AT)
                .andGiven(published(2))
                .andGivenCurrentTime(LATER)
                .when(new WithdrawOfferCommand(OFFER_ID, OTHER_MINER_ID))
                .expectNoEvents()
                .expectException(rejectedWith("FORBIDDEN"));
    }

    @Test
    void expiredOfferCannotBeWithdrawn() {
        fixture.givenCurrentTime(PUBLISHED_AT)
                .andGiven(published(2), expired(2))
                .andGivenCurrentTime(EXPIRES_AT.plusSeconds(1))
                .when(new WithdrawOfferCommand(OFFER_ID, MINER_ID))
                .expectNoEvents()
                .expectException(rejectedWith("OFFER_NOT_AVAILABLE"));
    }

    static Stream<Arguments> expiringOffers() {
        return Stream.of(
                Arguments.of("active", List.of(published(2)), 2),
                Arguments.of("used up", List.of(published(1), accepted("txn_1", "job_1", PRICE, 0), usedUp()), 0));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("expiringOffers")
    void offerExpiresAtItsTime(String state, List<Object> history, int jobsLeft) {
        fixture.givenCurrentTime(PUBLISHED_AT)
                .andGiven(history)
                .andGivenCurrentTime(EXPIRES_AT)
                .when(new ExpireOfferCommand(OFFER_ID))
                .expectResultMessagePayload(true)
                .expectEvents(new OfferExpiredEvent(OFFER_ID, MINER_ID, jobsLeft, EXPIRES_AT));
    }

    static Stream<Arguments> offersThatDoNotExpire() {
        return Stream.of(
                Arguments.of("before its time", List.of(published(2)), EXPIRES_AT.minusMillis(1)),
                Arguments.of("withdrawn", List.of(published(2), withdrawn(2)), EXPIRES_AT),
                Arguments.of("already expired", List.of(published(2), expired(2)), EXPIRES_AT.plusSeconds(1)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("offersThatDoNotExpire")
    void expiryIsANoOp(String state, List<Object> history, Instant at) {
        fixture.givenCurrentTime(PUBLISHED_AT)
                .andGiven(history)
                .andGivenCurrentTime(at)
                .when(new ExpireOfferCommand(OFFER_ID))
                .expectResultMessagePayload(false)
                .expectNoEvents();
    }

    private static OfferPublishedEvent published(int maxJobs) {
        return new OfferPublishedEvent(OFFER_ID, MINER_ID, TYPE, PRICE, TOKENS, maxJobs, PROVIDED, PUBLISHED_AT,
                EXPIRES_AT);
    }

    private static AcceptOfferCommand accept(String transactionId, String jobId, BigDecimal bid) {
        return new AcceptOfferCommand(OFFER_ID, transactionId, jobId, CLIENT_ID, TYPE, bid);
    }

    private static OfferAcceptedEvent accepted(String transactionId, String jobId, BigDecimal bid, int jobsLeft) {
        return new OfferAcceptedEvent(OFFER_ID, transactionId, jobId, CLIENT_ID, MINER_ID, TYPE, PRICE, TOKENS, bid,
                jobsLeft, SOLD_AT);
    }

    private static OfferUsedUpEvent usedUp() {
        return new OfferUsedUpEvent(OFFER_ID, MINER_ID, SOLD_AT);
    }

    private static OfferSlotReleasedEvent released(String transactionId, String jobId, int jobsLeft) {
        return new OfferSlotReleasedEvent(OFFER_ID, transactionId, jobId, MINER_ID,
                ReleaseOfferSlotCommand.RESERVATION_LAPSED, jobsLeft, SOLD_AT.plusSeconds(30));
    }

    private static OfferWithdrawnEvent withdrawn(int jobsLeft) {
        return new OfferWithdrawnEvent(OFFER_ID, MINER_ID, jobsLeft, SOLD_AT.plusSeconds(10));
    }

    private static OfferExpiredEvent expired(int jobsLeft) {
        return new OfferExpiredEvent(OFFER_ID, MINER_ID, jobsLeft, EXPIRES_AT);
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
