package io.aitbc.coordinator.job.api;

/**
 * A page of jobs, newest first. {@code clientId} limits the list to one client's jobs; {@code null}
 * lists every job. {@code cursor} is the {@code nextCursor} of a previous page and takes the place
 * of {@code offset}.
 */
public record ListJobsQuery(
        String clientId,
        JobStatus status,
        String type,
        int limit,
        int offset,
        String cursor) {
}
