package io.aitbc.coordinator.gateway.rsocket;

import com.fasterxml.jackson.databind.JsonNode;
import io.aitbc.coordinator.common.api.CommandRejectedException;
import io.aitbc.coordinator.common.api.Ids;
import io.aitbc.coordinator.gateway.audit.AuditEvent;
import io.aitbc.coordinator.gateway.auth.Authenticator;
import io.aitbc.coordinator.gateway.auth.Caller;
import io.aitbc.coordinator.gateway.auth.Role;
import io.aitbc.coordinator.gateway.job.JobAccess;
import io.aitbc.coordinator.gateway.live.EventTailer;
import io.aitbc.coordinator.gateway.live.LiveMessage;
import io.aitbc.coordinator.gateway.live.LiveUpdates;
import io.aitbc.coordinator.gateway.web.ApiException;
import io.aitbc.coordinator.gateway.web.RequestContext;
import io.aitbc.coordinator.job.api.JobView;
import io.rsocket.exceptions.ApplicationErrorException;
import io.rsocket.exceptions.RejectedSetupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.messaging.handler.annotation.Header;
import org.springframework.messaging.handler.annotation.MessageExceptionHandler;
import org.springframework.messaging.handler.annotation.MessageMapping;
import org.springframework.messaging.rsocket.RSocketRequester;
import org.springframework.messaging.rsocket.annotation.ConnectMapping;
import org.springframework.stereotype.Controller;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The RSocket routes, each answering what the matching HTTP route answers:
 * <ul>
 *   <li>{@code jobs.submit} (request-response): a {@code POST /v1/jobs} body; answers the job view.</li>
 *   <li>{@code jobs.follow} (request-stream): {@code {"job_id": …, "after"?: position}}; the job's
 *       {@code job_update} and {@code receipt_created} messages, as on {@code /ws}, stored ones first.</li>
 *   <li>{@code audit.events} (request-stream): {@code {"after"?: position}}; the audit log from there,
 *       then live, for auditors and admins.</li>
 * </ul>
 * Failures end the request with an application error whose message starts with the contract's code
 * ({@code JOB_NOT_FOUND: …}); a SETUP without a valid key is rejected.
 */
@Controller
class RSocketController {

    private static final Logger logger = LoggerFactory.getLogger(RSocketController.class);

    private final Authenticator authenticator;
    private final JobAccess jobs;
    private final EventTailer tailer;
    private final LiveUpdates updates;
    private final Map<RSocketRequester, Caller> callers = new ConcurrentHashMap<>();

    RSocketController(Authenticator authenticator, JobAccess jobs, EventTailer tailer, LiveUpdates updates) {
        this.authenticator = authenticator;
        this.jobs = jobs;
        this.tailer = tailer;
        this.updates = updates;
    }

    @ConnectMapping
    Mono<Void> connect(RSocketRequester requester,
                       @Header(name = RSocketConfiguration.API_KEY_HEADER, required = false) String apiKey) {
        if (apiKey == null || apiKey.isBlank()) {
            return Mono.error(new RejectedSetupException("MISSING_API_KEY: send the key in the setup metadata as "
                    + RSocketConfiguration.API_KEY_MIME_TYPE));
        }
        return Mono.fromCallable(() -> authenticator.authenticate(apiKey.trim()))
                .subscribeOn(Schedulers.boundedElastic())
                .flatMap(caller -> caller
                        .map(found -> {
                            callers.put(requester, found);
                            requester.rsocketClient().onClose()
                                    .doFinally(signal -> callers.remove(requester))
                                    .subscribe(null, error -> { });
                            logger.debug("RSocket connection of [{}] set up", found.principal());
                            return Mono.<Void>empty();
                        })
                        .orElseGet(() -> Mono.error(
                                new RejectedSetupException("INVALID_API_KEY: the key is invalid"))));
    }

    @MessageMapping("jobs.submit")
    Mono<JobView> submit(RSocketRequester requester, JsonNode body) {
        return jobs.submit(context(requester), body);
    }

    @MessageMapping("jobs.follow")
    Flux<JsonNode> follow(RSocketRequester requester, JsonNode request) {
        RequestContext context = context(requester);
        String jobId = request.path("job_id").asText(null);
        if (jobId == null) {
            return Flux.error(ApiException.badRequest("job_id is required"));
        }
        long after = request.path("after").asLong(0);
        return jobs.visible(context, jobId)
                .flatMapMany(job -> tailer.follow(after, event -> mine(updates.messagesOf(event), jobId, context),
                        messages -> !messages.isEmpty()))
                .flatMapIterable(messages -> messages)
                .map(message -> LiveUpdatesJson.read(message.json()));
    }

    @MessageMapping("audit.events")
    Flux<AuditEvent> audit(RSocketRequester requester, JsonNode request) {
        RequestContext context = context(requester);
        context.caller().require(Role.AUDITOR, Role.ADMIN);
        long after = request.path("after").asLong(0);
        return tailer.follow(after, AuditEvent::of, event -> true);
    }

    @MessageExceptionHandler
    Mono<Void> failed(Throwable failure) {
        if (failure instanceof RejectedSetupException) {
            return Mono.error(failure);
        }
        if (failure instanceof ApiException api) {
            return Mono.error(new ApplicationErrorException(api.code() + ": " + api.getMessage()));
        }
        if (failure instanceof CommandRejectedException rejected) {
            return Mono.error(new ApplicationErrorException(rejected.code() + ": " + rejected.getMessage()));
        }
        logger.warn("RSocket request failed", failure);
        return Mono.error(new ApplicationErrorException("INTERNAL_ERROR: the request failed"));
    }

    private static List<LiveMessage> mine(List<LiveMessage> messages, String jobId, RequestContext context) {
        return messages.stream()
                .filter(message -> jobId.equals(message.jobId()))
                .filter(message -> LiveUpdates.mayRead(context.caller(), message))
                .toList();
    }

    private RequestContext context(RSocketRequester requester) {
        Caller caller = Optional.ofNullable(callers.get(requester))
                .orElseThrow(() -> new ApiException(org.springframework.http.HttpStatus.UNAUTHORIZED,
                        "MISSING_API_KEY", "This connection did not authenticate"));
        return new RequestContext(caller, Ids.newId("req"));
    }
}
