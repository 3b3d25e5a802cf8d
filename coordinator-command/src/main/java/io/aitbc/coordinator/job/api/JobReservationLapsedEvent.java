package io.aitbc.coordinator.job.api;

import java.time.Instant;

/** The reserved miner did not take the job in time; the job is open to every miner again. */
public record JobReservationLapsedEvent(
        String jobId,
        String minerId,
        String offerId,
        String transactionId,
        Instant lapsedAt) {
}
