package io.aitbc.coordinator.gateway.miner;

import io.aitbc.coordinator.gateway.miner.PollWaiters.Chain;
import io.aitbc.coordinator.gateway.miner.PollWaiters.Waiter;
import io.aitbc.coordinator.query.dispatch.Capacity;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class PollWaitersTest {

    private static final Fingerprint SMALL = fingerprint("rtx 3060", 12_288);
    private static final Fingerprint LARGE = fingerprint("a100", 81_920);

    private final List<String> minersWithReservedJobs = new ArrayList<>();
    private final Set<String> minersWithOffers = new HashSet<>();
    private final PollWaiters waiters = new PollWaiters(this::mustLook);

    @Test
    void oneArrivalWakesOnlyTheOldestWaiter() {
        // given
        Waiter oldest = waiting("m1", SMALL);
        Waiter younger = waiting("m2", SMALL);

        // when
        waiters.jobsArrived();

        // then
        assertThat(isWoken(oldest)).isTrue();
        assertThat(isWoken(younger)).isFalse();
        assertThat(waiters.size()).isEqualTo(1);
    }

    @Test
    void aWokenPollThatClaimedWakesTheNextWaiterWithAFreshChain() {
        // given: the wake already found nothing for this fingerprint
        Waiter claiming = waiting("m1", SMALL);
        Waiter next = waiting("m2", SMALL);
        Chain afterAMiss = new Chain(Set.of(SMALL), Set.of("m0"));

        // when
        waiters.claimed(claiming, afterAMiss);

        // then
        assertThat(isWoken(next)).isTrue();
        assertThat(waiters.withdraw(next)).contains(Chain.FRESH);
    }

    @Test
    void aPollThatFoundNothingWakesOnlyAWaiterOfAnotherFingerprint() {
        // given
        Waiter missing = waiting("m1", SMALL);
        Waiter alike = waiting("m2", SMALL);
        Waiter other = waiting("m3", LARGE);

        // when
        waiters.foundNothing(missing, Chain.FRESH);

        // then
        assertThat(isWoken(alike)).isFalse();
        assertThat(isWoken(other)).isTrue();
        assertThat(isWoken(missing)).isFalse();
        assertThat(waiters.withdraw(other).orElseThrow().fingerprintsFoundNothing()).containsExactly(SMALL);
    }

    @Test
    void theChainEndsWhenEveryWaitingFingerprintFoundNothing() {
        // given: the small miner found nothing, then the large one
        Waiter small = waiting("m1", SMALL);
        Waiter alike = waiting("m2", SMALL);
        Waiter large = waiting("m3", LARGE);
        waiters.foundNothing(small, Chain.FRESH);
        Chain handed = waiters.withdraw(large).orElseThrow();

        // when
        waiters.foundNothing(large, handed);

        // then
        assertThat(isWoken(small)).isFalse();
        assertThat(isWoken(alike)).isFalse();
        assertThat(waiters.size()).isEqualTo(2);
    }

    @Test
    void aWakeDuringARunningClaimIsPassedOnWhenTheClaimSucceeds() {
        // given: a first claim, its fingerprint not yet known, is woken while it runs
        Waiter claiming = waiters.register("m1");
        Waiter next = waiting("m2", SMALL);
        waiters.jobsArrived();

        // when
        waiters.claimed(claiming, null);

        // then
        assertThat(isWoken(next)).isTrue();
        assertThat(waiters.size()).isZero();
    }

    @Test
    void aPollWokenTwiceClaimingOneJobPassesBothWakesOn() {
        // given: woken into this claim, and woken again while it ran
        Waiter claiming = waiting("m1", SMALL);
        Waiter second = waiting("m2", SMALL);
        Waiter third = waiting("m3", SMALL);
        waiters.jobsArrived();

        // when
        waiters.claimed(claiming, Chain.FRESH);

        // then
        assertThat(isWoken(second)).isTrue();
        assertThat(isWoken(third)).isTrue();
    }

    @Test
    void aWakeNotActedOnIsHandedOverOnceWhenThePollEnds() {
        // given
        Waiter ending = waiting("m1", SMALL);
        waiters.jobsArrived();

        // when
        Optional<Chain> first = waiters.withdraw(ending);
        Optional<Chain> again = waiters.withdraw(ending);

        // then
        assertThat(first).contains(Chain.FRESH);
        assertThat(again).isEmpty();
    }

    @Test
    void aWithdrawnWaiterIsNeverWoken() {
        // given
        Waiter gone = waiting("m1", SMALL);
        Waiter staying = waiting("m2", SMALL);
        waiters.withdraw(gone);

        // when
        waiters.jobsArrived();

        // then
        assertThat(isWoken(gone)).isFalse();
        assertThat(isWoken(staying)).isTrue();
    }

    @Test
    void aMissWakesAWaiterOfAMinerWithAReservedJobWhateverItsFingerprint() {
        // given: the reserved miner's poll looks like the one that found nothing
        Waiter missing = waiting("m1", SMALL);
        Waiter reservedFor = waiting("m2", SMALL);
        minersWithReservedJobs.add("m2");

        // when
        waiters.foundNothing(missing, Chain.FRESH);

        // then
        assertThat(isWoken(reservedFor)).isTrue();
    }

    @Test
    void aMinerThatFoundNothingIsNotWokenAgainForItsReservedJobInTheSameChain() {
        // given: the reserved job is locked by another claim, so its miner found nothing
        Waiter reservedFor = waiting("m1", SMALL);
        Waiter sameMiner = waiting("m1", SMALL);
        minersWithReservedJobs.add("m1");

        // when
        waiters.foundNothing(reservedFor, Chain.FRESH);

        // then
        assertThat(isWoken(sameMiner)).isFalse();
    }

    @Test
    void aMissWakesAWaiterWhoseMinerPutAnOfferOnSaleSinceItsClaim() {
        // given: alike miners without offers when they looked; the second has an offer on sale since
        Waiter missing = waiting("m1", SMALL);
        Waiter offering = waiting("m2", SMALL);
        minersWithOffers.add("m2");

        // when
        waiters.foundNothing(missing, Chain.FRESH);

        // then
        assertThat(isWoken(offering)).isTrue();
    }

    private Collection<String> mustLook(Set<String> waitingWithoutOffers) {
        List<String> miners = new ArrayList<>(minersWithReservedJobs);
        waitingWithoutOffers.stream().filter(minersWithOffers::contains).forEach(miners::add);
        return miners;
    }

    private Waiter waiting(String minerId, Fingerprint fingerprint) {
        Waiter waiter = waiters.register(minerId);
        waiter.describe(fingerprint);
        return waiter;
    }

    private static boolean isWoken(Waiter waiter) {
        return waiter.woken().toFuture().isDone();
    }

    private static Fingerprint fingerprint(String gpu, int vramMb) {
        return new Fingerprint(new Capacity(List.of(gpu), vramMb, List.of(), "eu-west"), BigDecimal.ONE, List.of(),
                List.of());
    }
}
