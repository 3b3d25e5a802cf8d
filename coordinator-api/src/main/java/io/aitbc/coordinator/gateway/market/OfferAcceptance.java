package io.aitbc.coordinator.gateway.market;

import io.aitbc.coordinator.common.api.CommandRejectedException;
import io.aitbc.coordinator.common.api.Ids;
import io.aitbc.coordinator.gateway.web.RequestContext;
import io.aitbc.coordinator.job.api.ReserveJobCommand;
import io.aitbc.coordinator.offer.api.AcceptOfferCommand;
import io.aitbc.coordinator.offer.api.OfferView;
import io.aitbc.coordinator.query.offer.MarketRepository;
import org.axonframework.commandhandling.GenericCommandMessage;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.axonframework.modelling.command.ConcurrencyException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * Sells one job of an offer to a client: the job's reservation and the offer's slot are written in
 * one database transaction, so either both happen or neither does, and no compensation is needed
 * on this path.
 *
 * <p>Both aggregates are appended to in the order job, then offer, the order every other
 * transaction touching both uses (the reservation watcher, a miner's claim), after locking the
 * job's queue row as a claim does. Two clients buying the last slot of one offer both append the
 * offer's next event; the second append conflicts, its whole transaction rolls back and is retried,
 * and the retry finds the offer used up: exactly one wins.
 */
@Component
class OfferAcceptance {

    private static final Logger logger = LoggerFactory.getLogger(OfferAcceptance.class);
    private static final int MAX_TRIES = 5;

    private final MarketRepository market;
    private final CommandGateway commandGateway;
    private final TransactionTemplate transactions;
    private final Clock clock;
    private final Duration reservationLease;

    OfferAcceptance(MarketRepository market, CommandGateway commandGateway, TransactionTemplate transactions,
                    Clock clock, @Value("${coordinator.market.reservation-lease:${coordinator.jobs.lease:60s}}")
                    Duration reservationLease) {
        this.market = market;
        this.commandGateway = commandGateway;
        this.transactions = transactions;
        this.clock = clock;
        this.reservationLease = reservationLease;
    }

    record Trade(String transactionId, Instant createdAt, Instant reservedUntil) {
    }

    /** Blocking. Reserves the job for the offer's miner and takes one of the offer's jobs. */
    Trade accept(RequestContext context, OfferView offer, String jobId, BigDecimal bidPrice, String jobType) {
        ConcurrencyException lastConflict = null;
        for (int tryNumber = 1; tryNumber <= MAX_TRIES; tryNumber++) {
            try {
                return transactions.execute(status -> acceptInTransaction(context, offer, jobId, bidPrice, jobType));
            } catch (ConcurrencyException e) {
                lastConflict = e;
                logger.debug("Acceptance try [{}] of offer [{}] for job [{}] conflicted: [{}]", tryNumber,
                        offer.offerId(), jobId, e.getMessage());
            }
        }
        throw new CommandRejectedException("INVALID_STATE", "Offer " + offer.offerId() + " is in high demand; "
                + "try again (" + lastConflict.getMessage() + ")");
    }

    private Trade acceptInTransaction(RequestContext context, OfferView offer, String jobId, BigDecimal bidPrice,
                                      String jobType) {
        market.lockQueuedJob(jobId);
        Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        String transactionId = Ids.newId("txn", now);
        Instant reservedUntil = now.plus(reservationLease);
        var reserve = new ReserveJobCommand(jobId, context.caller().principal(), offer.minerId(), offer.offerId(),
                transactionId, new BigDecimal(offer.price()), offer.unitType(), bidPrice, reservedUntil);
        commandGateway.sendAndWait(GenericCommandMessage.asCommandMessage(reserve).andMetaData(context.metaData()));
        var accept = new AcceptOfferCommand(offer.offerId(), transactionId, jobId, context.caller().principal(),
                jobType, bidPrice);
        commandGateway.sendAndWait(GenericCommandMessage.asCommandMessage(accept).andMetaData(context.metaData()));
        logger.info("Job [{}] reserved for miner [{}] through offer [{}] at [{}] per [{}] in [{}]", jobId,
                offer.minerId(), offer.offerId(), offer.price(), offer.unitType(), transactionId);
        return new Trade(transactionId, now, reservedUntil);
    }
}
