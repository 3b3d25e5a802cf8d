package io.aitbc.coordinator.gateway.auth;

import java.util.Locale;
import java.util.Optional;

/** A key's rate limit: a token bucket of {@code burst} requests refilled at {@code perMinute}. */
public enum Plan {
    FREE(60, 10), PRO(600, 100), ENTERPRISE(6000, 1000);

    private final int perMinute;
    private final int burst;

    Plan(int perMinute, int burst) {
        this.perMinute = perMinute;
        this.burst = burst;
    }

    public int perMinute() {
        return perMinute;
    }

    public int burst() {
        return burst;
    }

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<Plan> fromWire(String text) {
        for (Plan plan : values()) {
            if (plan.wireName().equals(text)) {
                return Optional.of(plan);
            }
        }
        return Optional.empty();
    }
}
