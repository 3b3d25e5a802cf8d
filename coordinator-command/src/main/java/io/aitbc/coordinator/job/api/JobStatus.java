package io.aitbc.coordinator.job.api;

import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Locale;
import java.util.Optional;

/** The life cycle of a job: {@code queued → running → completed | failed}, or canceled, or expired. */
public enum JobStatus {
    QUEUED, RUNNING, COMPLETED, FAILED, CANCELED, EXPIRED;

    @JsonValue
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public boolean isFinal() {
        return this == COMPLETED || this == FAILED || this == CANCELED || this == EXPIRED;
    }

    /** Parses a status filter; {@code cancelled} is accepted as a synonym of {@code canceled}. */
    public static Optional<JobStatus> fromWire(String text) {
        if (text == null) {
            return Optional.empty();
        }
        String normalized = text.trim().toLowerCase(Locale.ROOT);
        if (normalized.equals("cancelled")) {
            return Optional.of(CANCELED);
        }
        for (JobStatus status : values()) {
            if (status.wireName().equals(normalized)) {
                return Optional.of(status);
            }
        }
        return Optional.empty();
    }
}
