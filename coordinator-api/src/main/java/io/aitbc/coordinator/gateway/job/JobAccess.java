package io.aitbc.coordinator.gateway.job;

import com.fasterxml.jackson.databind.JsonNode;
import io.aitbc.coordinator.gateway.web.RequestContext;
import io.aitbc.coordinator.job.api.JobView;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * Job submission and visibility for the gateway's other transports (RSocket): the same validation,
 * command and visibility rules as {@code POST /v1/jobs} and {@code GET /v1/jobs/{id}}.
 */
@Component
public class JobAccess {

    private final JobController jobs;

    JobAccess(JobController jobs) {
        this.jobs = jobs;
    }

    /** Submits a job from a body shaped as {@code POST /v1/jobs} takes it; answers the job view. */
    public Mono<JobView> submit(RequestContext context, JsonNode body) {
        return Mono.defer(() -> jobs.queue(context, body));
    }

    /** The job if the caller may read it; {@code JOB_NOT_FOUND} otherwise. */
    public Mono<JobView> visible(RequestContext context, String jobId) {
        return jobs.visibleJob(context, jobId);
    }
}
