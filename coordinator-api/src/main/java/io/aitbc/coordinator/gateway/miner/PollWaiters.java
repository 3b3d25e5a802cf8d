package io.aitbc.coordinator.gateway.miner;

import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

import java.util.Collection;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

/**
 * The polls waiting for a job, oldest first, and how news of a job travels among them.
 *
 * <p>A job arrival wakes one waiter, handing it a {@link Chain}. A woken poll that claims a job wakes
 * the next waiter with a fresh chain, because one signal may stand for several jobs. One that finds
 * nothing adds its fingerprint to the chain and wakes the oldest waiter whose fingerprint is not in it,
 * since a miner of other capacity may take the job; when there is none, the chain ends. A job thus
 * costs at most one fruitless claim per distinct fingerprint, where waking every waiter cost one per
 * waiter.
 *
 * <p>Some miners must look whatever their fingerprints say, so a fruitless claim also wakes a waiter of
 * each of them that has not yet looked in this chain: a miner with a reserved job claimable, which only
 * it may take, and a miner whose fingerprint showed no offers but that has one on sale now. A fingerprint
 * is read at the claim before the wait; without offers it equals that of any alike miner, which may just
 * have found nothing, while the arrival signal of the new offer was meant for this one.
 *
 * <p>A waiter is woken at most once; whoever holds a wake (a woken poll, or one woken while its claim
 * ran or its time ran out) passes it on unless it goes to claim again, so no wake is swallowed.
 */
final class PollWaiters {

    /** Marks a waiter whose wake was acted on or that left before one came. */
    private static final Chain GONE = new Chain(Set.of(), Set.of());

    private final ConcurrentLinkedDeque<Waiter> waiting = new ConcurrentLinkedDeque<>();
    private final MustLook mustLook;

    PollWaiters(MustLook mustLook) {
        this.mustLook = mustLook;
    }

    /** Asked after a fruitless claim for the miners whose polls must look whatever their fingerprints. */
    @FunctionalInterface
    interface MustLook {

        /**
         * The miners a claimable job is reserved for, and those of {@code waitingWithoutOffers} (miners
         * whose waiting polls saw no offers of theirs) that have an offer on sale now. Blocking.
         */
        Collection<String> miners(Set<String> waitingWithoutOffers);
    }

    /** Queues a poll's waiter behind every other. */
    Waiter register(String minerId) {
        Waiter waiter = new Waiter(minerId);
        waiting.addLast(waiter);
        return waiter;
    }

    /** Polls registered and not yet woken or gone. */
    int size() {
        return waiting.size();
    }

    /** Jobs became claimable: the oldest waiter looks first. */
    void jobsArrived() {
        wakeOldest(waiter -> true, Chain.FRESH);
    }

    /**
     * The waiter's poll claimed a job and is done. Every wake it holds, the one that started this claim
     * and one that came while the claim ran, goes to the next waiter with a fresh chain.
     */
    void claimed(Waiter waiter, Chain wokenBy) {
        int held = (wokenBy == null ? 0 : 1) + (withdraw(waiter).isPresent() ? 1 : 0);
        for (int i = 0; i < held; i++) {
            jobsArrived();
        }
    }

    /** The poll woken with {@code wokenBy} found nothing; its waiter stays. Blocking: may ask the database. */
    void foundNothing(Waiter waiter, Chain wokenBy) {
        passOn(wokenBy.after(waiter));
    }

    /**
     * Passes a wake on to the oldest waiter the chain does not rule out, and to a waiter of each miner
     * that must look and has not looked in this chain. Blocking: asks the database.
     */
    void passOn(Chain chain) {
        Waiter next = wakeOldest(waiter -> !chain.rulesOut(waiter), chain);
        for (String minerId : mustLook.miners(waitingWithoutOffers())) {
            boolean alreadyWoken = next != null && next.minerId.equals(minerId);
            if (!alreadyWoken && !chain.minersFoundNothing().contains(minerId)) {
                wakeOldest(waiter -> waiter.minerId.equals(minerId), chain);
            }
        }
    }

    /** Takes the waiter out for good; answers the wake it was handed and did not act on, to be passed on. */
    Optional<Chain> withdraw(Waiter waiter) {
        waiting.remove(waiter);
        return waiter.take();
    }

    private Set<String> waitingWithoutOffers() {
        Set<String> miners = new HashSet<>();
        for (Waiter waiter : waiting) {
            Fingerprint fingerprint = waiter.fingerprint;
            if (fingerprint != null && fingerprint.offers().isEmpty()) {
                miners.add(waiter.minerId);
            }
        }
        return miners;
    }

    private Waiter wakeOldest(Predicate<Waiter> eligible, Chain chain) {
        for (Waiter waiter : waiting) {
            if (eligible.test(waiter) && waiter.wake(chain)) {
                waiting.remove(waiter);
                return waiter;
            }
        }
        return null;
    }

    /**
     * One wake's way through the waiters: the fingerprints and the miners whose polls found nothing
     * since it began. Nothing claimable for them has come since, or a new arrival would say so.
     */
    record Chain(Set<Fingerprint> fingerprintsFoundNothing, Set<String> minersFoundNothing) {

        static final Chain FRESH = new Chain(Set.of(), Set.of());

        Chain {
            fingerprintsFoundNothing = Set.copyOf(fingerprintsFoundNothing);
            minersFoundNothing = Set.copyOf(minersFoundNothing);
        }

        Chain after(Waiter missed) {
            Set<Fingerprint> fingerprints = new HashSet<>(fingerprintsFoundNothing);
            if (missed.fingerprint != null) {
                fingerprints.add(missed.fingerprint);
            }
            Set<String> miners = new HashSet<>(minersFoundNothing);
            miners.add(missed.minerId);
            return new Chain(fingerprints, miners);
        }

        /** A waiter whose claim has not yet told its fingerprint is never ruled out. */
        boolean rulesOut(Waiter waiter) {
            Fingerprint fingerprint = waiter.fingerprint;
            return fingerprint != null && fingerprintsFoundNothing.contains(fingerprint);
        }
    }

    /** One poll's place in the line. */
    static final class Waiter {

        private final String minerId;
        private final AtomicReference<Chain> handed = new AtomicReference<>();
        private final Sinks.Empty<Void> woken = Sinks.empty();
        private volatile Fingerprint fingerprint;

        private Waiter(String minerId) {
            this.minerId = minerId;
        }

        /** Told by the poll's claim once it has read the miner's offers. */
        void describe(Fingerprint fingerprint) {
            this.fingerprint = fingerprint;
        }

        /** Completes when the waiter is woken; {@link PollWaiters#withdraw} then hands over the wake. */
        Mono<Void> woken() {
            return woken.asMono();
        }

        private boolean wake(Chain chain) {
            if (!handed.compareAndSet(null, chain)) {
                return false;
            }
            woken.tryEmitEmpty();
            return true;
        }

        /** Whoever takes a wake first acts on it; anyone after sees none. */
        private Optional<Chain> take() {
            Chain chain = handed.getAndSet(GONE);
            return chain == null || chain == GONE ? Optional.empty() : Optional.of(chain);
        }
    }
}
