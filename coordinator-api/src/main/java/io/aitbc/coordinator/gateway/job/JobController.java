package io.aitbc.coordinator.gateway.job;

import com.fasterxml.jackson.databind.JsonNode;
import io.aitbc.coordinator.gateway.auth.Role;
import io.aitbc.coordinator.gateway.market.OfferAcceptance;
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
import reactor.core.publisher.Mono;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;

/** Clients submit, read, list and cancel jobs; auditors and admins read every job. */
@RestController
@RequestMapping("/v1/jobs")
class JobController {

    private final Backend backend;
    private final JobRequests requests;
    private final OfferAcceptance offers;
    private final Clock clock;

    JobController(Backend backend, JobRequests requests, OfferAcceptance offers, Clock clock) {
        this.backend = backend;
        this.requests = requests;
        this.offers = offers;
        this.clock = clock;
    }

    @PostMapping
    Mono<ResponseEntity<JobView>> submit(RequestContext context, @RequestBody JsonNode body) {
        return queue(context, body).map(view -> ResponseEntity.status(HttpStatus.CREATED).body(view));
    }

    /**
     * Queues a job and answers its view; one that names an offer is queued already reserved through
     * it, in the transaction that sells the offer's job, or not at all (the acceptance's error is the
     * answer then). Every transport's way to submit.
     */
    Mono<JobView> queue(RequestContext context, JsonNode body) {
        context.caller().require(Role.CLIENT, Role.ADMIN);
        var submission = requests.submission(body, context.caller().principal(),
                clock.instant().truncatedTo(ChronoUnit.MILLIS));
        var command = submission.command();
        Mono<?> queued = submission.offerId() == null ? backend.send(context, command)
                : offers.submitThrough(context, submission.offerId(), command, submission.bidPrice());
        return queued.then(backend.query(context, new FindJobQuery(command.jobId()), JobView.class));
    }

    @GetMapping("/{jobId}")
    Mono<JobView> get(RequestContext context, @PathVariable String jobId) {
        return visibleJob(context, jobId);
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
        return visibleJob(context, jobId)
                .flatMap(job -> backend.send(context, new CancelJobCommand(jobId, context.caller().principal())))
                .then(backend.query(context, new FindJobQuery(jobId), JobView.class));
    }

    @GetMapping({"/{jobId}/results", "/{jobId}/result"})
    Mono<JobResults> results(RequestContext context, @PathVariable String jobId) {
        return visibleJob(context, jobId)
                .flatMap(job -> job.status() != JobStatus.COMPLETED
                        ? Mono.error(new ApiException(HttpStatus.CONFLICT, "RESULT_NOT_READY",
                                "Job " + jobId + " is " + job.status().wireName() + "; results come once it completed"))
                        : backend.query(context, new FindJobResultQuery(jobId), JobResult.class)
                                .map(found -> new JobResults(jobId, job.status(), found.result(), job.completedAt())));
    }

    /** A job the caller may see; 404 otherwise, so clients cannot probe for other clients' jobs. */
    Mono<JobView> visibleJob(RequestContext context, String jobId) {
        return backend.query(context, new FindJobQuery(jobId), JobView.class)
                .filter(job -> mayRead(context, job))
                .switchIfEmpty(Mono.error(() -> ApiException.notFound("JOB_NOT_FOUND",
                        "No job " + jobId + " is visible to this key")));
    }

    private static boolean mayRead(RequestContext context, JobView job) {
        var caller = context.caller();
        return switch (caller.role()) {
            case AUDITOR, ADMIN -> true;
            case CLIENT -> Objects.equals(job.clientId(), caller.principal());
            case MINER -> Objects.equals(job.minerId(), caller.principal());
        };
    }

    record JobResults(String jobId, JobStatus status, JsonNode results, Instant completedAt) {
    }
}
