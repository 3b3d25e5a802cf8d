package io.aitbc.coordinator.job.api;

import org.axonframework.modelling.command.TargetAggregateIdentifier;

/**
 * The reservation made in {@code transactionId} may have lapsed. Answers what became of it; a job
 * still reserved past its time goes back to open matching.
 */
public record ReleaseJobReservationCommand(@TargetAggregateIdentifier String jobId, String transactionId) {

    /** What a reservation came to. */
    public enum Outcome {
        /** Still reserved and within its time. */
        HELD,
        /** Its miner took the job: the trade stands. */
        SETTLED,
        /** It lapsed now: the job is open to every miner again. */
        LAPSED,
        /** The job will never run under it: the job ended or was reserved anew before. */
        RELEASED
    }
}
