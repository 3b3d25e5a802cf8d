package io.aitbc.coordinator.gateway.market;

import io.aitbc.coordinator.common.api.CommandRejectedException;
import io.aitbc.coordinator.common.api.Ids;
import io.aitbc.coordinator.gateway.web.ApiException;
import io.aitbc.coordinator.gateway.web.Backend;
import io.aitbc.coordinator.gateway.web.RequestContext;
import io.aitbc.coordinator.job.api.FindJobQuery;
import io.aitbc.coordinator.job.api.JobRequirements;
import io.aitbc.coordinator.job.api.JobStatus;
import io.aitbc.coordinator.job.api.JobView;
import io.aitbc.coordinator.job.api.ReserveJobCommand;
import io.aitbc.coordinator.job.api.SubmitJobCommand;
import io.aitbc.coordinator.offer.api.AcceptOfferCommand;
import io.aitbc.coordinator.offer.api.FindOfferQuery;
import io.aitbc.coordinator.offer.api.OfferStatus;
import io.aitbc.coordinator.offer.api.OfferView;
import io.aitbc.coordinator.query.dispatch.Capacity;
import io.aitbc.coordinator.query.dispatch.DispatchRepository;
import io.aitbc.coordinator.query.dispatch.MinerProfile;
import io.aitbc.coordinator.query.offer.MarketRepository;
import org.axonframework.commandhandling.GenericCommandMessage;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.axonframework.modelling.command.ConcurrencyException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;
import reactor.core.publisher.Mono;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Sells one job of an offer to a client, for a job it has queued already or for one it submits with
 * the offer's id. The job's reservation and the offer's slot (and, for a submission, the job itself)
 * are written in one database transaction, so either all happen or none does, and no compensation
 * is needed on this path.
 *
 * <p>Both aggregates are appended to in the order job, then offer, the order every other
 * transaction touching both uses (the reservation watcher, a miner's claim), after locking the
 * job's queue row as a claim does. Two clients buying the last slot of one offer both append the
 * offer's next event; the second append conflicts, its whole transaction rolls back and is retried,
 * and the retry finds the offer used up: exactly one wins.
 */
@Component
public class OfferAcceptance {

    private static final Logger logger = LoggerFactory.getLogger(OfferAcceptance.class);
    private static final int MAX_TRIES = 5;

    private final Backend backend;
    private final MarketRepository market;
    private final DispatchRepository dispatch;
    private final CommandGateway commandGateway;
    private final TransactionTemplate transactions;
    private final Clock clock;
    private final Duration reservationLease;

    OfferAcceptance(Backend backend, MarketRepository market, DispatchRepository dispatch,
                    CommandGateway commandGateway, TransactionTemplate transactions, Clock clock,
                    @Value("${coordinator.market.reservation-lease:${coordinator.jobs.lease:60s}}")
                    Duration reservationLease) {
        this.backend = backend;
        this.market = market;
        this.dispatch = dispatch;
        this.commandGateway = commandGateway;
        this.transactions = transactions;
        this.clock = clock;
        this.reservationLease = reservationLease;
    }

    /** A trade made: the job is reserved for the offer's miner at the offer's terms until {@code reservedUntil}. */
    public record Trade(String transactionId, OfferView offer, String jobId, Instant createdAt,
                       Instant reservedUntil) {
    }

    /** What the checks of a sale need to know of the job, whether it is queued already or being submitted. */
    private record Buyer(String jobId, JobStatus status, String type, BigDecimal maxPrice,
                         JobRequirements requirements) {

        static Buyer of(JobView job) {
            return new Buyer(job.jobId(), job.status(), job.type(),
                    job.maxPrice() == null ? null : new BigDecimal(job.maxPrice()), job.requirements());
        }

        static Buyer of(SubmitJobCommand submission) {
            return new Buyer(submission.jobId(), JobStatus.QUEUED, submission.type(), submission.maxPrice(),
                    submission.requirements());
        }
    }

    /** Reserves the caller's queued job {@code jobId} through the offer, bidding {@code bid}. */
    public Mono<Trade> accept(RequestContext context, String offerId, String jobId, BigDecimal bid) {
        return existingOffer(context, offerId)
                .zipWith(clientJob(context, jobId))
                .flatMap(found -> sell(context, found.getT1(), Buyer.of(found.getT2()), bid, "bid_price", null));
    }

    /**
     * Submits the job already reserved through the offer, in one transaction: the job exists reserved,
     * or not at all. Without a bid the client bids the job's {@code max_price}, or else the offer's price.
     */
    public Mono<Trade> submitThrough(RequestContext context, String offerId, SubmitJobCommand submission,
                                     BigDecimal bid) {
        return existingOffer(context, offerId)
                .flatMap(offer -> {
                    if (bid != null) {
                        return sell(context, offer, Buyer.of(submission), bid, "bid_price", submission);
                    }
                    return submission.maxPrice() != null
                            ? sell(context, offer, Buyer.of(submission), submission.maxPrice(),
                                    "bid_price (max_price, as no bid_price was given)", submission)
                            : sell(context, offer, Buyer.of(submission), new BigDecimal(offer.price()), "bid_price",
                                    submission);
                });
    }

    private Mono<Trade> sell(RequestContext context, OfferView offer, Buyer job, BigDecimal bid, String bidName,
                             SubmitJobCommand submission) {
        checkTerms(offer, job, bid, bidName);
        return backend.blocking(context, () -> {
            checkRequirements(offer, job);
            return trade(context, offer, job, bid, submission);
        });
    }

    /** Blocking. Makes the trade, retrying it whole when another transaction took the offer's next event. */
    private Trade trade(RequestContext context, OfferView offer, Buyer job, BigDecimal bid,
                        SubmitJobCommand submission) {
        ConcurrencyException lastConflict = null;
        for (int tryNumber = 1; tryNumber <= MAX_TRIES; tryNumber++) {
            try {
                return transactions.execute(status -> tradeInTransaction(context, offer, job, bid, submission));
            } catch (ConcurrencyException e) {
                lastConflict = e;
                logger.debug("Acceptance try [{}] of offer [{}] for job [{}] conflicted: [{}]", tryNumber,
                        offer.offerId(), job.jobId(), e.getMessage());
            }
        }
        throw new CommandRejectedException("INVALID_STATE", "Offer " + offer.offerId() + " is in high demand; "
                + "try again (" + lastConflict.getMessage() + ")");
    }

    private Trade tradeInTransaction(RequestContext context, OfferView offer, Buyer job, BigDecimal bid,
                                     SubmitJobCommand submission) {
        if (submission != null) {
            send(context, submission);
        }
        market.lockQueuedJob(job.jobId());
        Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        String transactionId = Ids.newId("txn", now);
        Instant reservedUntil = now.plus(reservationLease);
        String clientId = context.caller().principal();
        send(context, new ReserveJobCommand(job.jobId(), clientId, offer.minerId(), offer.offerId(), transactionId,
                new BigDecimal(offer.price()), offer.unitType(), bid, reservedUntil));
        send(context, new AcceptOfferCommand(offer.offerId(), transactionId, job.jobId(), clientId, job.type(), bid));
        logger.info("Job [{}] reserved for miner [{}] through offer [{}] at [{}] per [{}] in [{}]", job.jobId(),
                offer.minerId(), offer.offerId(), offer.price(), offer.unitType(), transactionId);
        return new Trade(transactionId, offer, job.jobId(), now, reservedUntil);
    }

    private void send(RequestContext context, Object command) {
        commandGateway.sendAndWait(GenericCommandMessage.asCommandMessage(command).andMetaData(context.metaData()));
    }

    /** The checks a client can act on, in the order it should fix them; the aggregates check again. */
    private static void checkTerms(OfferView offer, Buyer job, BigDecimal bid, String bidName) {
        if (offer.status() != OfferStatus.ACTIVE) {
            throw new ApiException(HttpStatus.GONE, "OFFER_NOT_AVAILABLE",
                    "Offer " + offer.offerId() + " is " + offer.status().wireName());
        }
        if (job.status() != JobStatus.QUEUED) {
            throw new ApiException(HttpStatus.CONFLICT, job.status().isFinal() ? "JOB_ALREADY_COMPLETED"
                    : "INVALID_STATE", "Job " + job.jobId() + " is " + job.status().wireName()
                    + "; only a queued job can be reserved");
        }
        if (!offer.jobType().equals(job.type())) {
            throw new ApiException(HttpStatus.BAD_REQUEST, "INVALID_JOB_TYPE",
                    "Offer " + offer.offerId() + " sells '" + offer.jobType() + "' jobs, job " + job.jobId()
                            + " is '" + job.type() + "'");
        }
        if (bid.compareTo(new BigDecimal(offer.price())) < 0) {
            throw badBid(bidName, "must be at least the offer's price " + offer.price());
        }
        if (job.maxPrice() != null && bid.compareTo(job.maxPrice()) > 0) {
            throw badBid(bidName, "must not exceed the job's max_price " + job.maxPrice().toPlainString());
        }
    }

    private static ApiException badBid(String bidName, String problem) {
        return new ApiException(HttpStatus.BAD_REQUEST, "VALIDATION_FAILED", bidName + " " + problem,
                Map.of("fields", List.of(Map.of("field", "bid_price", "problem", problem))));
    }

    /**
     * A reservation the miner's polls can never take would only lapse, and an offer sells only what it
     * states: refuse both up front, by the rule matching uses.
     */
    private void checkRequirements(OfferView offer, Buyer job) {
        MinerProfile miner = dispatch.minerProfile(offer.minerId())
                .orElseThrow(() -> ApiException.notFound("MINER_NOT_FOUND", "Miner " + offer.minerId()
                        + " of offer " + offer.offerId() + " is not registered"));
        if (!miner.jobTypes().isEmpty() && !miner.jobTypes().contains(job.type())) {
            throw cannotServe("Miner " + offer.minerId() + " is not registered for '" + job.type() + "' jobs");
        }
        Capacity registered = Capacity.of(miner);
        List<String> unmet = dispatch.unmetRequirements(registered, job.requirements());
        if (!unmet.isEmpty()) {
            throw cannotServe("Miner " + offer.minerId() + " cannot run job " + job.jobId()
                    + ": its registration does not meet the job's requirements " + unmet);
        }
        List<String> unsold = dispatch.unmetRequirements(registered.soldThrough(offer.requirements()),
                job.requirements());
        if (!unsold.isEmpty()) {
            throw cannotServe("Offer " + offer.offerId() + " does not sell what job " + job.jobId()
                    + " requires: the requirements the offer states do not meet the job's " + unsold);
        }
    }

    private static ApiException cannotServe(String message) {
        return new ApiException(HttpStatus.CONFLICT, "INVALID_STATE", message);
    }

    private Mono<OfferView> existingOffer(RequestContext context, String offerId) {
        return backend.query(context, new FindOfferQuery(offerId), OfferView.class)
                .switchIfEmpty(Mono.error(() -> ApiException.notFound("OFFER_NOT_FOUND", "No offer " + offerId)));
    }

    private Mono<JobView> clientJob(RequestContext context, String jobId) {
        return backend.query(context, new FindJobQuery(jobId), JobView.class)
                .filter(job -> Objects.equals(job.clientId(), context.caller().principal()))
                .switchIfEmpty(Mono.error(() -> ApiException.notFound("JOB_NOT_FOUND",
                        "No job " + jobId + " is visible to this key")));
    }
}
