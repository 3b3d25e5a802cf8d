package io.aitbc.coordinator.job.api;

import java.time.Instant;

/** A job failed for good: a final failure, or its last attempt failed or lapsed. */
public record JobFailedEvent(
        String jobId,
        String minerId,
        int attempt,
        String errorCode,
        String errorMessage,
        Instant failedAt) {
}
