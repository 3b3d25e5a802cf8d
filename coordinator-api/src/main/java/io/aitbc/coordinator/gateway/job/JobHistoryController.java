package io.aitbc.coordinator.gateway.job;

import com.fasterxml.jackson.databind.JsonNode;
import io.aitbc.coordinator.audit.StoredEvent;
import io.aitbc.coordinator.gateway.web.ApiException;
import io.aitbc.coordinator.gateway.web.Backend;
import io.aitbc.coordinator.gateway.web.RequestContext;
import io.aitbc.coordinator.job.api.JobView;
import io.aitbc.coordinator.projection.JobTimeline;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;

/**
 * A job's past: its events in order ({@code /history}) and the job as it stood at a moment
 * ({@code ?as_of=}), both rebuilt from the event store, under the same visibility as the job itself.
 */
@RestController
@RequestMapping("/v1/jobs")
class JobHistoryController {

    private final Backend backend;
    private final JobAccess jobs;
    private final JobTimeline timeline;

    JobHistoryController(Backend backend, JobAccess jobs, JobTimeline timeline) {
        this.backend = backend;
        this.jobs = jobs;
        this.timeline = timeline;
    }

    record JobHistory(String jobId, List<HistoryEntry> events) {
    }

    /** One event of a job: what happened, when, and who caused it (a key's principal and role, or the system). */
    record HistoryEntry(long position, long sequence, String type, Instant time, JsonNode data, CausedBy causedBy) {
    }

    record CausedBy(String principal, String role, String requestId) {
    }

    @GetMapping("/{jobId}/history")
    Mono<JobHistory> history(RequestContext context, @PathVariable String jobId) {
        return jobs.visible(context, jobId)
                .flatMap(job -> backend.blocking(context, () -> timeline.history(jobId)))
                .map(events -> new JobHistory(jobId, events.stream().map(JobHistoryController::entry).toList()));
    }

    @GetMapping(value = "/{jobId}", params = "as_of")
    Mono<JobView> asOf(RequestContext context, @PathVariable String jobId, @RequestParam("as_of") String asOf) {
        Instant time = parseTime(asOf);
        return jobs.visible(context, jobId)
                .flatMap(job -> backend.blocking(context, () -> timeline.asOf(jobId, time).orElse(null)))
                .switchIfEmpty(Mono.error(() -> ApiException.notFound("JOB_NOT_FOUND",
                        "Job " + jobId + " did not exist at " + time)));
    }

    private static HistoryEntry entry(StoredEvent event) {
        JsonNode meta = event.metadata();
        String principal = meta.hasNonNull("principal") ? meta.get("principal").asText() : "system";
        String role = meta.hasNonNull("role") ? meta.get("role").asText() : "system";
        String requestId = meta.hasNonNull("request_id") ? meta.get("request_id").asText() : null;
        return new HistoryEntry(event.position(), event.sequence(), event.type(), event.timestamp(), event.data(),
                new CausedBy(principal, role, requestId));
    }

    private static Instant parseTime(String text) {
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            throw ApiException.badRequest("as_of must be an RFC 3339 time such as 2026-12-04T12:00:00Z");
        }
    }
}
