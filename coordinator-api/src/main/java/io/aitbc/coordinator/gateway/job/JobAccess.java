package io.aitbc.coordinator.gateway.job;

import com.fasterxml.jackson.databind.JsonNode;
import io.aitbc.coordinator.gateway.auth.Role;
import io.aitbc.coordinator.gateway.web.Backend;
import io.aitbc.coordinator.gateway.web.RequestContext;
import io.aitbc.coordinator.job.api.FindJobQuery;
import io.aitbc.coordinator.job.api.JobView;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

import java.time.Clock;
import java.time.temporal.ChronoUnit;

/**
 * Job submission and visibility for the gateway's other transports (RSocket): the same validation,
 * command and visibility rules as {@code POST /v1/jobs} and {@code GET /v1/jobs/{id}}.
 */
@Component
public class JobAccess {

    private final Backend backend;
    private final JobRequests requests;
    private final JobController jobs;
    private final Clock clock;

    JobAccess(Backend backend, JobRequests requests, JobController jobs, Clock clock) {
        this.backend = backend;
        this.requests = requests;
        this.jobs = jobs;
        this.clock = clock;
    }

    /** Submits a job from a body shaped as {@code POST /v1/jobs} takes it; answers the job view. */
    public Mono<JobView> submit(RequestContext context, JsonNode body) {
        return Mono.fromCallable(() -> {
                    context.caller().require(Role.CLIENT, Role.ADMIN);
                    return requests.submission(body, context.caller().principal(),
                            clock.instant().truncatedTo(ChronoUnit.MILLIS));
                })
                .flatMap(command -> backend.<String>send(context, command)
                        .then(backend.query(context, new FindJobQuery(command.jobId()), JobView.class)));
    }

    /** The job if the caller may read it; {@code JOB_NOT_FOUND} otherwise. */
    public Mono<JobView> visible(RequestContext context, String jobId) {
        return jobs.visibleJob(context, jobId);
    }
}
