package io.aitbc.coordinator.offer;

import io.aitbc.coordinator.common.api.CommandRejectedException;
import io.aitbc.coordinator.common.api.Money;
import io.aitbc.coordinator.offer.api.AcceptOfferCommand;
import io.aitbc.coordinator.offer.api.ExpireOfferCommand;
import io.aitbc.coordinator.offer.api.MatchOfferCommand;
import io.aitbc.coordinator.offer.api.OfferAcceptedEvent;
import io.aitbc.coordinator.offer.api.OfferExpiredEvent;
import io.aitbc.coordinator.offer.api.OfferMatchedEvent;
import io.aitbc.coordinator.offer.api.OfferPublishedEvent;
import io.aitbc.coordinator.offer.api.OfferSlotReleasedEvent;
import io.aitbc.coordinator.offer.api.OfferStatus;
import io.aitbc.coordinator.offer.api.OfferUsedUpEvent;
import io.aitbc.coordinator.offer.api.OfferWithdrawnEvent;
import io.aitbc.coordinator.offer.api.PublishOfferCommand;
import io.aitbc.coordinator.offer.api.ReleaseOfferSlotCommand;
import io.aitbc.coordinator.offer.api.WithdrawOfferCommand;
import org.axonframework.commandhandling.CommandHandler;
import org.axonframework.eventhandling.GenericEventMessage;
import org.axonframework.eventsourcing.EventSourcingHandler;
import org.axonframework.modelling.command.AggregateIdentifier;
import org.axonframework.spring.stereotype.Aggregate;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

import static org.axonframework.modelling.command.AggregateLifecycle.apply;

/**
 * A miner's offer of up to {@code maxJobs} jobs of one type at one price. Every job sold through
 * it, by a client's acceptance or by matching a poll, takes one of its slots; the aggregate's
 * event stream serializes those sales, so two buyers of the last slot never both get it (the
 * loser's append conflicts, and its retry finds the offer used up).
 *
 * <p>A sold slot comes back only through {@link ReleaseOfferSlotCommand}, when the job it was sold
 * for will never run under the offer.
 */
@Aggregate
class OfferAggregate {

    static final int MAX_JOBS_LIMIT = 100_000;

    @AggregateIdentifier
    private String offerId;
    private String minerId;
    private String jobType;
    private BigDecimal price;
    private String unitType;
    private OfferStatus status;
    private Instant expiresAt;
    private int jobsLeft;
    /** Transactions whose job may still be released, with their job. */
    private final Map<String, String> releasable = new HashMap<>();

    OfferAggregate() {
        // required by Axon to rebuild the aggregate from its events
    }

    @CommandHandler
    OfferAggregate(PublishOfferCommand command) {
        if (command.price() == null || command.price().signum() < 0) {
            throw new CommandRejectedException("VALIDATION_FAILED", "price must be a non-negative decimal");
        }
        if (command.maxJobs() < 1 || command.maxJobs() > MAX_JOBS_LIMIT) {
            throw new CommandRejectedException("VALIDATION_FAILED", "max_jobs must be 1 to " + MAX_JOBS_LIMIT);
        }
        Instant now = now();
        if (!command.expiresAt().isAfter(now)) {
            throw new CommandRejectedException("VALIDATION_FAILED", "The offer would expire before it is published");
        }
        String unit = command.unitType() == null ? Money.UNIT_JOB : command.unitType();
        apply(new OfferPublishedEvent(command.offerId(), command.minerId(), command.jobType(), command.price(), unit,
                command.maxJobs(), command.requirements(), now, command.expiresAt()));
    }

    @CommandHandler
    void handle(WithdrawOfferCommand command) {
        if (!Objects.equals(minerId, command.minerId())) {
            throw new CommandRejectedException("FORBIDDEN", "Offer " + offerId + " belongs to another miner");
        }
        if (status == OfferStatus.WITHDRAWN) {
            return;
        }
        if (status == OfferStatus.EXPIRED) {
            throw notAvailable();
        }
        apply(new OfferWithdrawnEvent(offerId, minerId, jobsLeft, now()));
    }

    @CommandHandler
    void handle(AcceptOfferCommand command) {
        Instant now = requireSelling(command.jobId(), command.jobType());
        if (command.bidPrice() == null || command.bidPrice().compareTo(price) < 0) {
            throw new CommandRejectedException("VALIDATION_FAILED",
                    "bid_price must be at least the offer's price " + Money.format(price));
        }
        apply(new OfferAcceptedEvent(offerId, command.transactionId(), command.jobId(), command.clientId(), minerId,
                jobType, price, unitType, command.bidPrice(), jobsLeft - 1, now));
        if (jobsLeft == 0) {
            apply(new OfferUsedUpEvent(offerId, minerId, now));
        }
    }

    @CommandHandler
    void handle(MatchOfferCommand command) {
        if (!Objects.equals(minerId, command.minerId())) {
            throw new CommandRejectedException("FORBIDDEN", "Offer " + offerId + " belongs to another miner");
        }
        Instant now = requireSelling(command.jobId(), command.jobType());
        apply(new OfferMatchedEvent(offerId, command.transactionId(), command.jobId(), minerId, jobType, price,
                unitType, jobsLeft - 1, now));
        if (jobsLeft == 0) {
            apply(new OfferUsedUpEvent(offerId, minerId, now));
        }
    }

    @CommandHandler
    boolean handle(ReleaseOfferSlotCommand command) {
        String jobId = releasable.get(command.transactionId());
        if (jobId == null) {
            return false;
        }
        apply(new OfferSlotReleasedEvent(offerId, command.transactionId(), jobId, minerId, command.reason(),
                jobsLeft + 1, now()));
        return true;
    }

    @CommandHandler
    boolean handle(ExpireOfferCommand command) {
        Instant now = now();
        if (status.isFinal() || now.isBefore(expiresAt)) {
            return false;
        }
        apply(new OfferExpiredEvent(offerId, minerId, jobsLeft, now));
        return true;
    }

    @EventSourcingHandler
    void on(OfferPublishedEvent event) {
        offerId = event.offerId();
        minerId = event.minerId();
        jobType = event.jobType();
        price = event.price();
        unitType = event.unitType();
        expiresAt = event.expiresAt();
        jobsLeft = event.maxJobs();
        status = OfferStatus.ACTIVE;
    }

    @EventSourcingHandler
    void on(OfferAcceptedEvent event) {
        jobsLeft = event.jobsLeft();
        releasable.put(event.transactionId(), event.jobId());
    }

    @EventSourcingHandler
    void on(OfferMatchedEvent event) {
        // a matched job is assigned in the same transaction, so there is nothing left to release
        jobsLeft = event.jobsLeft();
    }

    @EventSourcingHandler
    void on(OfferUsedUpEvent event) {
        status = OfferStatus.USED_UP;
    }

    @EventSourcingHandler
    void on(OfferSlotReleasedEvent event) {
        jobsLeft = event.jobsLeft();
        releasable.remove(event.transactionId());
        if (status == OfferStatus.USED_UP) {
            status = OfferStatus.ACTIVE;
        }
    }

    @EventSourcingHandler
    void on(OfferWithdrawnEvent event) {
        status = OfferStatus.WITHDRAWN;
    }

    @EventSourcingHandler
    void on(OfferExpiredEvent event) {
        status = OfferStatus.EXPIRED;
    }

    /** Guards of every sale; answers the time of the sale. */
    private Instant requireSelling(String jobId, String requestedType) {
        Instant now = now();
        if (status != OfferStatus.ACTIVE || !now.isBefore(expiresAt)) {
            throw notAvailable();
        }
        if (!Objects.equals(jobType, requestedType)) {
            throw new CommandRejectedException("INVALID_JOB_TYPE",
                    "Offer " + offerId + " sells '" + jobType + "' jobs, not '" + requestedType + "'");
        }
        if (releasable.containsValue(jobId)) {
            throw new CommandRejectedException("INVALID_STATE", "Job " + jobId + " already holds this offer");
        }
        return now;
    }

    private CommandRejectedException notAvailable() {
        String state = status == OfferStatus.ACTIVE ? "expired" : status.wireName();
        return new CommandRejectedException("OFFER_NOT_AVAILABLE", "Offer " + offerId + " is " + state);
    }

    private static Instant now() {
        return GenericEventMessage.clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }
}
