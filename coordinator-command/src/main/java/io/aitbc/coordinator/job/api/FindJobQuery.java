package io.aitbc.coordinator.job.api;

/** One job's view; answers {@code null} when there is no such job. */
public record FindJobQuery(String jobId) {
}
