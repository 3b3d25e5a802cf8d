package io.aitbc.coordinator.gateway.job;

import com.fasterxml.jackson.databind.JsonNode;
import io.aitbc.coordinator.gateway.auth.Role;
import io.aitbc.coordinator.gateway.idempotency.IdempotentRequest;
import io.aitbc.coordinator.gateway.web.ApiException;
import io.aitbc.coordinator.gateway.web.Backend;
import io.aitbc.coordinator.gateway.web.RequestContext;
import io.aitbc.coordinator.job.api.CancelJobCommand;
import io.aitbc.coordinator.job.api.FindJobQuery;
import io.aitbc.coordinator.job.api.FindJobResultQuery;
import io.aitbc.coordinator.job.api.JobResult;
import io.aitbc.coordinator.job.api.JobPage;
import io.aitbc.coordinator.job.api.JobStatus;
import io.aitbc.coordinator.job.api.JobView;
import io.aitbc.coordinator.job.api.ListJobsQuery;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

import java.time.Instant;

/** Clients submit, read, list and cancel jobs; auditors and admins read every job. */
@RestController
@RequestMapping("/v1/jobs")
class JobController {

    private final Backend backend;
    private final JobAccess access;

    JobController(Backend backend, JobAccess access) {
        this.backend = backend;
        this.access = access;
    }

    @PostMapping
    Mono<ResponseEntity<JobView>> submit(RequestContext context, @RequestBody JsonNode body,
                                         ServerWebExchange exchange) {
        return access.submit(context, body, IdempotentRequest.of(exchange))
                .map(view -> ResponseEntity.status(HttpStatus.CREATED).body(view));
    }

    @GetMapping("/{jobId}")
    Mono<JobView> get(RequestContext context, @PathVariable String jobId) {
        return access.visible(context, jobId);
    }

    @GetMapping
    Mono<JobPage> list(RequestContext context,
                       @RequestParam(required = false) String status,
                       @RequestParam(required = false) String type,
                       @RequestParam(defaultValue = "50") int limit,
                       @RequestParam(defaultValue = "0") int offset,
                       @RequestParam(required = false) String cursor) {
        context.caller().require(Role.CLIENT, Role.AUDITOR, Role.ADMIN);
        if (limit < 1 || limit > 200 || offset < 0) {
            throw ApiException.badRequest("limit must be 1 to 200 and offset at least 0");
        }
        JobStatus statusFilter = status == null ? null : JobStatus.fromWire(status)
                .orElseThrow(() -> ApiException.badRequest("Unknown status '" + status + "'"));
        String clientId = context.caller().readsEverything() ? null : context.caller().principal();
        return backend.query(context, new ListJobsQuery(clientId, statusFilter, type, limit, offset, cursor),
                JobPage.class);
    }

    @DeleteMapping("/{jobId}")
    Mono<JobView> delete(RequestContext context, @PathVariable String jobId) {
        return cancel(context, jobId);
    }

    @PostMapping("/{jobId}/cancel")
    Mono<JobView> cancel(RequestContext context, @PathVariable String jobId) {
        context.caller().require(Role.CLIENT, Role.ADMIN);
        return access.visible(context, jobId)
                .flatMap(job -> backend.sendThenQuery(context,
                        new CancelJobCommand(jobId, context.caller().principal()), new FindJobQuery(jobId),
                        JobView.class));
    }

    @GetMapping({"/{jobId}/results", "/{jobId}/result"})
    Mono<JobResults> results(RequestContext context, @PathVariable String jobId) {
        return access.visible(context, jobId)
                .flatMap(job -> job.status() != JobStatus.COMPLETED
                        ? Mono.error(new ApiException(HttpStatus.CONFLICT, "RESULT_NOT_READY",
                                "Job " + jobId + " is " + job.status().wireName() + "; results come once it completed"))
                        : backend.query(context, new FindJobResultQuery(jobId), JobResult.class)
                                .map(found -> new JobResults(jobId, job.status(), found.result(), job.completedAt())));
    }

    record JobResults(String jobId, JobStatus status, JsonNode results, Instant completedAt) {
    }
}
