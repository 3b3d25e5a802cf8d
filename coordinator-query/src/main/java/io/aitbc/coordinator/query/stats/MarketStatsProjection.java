package io.aitbc.coordinator.query.stats;

import io.aitbc.coordinator.job.api.JobAssignedEvent;
import io.aitbc.coordinator.job.api.JobCanceledEvent;
import io.aitbc.coordinator.job.api.JobCompletedEvent;
import io.aitbc.coordinator.job.api.JobExpiredEvent;
import io.aitbc.coordinator.job.api.JobFailedEvent;
import io.aitbc.coordinator.job.api.JobLeaseRenewedEvent;
import io.aitbc.coordinator.job.api.JobProgressReportedEvent;
import io.aitbc.coordinator.job.api.JobRequeuedEvent;
import io.aitbc.coordinator.job.api.JobReservationLapsedEvent;
import io.aitbc.coordinator.job.api.JobStatus;
import io.aitbc.coordinator.job.api.JobSubmittedEvent;
import io.aitbc.coordinator.miner.api.MinerRegisteredEvent;
import io.aitbc.coordinator.offer.api.OfferPublishedEvent;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.eventhandling.ResetHandler;
import org.axonframework.eventhandling.Timestamp;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.impl.DSL;
import org.springframework.stereotype.Component;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;

import static io.aitbc.coordinator.query.infra.Times.utc;
import static io.aitbc.coordinator.query.jooq.Tables.MARKET_JOB;
import static io.aitbc.coordinator.query.jooq.Tables.MINER_STATS;

/**
 * Keeps {@code market_job} (one row per job: status, miner, times, price) and {@code miner_stats}
 * (one row of counters per miner). The marketplace figures are aggregates over {@code market_job}
 * at read time, so no row is written by every job's transaction.
 */
@Component
@ProcessingGroup(MarketStatsProjection.PROCESSING_GROUP)
class MarketStatsProjection {

    static final String PROCESSING_GROUP = "market-stats";

    private final DSLContext dsl;

    MarketStatsProjection(DSLContext dsl) {
        this.dsl = dsl;
    }

    @EventHandler
    void on(JobSubmittedEvent event) {
        dsl.insertInto(MARKET_JOB)
                .set(MARKET_JOB.JOB_ID, event.jobId())
                .set(MARKET_JOB.STATUS, JobStatus.QUEUED.wireName())
                .set(MARKET_JOB.SUBMITTED_AT, utc(event.submittedAt()))
                .onConflictDoNothing()
                .execute();
    }

    @EventHandler
    void on(JobAssignedEvent event) {
        dsl.update(MARKET_JOB)
                .set(MARKET_JOB.STATUS, JobStatus.RUNNING.wireName())
                .set(MARKET_JOB.MINER_ID, event.minerId())
                .set(MARKET_JOB.STARTED_AT, utc(event.assignedAt()))
                .set(MARKET_JOB.FIRST_LEASE_END, utc(event.leaseExpiresAt()))
                .where(MARKET_JOB.JOB_ID.eq(event.jobId()))
                .execute();
        seen(event.minerId(), event.assignedAt());
        dsl.update(MINER_STATS)
                .set(MINER_STATS.ASSIGNMENTS, MINER_STATS.ASSIGNMENTS.plus(1))
                .where(MINER_STATS.MINER_ID.eq(event.minerId()))
                .execute();
    }

    @EventHandler
    void on(JobCompletedEvent event) {
        OffsetDateTime firstLeaseEnd = dsl.select(MARKET_JOB.FIRST_LEASE_END)
                .from(MARKET_JOB)
                .where(MARKET_JOB.JOB_ID.eq(event.jobId()))
                .fetchOne(MARKET_JOB.FIRST_LEASE_END);
        boolean timely = firstLeaseEnd != null && !event.completedAt().isAfter(firstLeaseEnd.toInstant());
        dsl.update(MARKET_JOB)
                .set(MARKET_JOB.STATUS, JobStatus.COMPLETED.wireName())
                .set(MARKET_JOB.COMPLETED_AT, utc(event.completedAt()))
                .set(MARKET_JOB.PRICE, event.price())
                .where(MARKET_JOB.JOB_ID.eq(event.jobId()))
                .execute();
        seen(event.minerId(), event.completedAt());
        long busyMillis = Duration.between(event.startedAt(), event.completedAt()).toMillis();
        dsl.update(MINER_STATS)
                .set(MINER_STATS.COMPLETED, MINER_STATS.COMPLETED.plus(1))
                .set(MINER_STATS.TIMELY, MINER_STATS.TIMELY.plus(timely ? 1 : 0))
                .set(MINER_STATS.BUSY_MS, MINER_STATS.BUSY_MS.plus(busyMillis))
                .set(MINER_STATS.EARNED, MINER_STATS.EARNED.plus(event.price()))
                .where(MINER_STATS.MINER_ID.eq(event.minerId()))
                .execute();
    }

    @EventHandler
    void on(JobRequeuedEvent event) {
        dsl.update(MARKET_JOB)
                .set(MARKET_JOB.STATUS, JobStatus.QUEUED.wireName())
                .where(MARKET_JOB.JOB_ID.eq(event.jobId()))
                .execute();
        count(event.minerId(), JobRequeuedEvent.LEASE_EXPIRED.equals(event.reason())
                ? MINER_STATS.LEASE_EXPIRIES : MINER_STATS.FAILURES, event.requeuedAt());
    }

    @EventHandler
    void on(JobFailedEvent event) {
        status(event.jobId(), JobStatus.FAILED);
        count(event.minerId(), "LEASE_EXPIRED".equals(event.errorCode())
                ? MINER_STATS.LEASE_EXPIRIES : MINER_STATS.FAILURES, event.failedAt());
    }

    @EventHandler
    void on(JobExpiredEvent event) {
        status(event.jobId(), JobStatus.EXPIRED);
    }

    @EventHandler
    void on(JobCanceledEvent event) {
        status(event.jobId(), JobStatus.CANCELED);
    }

    @EventHandler
    void on(JobReservationLapsedEvent event) {
        count(event.minerId(), MINER_STATS.RESERVATION_LAPSES, event.lapsedAt());
    }

    @EventHandler
    void on(JobLeaseRenewedEvent event, @Timestamp Instant at) {
        // the event store keeps an event's time to the millisecond: a rebuild sees no more than that
        seen(event.minerId(), at.truncatedTo(ChronoUnit.MILLIS));
    }

    @EventHandler
    void on(JobProgressReportedEvent event) {
        seen(event.minerId(), event.reportedAt());
    }

    @EventHandler
    void on(MinerRegisteredEvent event) {
        OffsetDateTime registeredAt = utc(event.registeredAt());
        dsl.insertInto(MINER_STATS)
                .set(MINER_STATS.MINER_ID, event.minerId())
                .set(MINER_STATS.ACTIVE_SINCE, utc(event.registeredAt()))
                .set(MINER_STATS.LAST_SEEN_AT, utc(event.registeredAt()))
                .onConflict(MINER_STATS.MINER_ID)
                .doUpdate()
                .set(MINER_STATS.ACTIVE_SINCE, DSL.coalesce(MINER_STATS.ACTIVE_SINCE, DSL.val(registeredAt)))
                .set(MINER_STATS.LAST_SEEN_AT, DSL.greatest(MINER_STATS.LAST_SEEN_AT, DSL.val(registeredAt)))
                .execute();
    }

    @EventHandler
    void on(OfferPublishedEvent event) {
        seen(event.minerId(), event.publishedAt());
    }

    @ResetHandler
    void reset() {
        dsl.truncate(MARKET_JOB).execute();
        dsl.truncate(MINER_STATS).execute();
    }

    private void status(String jobId, JobStatus status) {
        dsl.update(MARKET_JOB)
                .set(MARKET_JOB.STATUS, status.wireName())
                .where(MARKET_JOB.JOB_ID.eq(jobId))
                .execute();
    }

    private void count(String minerId, Field<Integer> counter, Instant at) {
        if (minerId == null) {
            return;
        }
        seen(minerId, at);
        dsl.update(MINER_STATS)
                .set(counter, counter.plus(1))
                .where(MINER_STATS.MINER_ID.eq(minerId))
                .execute();
    }

    /** Records activity; creates the row for a miner whose registration this table has not seen. */
    private void seen(String minerId, Instant at) {
        if (minerId == null) {
            return;
        }
        dsl.insertInto(MINER_STATS)
                .set(MINER_STATS.MINER_ID, minerId)
                .set(MINER_STATS.LAST_SEEN_AT, utc(at))
                .onConflict(MINER_STATS.MINER_ID)
                .doUpdate()
                .set(MINER_STATS.LAST_SEEN_AT, DSL.greatest(MINER_STATS.LAST_SEEN_AT, DSL.val(utc(at))))
                .execute();
    }
}
