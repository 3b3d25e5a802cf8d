package io.aitbc.coordinator.job.api;

import java.util.List;

/** A page of {@link JobView}s; {@code nextCursor} is {@code null} on the last page. */
public record JobPage(List<JobView> jobs, long total, int limit, int offset, String nextCursor) {
}
