package io.aitbc.coordinator.job.api;

/** The result a miner reported for a completed job; answers {@code null} before completion. */
public record FindJobResultQuery(String jobId) {
}
