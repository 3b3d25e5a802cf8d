package io.aitbc.coordinator.gateway.miner;

import io.aitbc.coordinator.common.api.CommandRejectedException;
import io.aitbc.coordinator.common.api.Ids;
import io.aitbc.coordinator.common.api.Money;
import io.aitbc.coordinator.gateway.web.RequestContext;
import io.aitbc.coordinator.job.api.AssignJobCommand;
import io.aitbc.coordinator.job.api.FindJobQuery;
import io.aitbc.coordinator.job.api.JobView;
import io.aitbc.coordinator.offer.api.MatchOfferCommand;
import io.aitbc.coordinator.query.dispatch.ClaimableJob;
import io.aitbc.coordinator.query.dispatch.DispatchRepository;
import io.aitbc.coordinator.query.dispatch.JobArrivals;
import io.aitbc.coordinator.query.dispatch.MinerProfile;
import io.aitbc.coordinator.query.offer.MarketRepository;
import io.aitbc.coordinator.query.offer.OfferTerms;
import io.micrometer.core.instrument.MeterRegistry;
import org.axonframework.commandhandling.GenericCommandMessage;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.axonframework.modelling.command.ConcurrencyException;
import org.axonframework.queryhandling.QueryGateway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.PessimisticLockingFailureException;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Hands queued jobs to polling miners.
 *
 * <p>A claim locks the oldest matching row of {@code job_queue} with {@code FOR UPDATE SKIP LOCKED}
 * and assigns the job in the same transaction; the assignment's event makes the row unclaimable
 * before the lock is released, so no two miners ever get one job, on one node or many.
 *
 * <p>Prices: a job reserved for the miner goes at its reservation's terms; any other job at the
 * miner's cheapest offer on sale that sells it (its type, and stated requirements that meet the
 * job's), which uses one of that offer's jobs in the same transaction, or else at the miner's
 * registration price (docs/marketplace.md).
 *
 * <p>A poll that finds nothing waits without a thread: it registers a waiter, and a {@link JobArrivals}
 * signal (a job queued on any node) wakes the oldest one, which passes the wake on as {@link PollWaiters}
 * says, until the poll's time is up.
 */
@Component
class JobDispatcher {

    private static final Logger logger = LoggerFactory.getLogger(JobDispatcher.class);
    private static final int MAX_CLAIM_TRIES = 5;

    private final DispatchRepository repository;
    private final MarketRepository market;
    private final CommandGateway commandGateway;
    private final QueryGateway queryGateway;
    private final TransactionTemplate transactions;
    private final Clock clock;
    private final PollWaiters waiters;

    JobDispatcher(DispatchRepository repository, MarketRepository market, CommandGateway commandGateway,
                  QueryGateway queryGateway, TransactionTemplate transactions, JobArrivals arrivals, Clock clock,
                  MeterRegistry meters) {
        this.repository = repository;
        this.market = market;
        this.commandGateway = commandGateway;
        this.queryGateway = queryGateway;
        this.transactions = transactions;
        this.clock = clock;
        this.waiters = new PollWaiters(this::minersThatMustLook);
        arrivals.onArrival(waiters::jobsArrived);
        meters.gauge("coordinator.polls.waiting", List.of(), waiters, PollWaiters::size);
    }

    /** Answers a job for the miner, waiting up to {@code maxWait} for one; empty when none came. */
    Mono<Assignment> poll(RequestContext context, MinerProfile miner, List<String> types,
                          Duration lease, Duration maxWait) {
        Instant giveUpAt = clock.instant().plus(maxWait);
        return attempt(context, miner, types, lease, giveUpAt, null);
    }

    /** @param wokenBy the wake that started this claim, or {@code null} for a poll's first claim */
    private Mono<Assignment> attempt(RequestContext context, MinerProfile miner, List<String> types,
                                     Duration lease, Instant giveUpAt, PollWaiters.Chain wokenBy) {
        // registered before the claim, so a job queued while the claim runs still wakes this poll
        PollWaiters.Waiter waiter = waiters.register(miner.minerId());
        return Mono.fromCallable(() -> claimAndPassOn(context, miner, types, lease, waiter, wokenBy))
                .subscribeOn(Schedulers.boundedElastic())
                .flatMap(found -> {
                    if (found.isPresent()) {
                        return Mono.just(found.get());
                    }
                    Duration left = Duration.between(clock.instant(), giveUpAt);
                    if (left.isNegative() || left.isZero()) {
                        return Mono.empty();
                    }
                    // a wake that comes as the time runs out is still acted on: one more claim passes it on
                    return waiter.woken()
                            .timeout(left, Mono.empty())
                            .then(Mono.fromSupplier(() -> waiters.withdraw(waiter)))
                            .flatMap(Mono::justOrEmpty)
                            .flatMap(chain -> attempt(context, miner, types, lease, giveUpAt, chain));
                })
                .doFinally(signal -> waiters.withdraw(waiter).ifPresent(this::passOnLater));
    }

    /** Blocking. Claims a job and passes on the wakes this claim answered, as {@link PollWaiters} says. */
    private Optional<Assignment> claimAndPassOn(RequestContext context, MinerProfile miner, List<String> types,
                                                Duration lease, PollWaiters.Waiter waiter,
                                                PollWaiters.Chain wokenBy) {
        Optional<Assignment> found;
        try {
            found = claim(context, miner, types, lease, waiter);
        } catch (RuntimeException e) {
            if (wokenBy != null) {
                waiters.passOn(wokenBy);
            }
            throw e;
        }
        if (found.isPresent()) {
            waiters.claimed(waiter, wokenBy);
        } else if (wokenBy != null) {
            waiters.foundNothing(waiter, wokenBy);
        }
        return found;
    }

    /** A wake held by a poll that ended without acting on it (time up, gone, failed) goes to another. */
    private void passOnLater(PollWaiters.Chain chain) {
        Schedulers.boundedElastic().schedule(() -> waiters.passOn(chain));
    }

    /** See {@link PollWaiters.MustLook}; a failure costs those miners a wait for the next arrival, not the poll. */
    private Collection<String> minersThatMustLook(Set<String> waitingWithoutOffers) {
        try {
            Set<String> miners = new HashSet<>(repository.minersWithReservedClaimableJobs());
            miners.addAll(market.minersWithOffersOnSale(waitingWithoutOffers, clock.instant()));
            return miners;
        } catch (DataAccessException e) {
            logger.warn("Could not read which miners must look for a job: [{}]", e.getMessage());
            return List.of();
        }
    }

    /** Blocking. Claims one job in a transaction of its own, retrying when another claim won a race. */
    private Optional<Assignment> claim(RequestContext context, MinerProfile miner, List<String> types,
                                       Duration lease, PollWaiters.Waiter waiter) {
        context.toMdc();
        try {
            for (int tryNumber = 1; tryNumber <= MAX_CLAIM_TRIES; tryNumber++) {
                try {
                    Optional<String> claimed = transactions.execute(status -> claimInTransaction(context, miner,
                            types, lease, waiter));
                    if (claimed == null || claimed.isEmpty()) {
                        return Optional.empty();
                    }
                    JobView job = queryGateway.query(new FindJobQuery(claimed.get()), JobView.class).join();
                    return Optional.of(new Assignment(job.jobId(), job.type(), job.payload(), job.requirements(),
                            job.unitPrice(), job.unitType(), job.offerId(), job.attempt(), job.leaseExpiresAt()));
                } catch (ConcurrencyException | CommandRejectedException e) {
                    logger.debug("Claim try [{}] for miner [{}] lost a race: [{}]", tryNumber, miner.minerId(),
                            e.getMessage());
                } catch (RuntimeException e) {
                    if (!lostDeadlock(e)) {
                        throw e;
                    }
                    // PostgreSQL broke a lock cycle by rolling this claim back as a whole; it may try again
                    logger.debug("Claim try [{}] for miner [{}] lost a deadlock: [{}]", tryNumber, miner.minerId(),
                            e.getMessage());
                }
            }
            return Optional.empty();
        } finally {
            MDC.clear();
        }
    }

    private Optional<String> claimInTransaction(RequestContext context, MinerProfile miner, List<String> types,
                                                Duration lease, PollWaiters.Waiter waiter) {
        Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        List<OfferTerms> offers = market.offersOnSale(miner.minerId(), now);
        waiter.describe(Fingerprint.of(miner, types, offers));
        Optional<ClaimableJob> candidate = repository.lockNextClaimable(miner, types, offers);
        if (candidate.isEmpty()) {
            return Optional.empty();
        }
        ClaimableJob job = candidate.get();
        OfferTerms offer = offers.stream()
                .filter(terms -> terms.offerId().equals(job.offerId()))
                .findFirst()
                .orElse(null);
        String offerId = job.isReserved() ? job.reservedOfferId() : offer == null ? null : offer.offerId();
        BigDecimal unitPrice = job.isReserved() ? job.reservedPrice()
                : offer != null ? offer.price()
                : miner.unitPrice() != null ? miner.unitPrice() : BigDecimal.ZERO;
        String unitType = job.isReserved() ? job.reservedUnitType()
                : offer != null ? offer.unitType()
                : miner.unitType() != null ? miner.unitType() : Money.UNIT_JOB;
        var command = new AssignJobCommand(job.jobId(), miner.minerId(), offerId, unitPrice,
                unitType == null ? Money.UNIT_JOB : unitType, now.plus(lease));
        commandGateway.sendAndWait(GenericCommandMessage.asCommandMessage(command).andMetaData(context.metaData()));
        if (offer != null) {
            // sold through the offer: a lost race for its last job rolls the assignment back and the claim retries
            var use = new MatchOfferCommand(offer.offerId(), Ids.newId("txn", now), job.jobId(), miner.minerId(),
                    job.type());
            commandGateway.sendAndWait(GenericCommandMessage.asCommandMessage(use).andMetaData(context.metaData()));
        }
        MDC.put("job_id", job.jobId());
        logger.debug("Assigned job [{}] to miner [{}] at [{}] per [{}] through offer [{}]", job.jobId(),
                miner.minerId(), unitPrice, unitType, offerId);
        return Optional.of(job.jobId());
    }

    private static boolean lostDeadlock(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof PessimisticLockingFailureException) {
                return true;
            }
        }
        return false;
    }
}
