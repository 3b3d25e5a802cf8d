package io.aitbc.coordinator.offer.api;

/** One miner's statistics; answers {@code null} for a miner without any history. */
public record MinerStatsQuery(String minerId) {
}
