package io.aitbc.coordinator.query.dispatch;

import java.time.Instant;

/** A time limit that has passed: the job's expiry, or the lease of attempt {@code attempt}. */
public record DueDeadline(String jobId, Kind kind, int attempt, Instant dueAt) {

    public enum Kind { EXPIRY, LEASE }
}
