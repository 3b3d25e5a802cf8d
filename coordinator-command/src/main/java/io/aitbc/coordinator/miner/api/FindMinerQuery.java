package io.aitbc.coordinator.miner.api;

/** One miner's registration; answers {@code null} for a miner that never registered. */
public record FindMinerQuery(String minerId) {
}
