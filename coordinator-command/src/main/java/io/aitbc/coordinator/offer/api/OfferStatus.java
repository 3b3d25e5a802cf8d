package io.aitbc.coordinator.offer.api;

import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Locale;

/**
 * The life of an offer: {@code active}, then {@code used_up} once every job it sells is taken
 * ({@code active} again if a taken job is released), and finally {@code withdrawn} by its miner or
 * {@code expired} when its duration has passed.
 */
public enum OfferStatus {
    ACTIVE, USED_UP, WITHDRAWN, EXPIRED;

    @JsonValue
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public boolean isFinal() {
        return this == WITHDRAWN || this == EXPIRED;
    }
}
