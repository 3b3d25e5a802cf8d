package io.aitbc.coordinator.query.offer;

/** The kinds of rows in {@code market_deadline}. */
public final class MarketDeadlines {

    public static final String OFFER_EXPIRY = "offer_expiry";
    public static final String RESERVATION = "reservation";

    private MarketDeadlines() {
    }
}
