package io.aitbc.coordinator.job;

import io.aitbc.coordinator.common.api.CommandRejectedException;
import io.aitbc.coordinator.common.api.Ids;
import io.aitbc.coordinator.common.api.Money;
import io.aitbc.coordinator.job.api.AssignJobCommand;
import io.aitbc.coordinator.job.api.CancelJobCommand;
import io.aitbc.coordinator.job.api.CompleteJobCommand;
import io.aitbc.coordinator.job.api.ExpireJobCommand;
import io.aitbc.coordinator.job.api.ExpireJobLeaseCommand;
import io.aitbc.coordinator.job.api.FailJobCommand;
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
import io.aitbc.coordinator.job.api.ReleaseJobReservationCommand;
import io.aitbc.coordinator.job.api.ReleaseUnheldJobCommand;
import io.aitbc.coordinator.job.api.RenewJobLeaseCommand;
import io.aitbc.coordinator.job.api.ReportJobProgressCommand;
import io.aitbc.coordinator.job.api.ReserveJobCommand;
import io.aitbc.coordinator.job.api.SubmitJobCommand;
import org.axonframework.commandhandling.CommandHandler;
import org.axonframework.eventhandling.GenericEventMessage;
import org.axonframework.eventsourcing.EventSourcingHandler;
import org.axonframework.modelling.command.AggregateIdentifier;
import org.axonframework.spring.stereotype.Aggregate;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;

import static org.axonframework.modelling.command.AggregateLifecycle.apply;

/**
 * One job's life: queued, assigned to a miner under a lease, then completed, failed, canceled or
 * expired. A lapsed lease or a retryable failure puts it back in the queue until its attempts are
 * used up.
 *
 * <p>A client may reserve a queued job for the miner of an offer it bought: until the reservation
 * lapses only that miner can take the job, and it takes it at the offer's terms.
 */
@Aggregate
class JobAggregate {

    @AggregateIdentifier
    private String jobId;
    private String clientId;
    private String type;
    private String payloadSha256;
    private JobStatus status;
    private Instant expiresAt;
    private int maxAttempts;
    private int attempt;
    private String minerId;
    private String offerId;
    private BigDecimal unitPrice;
    private String unitType;
    private Instant startedAt;
    private Instant leaseExpiresAt;
    private String receiptId;
    private String resultSha256;
    private BigDecimal maxPrice;
    private JobReservedEvent reservation;
    /** Reservations whose miner took the job: their trades stand and their offer slots stay used. */
    private final Set<String> settledReservations = new HashSet<>();

    JobAggregate() {
        // required by Axon to rebuild the aggregate from its events
    }

    @CommandHandler
    JobAggregate(SubmitJobCommand command) {
        if (command.maxAttempts() < 1) {
            throw new CommandRejectedException("VALIDATION_FAILED", "max_attempts must be at least 1");
        }
        Instant now = now();
        if (!command.expiresAt().isAfter(now)) {
            throw new CommandRejectedException("VALIDATION_FAILED", "The job would expire before it is queued");
        }
        apply(new JobSubmittedEvent(command.jobId(), command.clientId(), command.type(), command.name(),
                command.payload(), command.payloadSha256(), command.requirements(), command.maxPrice(),
                now, command.expiresAt(), command.maxAttempts()));
    }

    @CommandHandler
    void handle(AssignJobCommand command) {
        requireStatus(JobStatus.QUEUED, "assigned");
        Instant now = now();
        if (!now.isBefore(expiresAt)) {
            throw new CommandRejectedException("INVALID_STATE", "Job " + jobId + " has expired");
        }
        if (reservation != null && !reservation.minerId().equals(command.minerId())) {
            throw new CommandRejectedException("INVALID_STATE",
                    "Job " + jobId + " is reserved for another miner until " + reservation.reservedUntil());
        }
        if (reservation != null) {
            // the reserved terms win: they are what the client bought
            apply(new JobAssignedEvent(jobId, command.minerId(), reservation.offerId(), reservation.unitPrice(),
                    reservation.unitType(), attempt + 1, now, command.leaseExpiresAt()));
            return;
        }
        apply(new JobAssignedEvent(jobId, command.minerId(), command.offerId(), command.unitPrice(),
                command.unitType(), attempt + 1, now, command.leaseExpiresAt()));
    }

    @CommandHandler
    void handle(ReserveJobCommand command) {
        if (!Objects.equals(clientId, command.clientId())) {
            throw new CommandRejectedException("JOB_NOT_FOUND",
                    "No job " + command.jobId() + " is visible to this key");
        }
        requireStatus(JobStatus.QUEUED, "reserved");
        Instant now = now();
        if (!now.isBefore(expiresAt)) {
            throw new CommandRejectedException("INVALID_STATE", "Job " + jobId + " has expired");
        }
        if (reservation != null) {
            throw new CommandRejectedException("INVALID_STATE",
                    "Job " + jobId + " is already reserved through offer " + reservation.offerId());
        }
        if (maxPrice != null && command.bidPrice().compareTo(maxPrice) > 0) {
            throw new CommandRejectedException("VALIDATION_FAILED",
                    "bid_price must not exceed the job's max_price " + Money.format(maxPrice));
        }
        apply(new JobReservedEvent(jobId, clientId, command.minerId(), command.offerId(), command.transactionId(),
                command.unitPrice(), command.unitType(), command.bidPrice(), now, command.reservedUntil()));
    }

    @CommandHandler
    ReleaseJobReservationCommand.Outcome handle(ReleaseJobReservationCommand command) {
        if (settledReservations.contains(command.transactionId())) {
            return ReleaseJobReservationCommand.Outcome.SETTLED;
        }
        if (reservation == null || !reservation.transactionId().equals(command.transactionId())
                || status != JobStatus.QUEUED) {
            return ReleaseJobReservationCommand.Outcome.RELEASED;
        }
        Instant now = now();
        if (now.isBefore(reservation.reservedUntil())) {
            return ReleaseJobReservationCommand.Outcome.HELD;
        }
        apply(new JobReservationLapsedEvent(jobId, reservation.minerId(), reservation.offerId(),
                reservation.transactionId(), now));
        return ReleaseJobReservationCommand.Outcome.LAPSED;
    }

    @CommandHandler
    void handle(RenewJobLeaseCommand command) {
        requireRunningFor(command.minerId());
        apply(new JobLeaseRenewedEvent(jobId, minerId, attempt, command.leaseExpiresAt()));
    }

    @CommandHandler
    void handle(ReportJobProgressCommand command) {
        requireRunningFor(command.minerId());
        if (command.progress() < 0 || command.progress() > 100) {
            throw new CommandRejectedException("VALIDATION_FAILED", "progress must be between 0 and 100");
        }
        apply(new JobProgressReportedEvent(jobId, minerId, attempt, command.progress(), now(),
                command.leaseExpiresAt()));
    }

    @CommandHandler
    String handle(CompleteJobCommand command) {
        if (status == JobStatus.COMPLETED) {
            return repeatedCompletion(command);
        }
        requireRunningFor(command.minerId());
        BigDecimal units = billedUnits(command);
        Instant now = now();
        String newReceiptId = Ids.newId("rcpt", now);
        apply(new JobCompletedEvent(jobId, newReceiptId, clientId, minerId, offerId, type, attempt,
                units, unitType, unitPrice, Money.price(units, unitPrice),
                startedAt, now, payloadSha256, command.resultSha256(), command.result(), command.metrics(),
                command.minerSignature()));
        return newReceiptId;
    }

    @CommandHandler
    void handle(FailJobCommand command) {
        requireRunningFor(command.minerId());
        if (command.retryable() && attempt < maxAttempts) {
            apply(new JobRequeuedEvent(jobId, minerId, attempt, JobRequeuedEvent.MINER_FAILED,
                    command.errorCode(), command.errorMessage(), now()));
        } else {
            apply(new JobFailedEvent(jobId, minerId, attempt, command.errorCode(), command.errorMessage(), now()));
        }
    }

    @CommandHandler
    boolean handle(ExpireJobLeaseCommand command) {
        Instant now = now();
        if (status != JobStatus.RUNNING || attempt != command.attempt() || now.isBefore(leaseExpiresAt)) {
            return false;
        }
        endLease("Miner " + minerId + " did not renew its lease", now);
        return true;
    }

    @CommandHandler
    boolean handle(ReleaseUnheldJobCommand command) {
        if (status != JobStatus.RUNNING || !Objects.equals(minerId, command.minerId())
                || !startedAt.isBefore(command.assignedBefore())) {
            return false;
        }
        endLease("Miner " + minerId + " does not hold the job: its heartbeat did not list it", now());
        return true;
    }

    /** The miner's lease ended without a result: the job goes back to the queue, or fails after its last attempt. */
    private void endLease(String reason, Instant now) {
        if (attempt < maxAttempts) {
            apply(new JobRequeuedEvent(jobId, minerId, attempt, JobRequeuedEvent.LEASE_EXPIRED, "LEASE_EXPIRED",
                    reason, now));
        } else {
            apply(new JobFailedEvent(jobId, minerId, attempt, "LEASE_EXPIRED", "The lease of the last attempt lapsed",
                    now));
        }
    }

    @CommandHandler
    boolean handle(ExpireJobCommand command) {
        Instant now = now();
        if (status.isFinal() || now.isBefore(expiresAt)) {
            return false;
        }
        apply(new JobExpiredEvent(jobId, minerId, status, now));
        return true;
    }

    @CommandHandler
    void handle(CancelJobCommand command) {
        if (status.isFinal()) {
            throw new CommandRejectedException("JOB_ALREADY_COMPLETED",
                    "Job " + jobId + " is already " + status.wireName());
        }
        apply(new JobCanceledEvent(jobId, minerId, status, command.requestedBy(), now()));
    }

    @EventSourcingHandler
    void on(JobSubmittedEvent event) {
        jobId = event.jobId();
        clientId = event.clientId();
        type = event.type();
        payloadSha256 = event.payloadSha256();
        expiresAt = event.expiresAt();
        maxAttempts = event.maxAttempts();
        maxPrice = event.maxPrice();
        status = JobStatus.QUEUED;
    }

    @EventSourcingHandler
    void on(JobReservedEvent event) {
        reservation = event;
    }

    @EventSourcingHandler
    void on(JobReservationLapsedEvent event) {
        reservation = null;
    }

    @EventSourcingHandler
    void on(JobAssignedEvent event) {
        status = JobStatus.RUNNING;
        attempt = event.attempt();
        minerId = event.minerId();
        offerId = event.offerId();
        unitPrice = event.unitPrice();
        unitType = event.unitType();
        startedAt = event.assignedAt();
        leaseExpiresAt = event.leaseExpiresAt();
        if (reservation != null) {
            settledReservations.add(reservation.transactionId());
            reservation = null;
        }
    }

    @EventSourcingHandler
    void on(JobLeaseRenewedEvent event) {
        leaseExpiresAt = event.leaseExpiresAt();
    }

    @EventSourcingHandler
    void on(JobProgressReportedEvent event) {
        leaseExpiresAt = event.leaseExpiresAt();
    }

    @EventSourcingHandler
    void on(JobCompletedEvent event) {
        status = JobStatus.COMPLETED;
        receiptId = event.receiptId();
        resultSha256 = event.resultSha256();
    }

    @EventSourcingHandler
    void on(JobRequeuedEvent event) {
        status = JobStatus.QUEUED;
        minerId = null;
        offerId = null;
        unitPrice = null;
        unitType = null;
        startedAt = null;
        leaseExpiresAt = null;
    }

    @EventSourcingHandler
    void on(JobFailedEvent event) {
        status = JobStatus.FAILED;
    }

    @EventSourcingHandler
    void on(JobExpiredEvent event) {
        status = JobStatus.EXPIRED;
    }

    @EventSourcingHandler
    void on(JobCanceledEvent event) {
        status = JobStatus.CANCELED;
    }

    /** A job sold per job is one unit; otherwise the miner counts in the agreed unit. */
    private BigDecimal billedUnits(CompleteJobCommand command) {
        if (Money.UNIT_JOB.equals(unitType)) {
            return BigDecimal.ONE;
        }
        if (command.unitType() != null && !command.unitType().equals(unitType)) {
            throw new CommandRejectedException("VALIDATION_FAILED",
                    "metrics.unit_type must be '" + unitType + "', the unit agreed for this job");
        }
        if (command.units() == null || command.units().signum() < 0) {
            throw new CommandRejectedException("VALIDATION_FAILED",
                    "metrics.units must state how many " + unitType + " the job used");
        }
        return command.units();
    }

    private String repeatedCompletion(CompleteJobCommand command) {
        if (Objects.equals(minerId, command.minerId()) && Objects.equals(resultSha256, command.resultSha256())) {
            return receiptId;
        }
        if (!Objects.equals(minerId, command.minerId())) {
            throw new CommandRejectedException("FORBIDDEN", "Job " + jobId + " is not assigned to this miner");
        }
        throw new CommandRejectedException("JOB_ALREADY_COMPLETED",
                "Job " + jobId + " was already completed with another result");
    }

    private void requireStatus(JobStatus expected, String action) {
        if (status != expected) {
            String code = status.isFinal() ? "JOB_ALREADY_COMPLETED" : "INVALID_STATE";
            throw new CommandRejectedException(code,
                    "Job " + jobId + " is " + status.wireName() + " and cannot be " + action);
        }
    }

    private void requireRunningFor(String reportingMiner) {
        if (!Objects.equals(minerId, reportingMiner)) {
            throw new CommandRejectedException("FORBIDDEN", "Job " + jobId + " is not assigned to this miner");
        }
        if (status != JobStatus.RUNNING) {
            String code = status.isFinal() ? "JOB_ALREADY_COMPLETED" : "INVALID_STATE";
            throw new CommandRejectedException(code, "Job " + jobId + " is " + status.wireName());
        }
    }

    private static Instant now() {
        return GenericEventMessage.clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }
}
