package io.aitbc.coordinator.offer.api;

/** The marketplace's figures now; see {@link MarketStatsView}. */
public record MarketStatsQuery() {
}
