package io.aitbc.coordinator.query.job;

import io.aitbc.coordinator.job.api.JobAssignedEvent;
import io.aitbc.coordinator.job.api.JobCanceledEvent;
import io.aitbc.coordinator.job.api.JobCompletedEvent;
import io.aitbc.coordinator.job.api.JobExpiredEvent;
import io.aitbc.coordinator.job.api.JobFailedEvent;
import io.aitbc.coordinator.job.api.JobLeaseRenewedEvent;
import io.aitbc.coordinator.job.api.JobProgressReportedEvent;
import io.aitbc.coordinator.job.api.JobRequeuedEvent;
import io.aitbc.coordinator.job.api.JobReservationLapsedEvent;
import io.aitbc.coordinator.job.api.JobReservedEvent;
import io.aitbc.coordinator.job.api.JobStatus;
import io.aitbc.coordinator.job.api.JobSubmittedEvent;
import io.aitbc.coordinator.query.infra.JsonText;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.eventhandling.ResetHandler;
import org.jooq.DSLContext;
import org.springframework.stereotype.Component;

import static io.aitbc.coordinator.query.infra.Times.utc;
import static io.aitbc.coordinator.query.jooq.Tables.JOB_VIEW;

/** Keeps {@code job_view}, one row per job, as clients and dashboards read it. */
@Component
@ProcessingGroup(JobViewProjection.PROCESSING_GROUP)
class JobViewProjection {

    static final String PROCESSING_GROUP = "job-views";

    private final DSLContext dsl;

    JobViewProjection(DSLContext dsl) {
        this.dsl = dsl;
    }

    @EventHandler
    void on(JobSubmittedEvent event) {
        dsl.insertInto(JOB_VIEW)
                .set(JOB_VIEW.JOB_ID, event.jobId())
                .set(JOB_VIEW.TYPE, event.type())
                .set(JOB_VIEW.NAME, event.name())
                .set(JOB_VIEW.STATUS, JobStatus.QUEUED.wireName())
                .set(JOB_VIEW.CLIENT_ID, event.clientId())
                .set(JOB_VIEW.PAYLOAD, JsonText.write(event.payload()))
                .set(JOB_VIEW.REQUIREMENTS, JsonText.write(event.requirements()))
                .set(JOB_VIEW.MAX_PRICE, event.maxPrice())
                .set(JOB_VIEW.ATTEMPT, 0)
                .set(JOB_VIEW.MAX_ATTEMPTS, event.maxAttempts())
                .set(JOB_VIEW.PROGRESS, 0)
                .set(JOB_VIEW.CREATED_AT, utc(event.submittedAt()))
                .set(JOB_VIEW.EXPIRES_AT, utc(event.expiresAt()))
                .onConflictDoNothing()
                .execute();
    }

    @EventHandler
    void on(JobAssignedEvent event) {
        dsl.update(JOB_VIEW)
                .set(JOB_VIEW.STATUS, JobStatus.RUNNING.wireName())
                .set(JOB_VIEW.MINER_ID, event.minerId())
                .set(JOB_VIEW.OFFER_ID, event.offerId())
                .set(JOB_VIEW.UNIT_PRICE, event.unitPrice())
                .set(JOB_VIEW.UNIT_TYPE, event.unitType())
                .set(JOB_VIEW.ATTEMPT, event.attempt())
                .set(JOB_VIEW.PROGRESS, 0)
                .set(JOB_VIEW.STARTED_AT, utc(event.assignedAt()))
                .set(JOB_VIEW.LEASE_EXPIRES_AT, utc(event.leaseExpiresAt()))
                .setNull(JOB_VIEW.RESERVED_UNTIL)
                .where(JOB_VIEW.JOB_ID.eq(event.jobId()))
                .execute();
    }

    /** A queued job shows whom it is reserved for, through which offer and at what terms. */
    @EventHandler
    void on(JobReservedEvent event) {
        dsl.update(JOB_VIEW)
                .set(JOB_VIEW.MINER_ID, event.minerId())
                .set(JOB_VIEW.OFFER_ID, event.offerId())
                .set(JOB_VIEW.UNIT_PRICE, event.unitPrice())
                .set(JOB_VIEW.UNIT_TYPE, event.unitType())
                .set(JOB_VIEW.RESERVED_UNTIL, utc(event.reservedUntil()))
                .where(JOB_VIEW.JOB_ID.eq(event.jobId()))
                .execute();
    }

    @EventHandler
    void on(JobReservationLapsedEvent event) {
        clearReservation(event.jobId());
    }

    @EventHandler
    void on(JobLeaseRenewedEvent event) {
        dsl.update(JOB_VIEW)
                .set(JOB_VIEW.LEASE_EXPIRES_AT, utc(event.leaseExpiresAt()))
                .where(JOB_VIEW.JOB_ID.eq(event.jobId()))
                .execute();
    }

    @EventHandler
    void on(JobProgressReportedEvent event) {
        dsl.update(JOB_VIEW)
                .set(JOB_VIEW.PROGRESS, event.progress())
                .set(JOB_VIEW.LEASE_EXPIRES_AT, utc(event.leaseExpiresAt()))
                .where(JOB_VIEW.JOB_ID.eq(event.jobId()))
                .execute();
    }

    @EventHandler
    void on(JobCompletedEvent event) {
        dsl.update(JOB_VIEW)
                .set(JOB_VIEW.STATUS, JobStatus.COMPLETED.wireName())
                .set(JOB_VIEW.PROGRESS, 100)
                .set(JOB_VIEW.UNITS, event.units())
                .set(JOB_VIEW.PRICE, event.price())
                .set(JOB_VIEW.COMPLETED_AT, utc(event.completedAt()))
                .setNull(JOB_VIEW.LEASE_EXPIRES_AT)
                .set(JOB_VIEW.RECEIPT_ID, event.receiptId())
                .set(JOB_VIEW.RESULT, JsonText.write(event.result()))
                .where(JOB_VIEW.JOB_ID.eq(event.jobId()))
                .execute();
    }

    @EventHandler
    void on(JobRequeuedEvent event) {
        dsl.update(JOB_VIEW)
                .set(JOB_VIEW.STATUS, JobStatus.QUEUED.wireName())
                .setNull(JOB_VIEW.MINER_ID)
                .setNull(JOB_VIEW.OFFER_ID)
                .setNull(JOB_VIEW.UNIT_PRICE)
                .setNull(JOB_VIEW.UNIT_TYPE)
                .set(JOB_VIEW.PROGRESS, 0)
                .setNull(JOB_VIEW.STARTED_AT)
                .setNull(JOB_VIEW.LEASE_EXPIRES_AT)
                .set(JOB_VIEW.ERROR_CODE, event.errorCode())
                .set(JOB_VIEW.ERROR_MESSAGE, event.errorMessage())
                .where(JOB_VIEW.JOB_ID.eq(event.jobId()))
                .execute();
    }

    @EventHandler
    void on(JobFailedEvent event) {
        dsl.update(JOB_VIEW)
                .set(JOB_VIEW.STATUS, JobStatus.FAILED.wireName())
                .set(JOB_VIEW.COMPLETED_AT, utc(event.failedAt()))
                .setNull(JOB_VIEW.LEASE_EXPIRES_AT)
                .set(JOB_VIEW.ERROR_CODE, event.errorCode())
                .set(JOB_VIEW.ERROR_MESSAGE, event.errorMessage())
                .where(JOB_VIEW.JOB_ID.eq(event.jobId()))
                .execute();
    }

    @EventHandler
    void on(JobExpiredEvent event) {
        if (event.previousStatus() == JobStatus.QUEUED) {
            clearReservation(event.jobId());
        }
        dsl.update(JOB_VIEW)
                .set(JOB_VIEW.STATUS, JobStatus.EXPIRED.wireName())
                .set(JOB_VIEW.COMPLETED_AT, utc(event.expiredAt()))
                .setNull(JOB_VIEW.LEASE_EXPIRES_AT)
                .set(JOB_VIEW.ERROR_CODE, "JOB_EXPIRED")
                .set(JOB_VIEW.ERROR_MESSAGE, "The job's time to live passed before it completed")
                .where(JOB_VIEW.JOB_ID.eq(event.jobId()))
                .execute();
    }

    @EventHandler
    void on(JobCanceledEvent event) {
        if (event.previousStatus() == JobStatus.QUEUED) {
            clearReservation(event.jobId());
        }
        dsl.update(JOB_VIEW)
                .set(JOB_VIEW.STATUS, JobStatus.CANCELED.wireName())
                .set(JOB_VIEW.CANCELED_AT, utc(event.canceledAt()))
                .setNull(JOB_VIEW.LEASE_EXPIRES_AT)
                .where(JOB_VIEW.JOB_ID.eq(event.jobId()))
                .execute();
    }

    /** A reservation that ended without the job running leaves the view; the job's history keeps it. */
    private void clearReservation(String jobId) {
        dsl.update(JOB_VIEW)
                .setNull(JOB_VIEW.MINER_ID)
                .setNull(JOB_VIEW.OFFER_ID)
                .setNull(JOB_VIEW.UNIT_PRICE)
                .setNull(JOB_VIEW.UNIT_TYPE)
                .setNull(JOB_VIEW.RESERVED_UNTIL)
                .where(JOB_VIEW.JOB_ID.eq(jobId))
                .execute();
    }

    @ResetHandler
    void reset() {
        dsl.truncate(JOB_VIEW).execute();
    }
}
