package io.aitbc.coordinator.gateway.auth;

import java.util.Locale;
import java.util.Optional;

/** What a key may do: clients submit jobs, miners run them, auditors read everything, admins manage. */
public enum Role {
    CLIENT, MINER, AUDITOR, ADMIN;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<Role> fromWire(String text) {
        for (Role role : values()) {
            if (role.wireName().equals(text)) {
                return Optional.of(role);
            }
        }
        return Optional.empty();
    }
}
