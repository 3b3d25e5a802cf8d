package io.aitbc.coordinator.query.offer;

import io.aitbc.coordinator.job.api.JobAssignedEvent;
import io.aitbc.coordinator.job.api.JobCanceledEvent;
import io.aitbc.coordinator.job.api.JobExpiredEvent;
import io.aitbc.coordinator.job.api.JobFailedEvent;
import io.aitbc.coordinator.job.api.JobReservationLapsedEvent;
import io.aitbc.coordinator.job.api.JobReservedEvent;
import io.aitbc.coordinator.offer.api.OfferAcceptedEvent;
import io.aitbc.coordinator.offer.api.OfferExpiredEvent;
import io.aitbc.coordinator.offer.api.OfferMatchedEvent;
import io.aitbc.coordinator.offer.api.OfferPublishedEvent;
import io.aitbc.coordinator.offer.api.OfferSlotReleasedEvent;
import io.aitbc.coordinator.offer.api.OfferStatus;
import io.aitbc.coordinator.offer.api.OfferUsedUpEvent;
import io.aitbc.coordinator.offer.api.OfferWithdrawnEvent;
import io.aitbc.coordinator.query.dispatch.QueueSignals;
import io.aitbc.coordinator.query.infra.JsonText;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.eventhandling.ResetHandler;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.springframework.stereotype.Component;

import java.time.Instant;

import static io.aitbc.coordinator.query.infra.Times.utc;
import static io.aitbc.coordinator.query.jooq.Tables.MARKET_DEADLINE;
import static io.aitbc.coordinator.query.jooq.Tables.OFFER_VIEW;

/**
 * Keeps {@code offer_view}, the offers as clients list them, and {@code market_deadline}, the time
 * limits the marketplace must act on: an offer's expiry, and the lapse of a reservation whose miner
 * has not taken its job yet.
 */
@Component
@ProcessingGroup(OfferViewProjection.PROCESSING_GROUP)
class OfferViewProjection {

    static final String PROCESSING_GROUP = "market-offers";

    private final DSLContext dsl;
    private final QueueSignals signals;

    OfferViewProjection(DSLContext dsl, QueueSignals signals) {
        this.dsl = dsl;
        this.signals = signals;
    }

    @EventHandler
    void on(OfferPublishedEvent event) {
        dsl.insertInto(OFFER_VIEW)
                .set(OFFER_VIEW.OFFER_ID, event.offerId())
                .set(OFFER_VIEW.MINER_ID, event.minerId())
                .set(OFFER_VIEW.JOB_TYPE, event.jobType())
                .set(OFFER_VIEW.PRICE, event.price())
                .set(OFFER_VIEW.UNIT_TYPE, event.unitType())
                .set(OFFER_VIEW.MAX_JOBS, event.maxJobs())
                .set(OFFER_VIEW.JOBS_LEFT, event.maxJobs())
                .set(OFFER_VIEW.REQUIREMENTS, event.requirements() == null ? null
                        : JsonText.write(event.requirements()))
                .set(OFFER_VIEW.STATUS, OfferStatus.ACTIVE.wireName())
                .set(OFFER_VIEW.CREATED_AT, utc(event.publishedAt()))
                .set(OFFER_VIEW.EXPIRES_AT, utc(event.expiresAt()))
                .onConflictDoNothing()
                .execute();
        upsertDeadline(event.offerId(), MarketDeadlines.OFFER_EXPIRY, event.offerId(), null, event.expiresAt());
        // a cheaper offer can make waiting jobs eligible for its miner's polls
        signals.jobQueued();
    }

    @EventHandler
    void on(OfferAcceptedEvent event) {
        jobsLeft(event.offerId(), event.jobsLeft());
    }

    @EventHandler
    void on(OfferMatchedEvent event) {
        jobsLeft(event.offerId(), event.jobsLeft());
    }

    @EventHandler
    void on(OfferUsedUpEvent event) {
        dsl.update(OFFER_VIEW)
                .set(OFFER_VIEW.STATUS, OfferStatus.USED_UP.wireName())
                .where(OFFER_VIEW.OFFER_ID.eq(event.offerId()))
                .execute();
    }

    @EventHandler
    void on(OfferSlotReleasedEvent event) {
        dsl.update(OFFER_VIEW)
                .set(OFFER_VIEW.JOBS_LEFT, event.jobsLeft())
                .set(OFFER_VIEW.STATUS, DSL.when(OFFER_VIEW.STATUS.eq(OfferStatus.USED_UP.wireName()),
                        OfferStatus.ACTIVE.wireName()).otherwise(OFFER_VIEW.STATUS))
                .where(OFFER_VIEW.OFFER_ID.eq(event.offerId()))
                .execute();
        deleteDeadline(event.transactionId(), MarketDeadlines.RESERVATION);
    }

    @EventHandler
    void on(OfferWithdrawnEvent event) {
        end(event.offerId(), OfferStatus.WITHDRAWN, event.withdrawnAt());
    }

    @EventHandler
    void on(OfferExpiredEvent event) {
        end(event.offerId(), OfferStatus.EXPIRED, event.expiredAt());
    }

    @EventHandler
    void on(JobReservedEvent event) {
        upsertDeadline(event.transactionId(), MarketDeadlines.RESERVATION, event.offerId(), event.jobId(),
                event.reservedUntil());
    }

    /** The reserved miner took its job: the trade stands and nothing is left to release. */
    @EventHandler
    void on(JobAssignedEvent event) {
        dsl.deleteFrom(MARKET_DEADLINE)
                .where(MARKET_DEADLINE.JOB_ID.eq(event.jobId()))
                .and(MARKET_DEADLINE.KIND.eq(MarketDeadlines.RESERVATION))
                .execute();
    }

    @EventHandler
    void on(JobReservationLapsedEvent event) {
        // due now rather than deleted: the watcher still has to give the offer its job back
        dueNow(event.jobId(), event.lapsedAt());
    }

    @EventHandler
    void on(JobCanceledEvent event) {
        dueNow(event.jobId(), event.canceledAt());
    }

    @EventHandler
    void on(JobExpiredEvent event) {
        dueNow(event.jobId(), event.expiredAt());
    }

    @EventHandler
    void on(JobFailedEvent event) {
        dueNow(event.jobId(), event.failedAt());
    }

    @ResetHandler
    void reset() {
        dsl.truncate(OFFER_VIEW).execute();
        dsl.truncate(MARKET_DEADLINE).execute();
    }

    private void jobsLeft(String offerId, int jobsLeft) {
        dsl.update(OFFER_VIEW)
                .set(OFFER_VIEW.JOBS_LEFT, jobsLeft)
                .where(OFFER_VIEW.OFFER_ID.eq(offerId))
                .execute();
    }

    private void end(String offerId, OfferStatus status, Instant at) {
        dsl.update(OFFER_VIEW)
                .set(OFFER_VIEW.STATUS, status.wireName())
                .set(OFFER_VIEW.ENDED_AT, utc(at))
                .where(OFFER_VIEW.OFFER_ID.eq(offerId))
                .execute();
        deleteDeadline(offerId, MarketDeadlines.OFFER_EXPIRY);
    }

    private void dueNow(String jobId, Instant at) {
        dsl.update(MARKET_DEADLINE)
                .set(MARKET_DEADLINE.DUE_AT, utc(at))
                .where(MARKET_DEADLINE.JOB_ID.eq(jobId))
                .and(MARKET_DEADLINE.KIND.eq(MarketDeadlines.RESERVATION))
                .and(MARKET_DEADLINE.DUE_AT.gt(utc(at)))
                .execute();
    }

    private void deleteDeadline(String deadlineId, String kind) {
        dsl.deleteFrom(MARKET_DEADLINE)
                .where(MARKET_DEADLINE.DEADLINE_ID.eq(deadlineId))
                .and(MARKET_DEADLINE.KIND.eq(kind))
                .execute();
    }

    private void upsertDeadline(String deadlineId, String kind, String offerId, String jobId, Instant dueAt) {
        dsl.insertInto(MARKET_DEADLINE)
                .set(MARKET_DEADLINE.DEADLINE_ID, deadlineId)
                .set(MARKET_DEADLINE.KIND, kind)
                .set(MARKET_DEADLINE.OFFER_ID, offerId)
                .set(MARKET_DEADLINE.JOB_ID, jobId)
                .set(MARKET_DEADLINE.DUE_AT, utc(dueAt))
                .onConflict(MARKET_DEADLINE.DEADLINE_ID, MARKET_DEADLINE.KIND)
                .doUpdate()
                .set(MARKET_DEADLINE.DUE_AT, utc(dueAt))
                .execute();
    }
}
