package io.aitbc.coordinator.job.api;

import java.time.Instant;

public record JobCanceledEvent(
        String jobId,
        String minerId,
        JobStatus previousStatus,
        String canceledBy,
        Instant canceledAt) {
}
