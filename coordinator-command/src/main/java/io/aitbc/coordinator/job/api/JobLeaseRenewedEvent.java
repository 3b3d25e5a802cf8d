package io.aitbc.coordinator.job.api;

import java.time.Instant;

public record JobLeaseRenewedEvent(String jobId, String minerId, int attempt, Instant leaseExpiresAt) {
}
