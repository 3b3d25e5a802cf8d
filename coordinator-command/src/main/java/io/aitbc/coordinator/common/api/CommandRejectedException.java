package io.aitbc.coordinator.common.api;

import java.util.Objects;

/**
 * A command that the domain refused. The {@link #code()} is the contract's error code
 * ({@code JOB_ALREADY_COMPLETED}, {@code INVALID_STATE}, {@code FORBIDDEN} …), which the gateway
 * turns into an HTTP status; the message is safe to show to the caller.
 */
public class CommandRejectedException extends RuntimeException {

    private final String code;

    public CommandRejectedException(String code, String message) {
        super(message, null, false, false);
        this.code = Objects.requireNonNull(code, "code");
    }

    public String code() {
        return code;
    }
}
