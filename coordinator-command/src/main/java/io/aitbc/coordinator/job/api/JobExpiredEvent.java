package io.aitbc.coordinator.job.api;

import java.time.Instant;

public record JobExpiredEvent(String jobId, String minerId, JobStatus previousStatus, Instant expiredAt) {
}
