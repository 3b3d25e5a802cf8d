package io.aitbc.coordinator.query.dispatch;

import io.aitbc.coordinator.job.api.JobAssignedEvent;
import io.aitbc.coordinator.job.api.JobCanceledEvent;
import io.aitbc.coordinator.job.api.JobCompletedEvent;
import io.aitbc.coordinator.job.api.JobExpiredEvent;
import io.aitbc.coordinator.job.api.JobFailedEvent;
import io.aitbc.coordinator.job.api.JobLeaseRenewedEvent;
import io.aitbc.coordinator.job.api.JobProgressReportedEvent;
import io.aitbc.coordinator.job.api.JobRequeuedEvent;
import io.aitbc.coordinator.job.api.JobRequirements;
import io.aitbc.coordinator.job.api.JobReservationLapsedEvent;
import io.aitbc.coordinator.job.api.JobReservedEvent;
import io.aitbc.coordinator.job.api.JobSubmittedEvent;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.eventhandling.ResetHandler;
import org.jooq.DSLContext;
import org.springframework.stereotype.Component;

import java.time.Instant;

import static io.aitbc.coordinator.query.infra.Times.utc;
import static io.aitbc.coordinator.query.jooq.Tables.JOB_DEADLINE;
import static io.aitbc.coordinator.query.jooq.Tables.JOB_QUEUE;

/**
 * Keeps what dispatching needs: {@code job_queue}, the jobs a miner may take now, and
 * {@code job_deadline}, the time limits of unfinished jobs. Both change in the transaction of the
 * command that changed the job, so a row in the queue always means the job is queued, and waiting
 * miners are told of new work only once it is committed.
 */
@Component
@ProcessingGroup(JobQueueProjection.PROCESSING_GROUP)
class JobQueueProjection {

    static final String PROCESSING_GROUP = "job-dispatch";
    static final String EXPIRY = "expiry";
    static final String LEASE = "lease";

    private final DSLContext dsl;
    private final QueueSignals signals;

    JobQueueProjection(DSLContext dsl, QueueSignals signals) {
        this.dsl = dsl;
        this.signals = signals;
    }

    @EventHandler
    void on(JobSubmittedEvent event) {
        JobRequirements required = event.requirements() == null ? JobRequirements.NONE : event.requirements();
        dsl.insertInto(JOB_QUEUE)
                .set(JOB_QUEUE.JOB_ID, event.jobId())
                .set(JOB_QUEUE.CLAIMABLE, true)
                .set(JOB_QUEUE.TYPE, event.type())
                .set(JOB_QUEUE.SUBMITTED_AT, utc(event.submittedAt()))
                .set(JOB_QUEUE.REQ_GPU, required.gpu())
                .set(JOB_QUEUE.REQ_MIN_VRAM_MB, required.minVramGb() == null ? null : required.minVramGb() * 1024)
                .set(JOB_QUEUE.REQ_MODELS,
                        required.models().isEmpty() ? null : required.models().toArray(String[]::new))
                .set(JOB_QUEUE.REQ_REGION, required.region())
                .set(JOB_QUEUE.MAX_PRICE, event.maxPrice())
                .onConflictDoNothing()
                .execute();
        upsertDeadline(event.jobId(), EXPIRY, 0, event.expiresAt());
        signals.jobQueued();
    }

    @EventHandler
    void on(JobAssignedEvent event) {
        dsl.update(JOB_QUEUE)
                .set(JOB_QUEUE.CLAIMABLE, false)
                .set(JOB_QUEUE.MINER_ID, event.minerId())
                .setNull(JOB_QUEUE.RESERVED_MINER_ID)
                .setNull(JOB_QUEUE.RESERVED_OFFER_ID)
                .setNull(JOB_QUEUE.RESERVED_PRICE)
                .setNull(JOB_QUEUE.RESERVED_UNIT_TYPE)
                .setNull(JOB_QUEUE.RESERVED_UNTIL)
                .where(JOB_QUEUE.JOB_ID.eq(event.jobId()))
                .execute();
        upsertDeadline(event.jobId(), LEASE, event.attempt(), event.leaseExpiresAt());
    }

    /** Only the reserved miner may take the job now; its waiting poll is woken to do so. */
    @EventHandler
    void on(JobReservedEvent event) {
        dsl.update(JOB_QUEUE)
                .set(JOB_QUEUE.RESERVED_MINER_ID, event.minerId())
                .set(JOB_QUEUE.RESERVED_OFFER_ID, event.offerId())
                .set(JOB_QUEUE.RESERVED_PRICE, event.unitPrice())
                .set(JOB_QUEUE.RESERVED_UNIT_TYPE, event.unitType())
                .set(JOB_QUEUE.RESERVED_UNTIL, utc(event.reservedUntil()))
                .where(JOB_QUEUE.JOB_ID.eq(event.jobId()))
                .execute();
        signals.jobQueued();
    }

    @EventHandler
    void on(JobReservationLapsedEvent event) {
        dsl.update(JOB_QUEUE)
                .setNull(JOB_QUEUE.RESERVED_MINER_ID)
                .setNull(JOB_QUEUE.RESERVED_OFFER_ID)
                .setNull(JOB_QUEUE.RESERVED_PRICE)
                .setNull(JOB_QUEUE.RESERVED_UNIT_TYPE)
                .setNull(JOB_QUEUE.RESERVED_UNTIL)
                .where(JOB_QUEUE.JOB_ID.eq(event.jobId()))
                .execute();
        signals.jobQueued();
    }

    @EventHandler
    void on(JobLeaseRenewedEvent event) {
        upsertDeadline(event.jobId(), LEASE, event.attempt(), event.leaseExpiresAt());
    }

    @EventHandler
    void on(JobProgressReportedEvent event) {
        upsertDeadline(event.jobId(), LEASE, event.attempt(), event.leaseExpiresAt());
    }

    /** The job keeps its place: matching orders by the original submission time. */
    @EventHandler
    void on(JobRequeuedEvent event) {
        dsl.deleteFrom(JOB_DEADLINE)
                .where(JOB_DEADLINE.JOB_ID.eq(event.jobId()))
                .and(JOB_DEADLINE.KIND.eq(LEASE))
                .execute();
        dsl.update(JOB_QUEUE)
                .set(JOB_QUEUE.CLAIMABLE, true)
                .setNull(JOB_QUEUE.MINER_ID)
                .where(JOB_QUEUE.JOB_ID.eq(event.jobId()))
                .execute();
        signals.jobQueued();
    }

    @EventHandler
    void on(JobCompletedEvent event) {
        finish(event.jobId());
    }

    @EventHandler
    void on(JobFailedEvent event) {
        finish(event.jobId());
    }

    @EventHandler
    void on(JobExpiredEvent event) {
        finish(event.jobId());
    }

    @EventHandler
    void on(JobCanceledEvent event) {
        finish(event.jobId());
    }

    @ResetHandler
    void reset() {
        dsl.truncate(JOB_QUEUE).execute();
        dsl.truncate(JOB_DEADLINE).execute();
    }

    private void finish(String jobId) {
        dsl.deleteFrom(JOB_QUEUE).where(JOB_QUEUE.JOB_ID.eq(jobId)).execute();
        dsl.deleteFrom(JOB_DEADLINE).where(JOB_DEADLINE.JOB_ID.eq(jobId)).execute();
    }

    private void upsertDeadline(String jobId, String kind, int attempt, Instant dueAt) {
        dsl.insertInto(JOB_DEADLINE)
                .set(JOB_DEADLINE.JOB_ID, jobId)
                .set(JOB_DEADLINE.KIND, kind)
                .set(JOB_DEADLINE.ATTEMPT, attempt)
                .set(JOB_DEADLINE.DUE_AT, utc(dueAt))
                .onConflict(JOB_DEADLINE.JOB_ID, JOB_DEADLINE.KIND)
                .doUpdate()
                .set(JOB_DEADLINE.ATTEMPT, attempt)
                .set(JOB_DEADLINE.DUE_AT, utc(dueAt))
                .execute();
    }
}
