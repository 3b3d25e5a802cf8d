package io.aitbc.coordinator.job.api;

import java.time.Instant;

public record JobProgressReportedEvent(
        String jobId,
        String minerId,
        int attempt,
        int progress,
        Instant reportedAt,
        Instant leaseExpiresAt) {
}
