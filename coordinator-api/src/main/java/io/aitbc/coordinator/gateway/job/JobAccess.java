package io.aitbc.coordinator.gateway.job;

import com.fasterxml.jackson.databind.JsonNode;
import io.aitbc.coordinator.common.api.Ids;
import io.aitbc.coordinator.gateway.auth.Role;
import io.aitbc.coordinator.gateway.idempotency.IdempotentRequest;
import io.aitbc.coordinator.gateway.market.OfferAcceptance;
import io.aitbc.coordinator.gateway.web.ApiException;
import io.aitbc.coordinator.gateway.web.Backend;
import io.aitbc.coordinator.gateway.web.RequestContext;
import io.aitbc.coordinator.job.api.FindJobQuery;
import io.aitbc.coordinator.job.api.JobView;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.Optional;

/**
 * Job submission and visibility, shared by {@code /v1/jobs} and the gateway's other transports
 * (RSocket): the same validation, command and visibility rules everywhere.
 */
@Component
public class JobAccess {

    private final Backend backend;
    private final JobRequests requests;
    private final OfferAcceptance offers;
    private final Clock clock;

    JobAccess(Backend backend, JobRequests requests, OfferAcceptance offers, Clock clock) {
        this.backend = backend;
        this.requests = requests;
        this.offers = offers;
        this.clock = clock;
    }

    /** Submits a job from a body shaped as {@code POST /v1/jobs} takes it; answers the job view. */
    public Mono<JobView> submit(RequestContext context, JsonNode body) {
        return submit(context, body, Optional.empty());
    }

    /**
     * Submits a job, under an {@code Idempotency-Key} if one is given. The job is then named after the
     * key, so that a second run of the request (its first node died before recording the answer) finds
     * the job instead of making another. A job that names an offer is queued already reserved through
     * it, in the transaction that sells the offer's job, or not at all (the acceptance's error is the
     * answer then).
     */
    public Mono<JobView> submit(RequestContext context, JsonNode body, Optional<IdempotentRequest> idempotent) {
        return Mono.fromCallable(() -> {
                    context.caller().require(Role.CLIENT, Role.ADMIN);
                    Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
                    String jobId = idempotent.map(request -> request.derivedId("job"))
                            .orElseGet(() -> Ids.newId("job", now));
                    return requests.submission(body, context.caller().principal(), now, jobId);
                })
                .flatMap(submission -> queue(context, submission)
                        .onErrorResume(failure -> idempotent.isPresent()
                                ? earlierRun(context, submission.command().jobId(), failure) : Mono.error(failure)));
    }

    private Mono<JobView> queue(RequestContext context, JobRequests.Submission submission) {
        var command = submission.command();
        var find = new FindJobQuery(command.jobId());
        return submission.offerId() == null
                ? backend.sendThenQuery(context, command, find, JobView.class)
                : offers.submitThrough(context, submission.offerId(), command, submission.bidPrice())
                        .then(backend.query(context, find, JobView.class));
    }

    /** The job an earlier run of the same idempotent submission created; the failure when there is none. */
    private Mono<JobView> earlierRun(RequestContext context, String jobId, Throwable failure) {
        return backend.query(context, new FindJobQuery(jobId), JobView.class)
                .switchIfEmpty(Mono.error(failure));
    }

    /** The job if the caller may read it; 404 {@code JOB_NOT_FOUND} otherwise, so no one can probe for others' jobs. */
    public Mono<JobView> visible(RequestContext context, String jobId) {
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
}
