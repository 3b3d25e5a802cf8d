package io.aitbc.coordinator.gateway.audit;

import io.aitbc.coordinator.audit.EventLog;
import io.aitbc.coordinator.audit.StoredEvent;
import io.aitbc.coordinator.gateway.auth.Role;
import io.aitbc.coordinator.gateway.live.EventTailer;
import io.aitbc.coordinator.gateway.web.ApiException;
import io.aitbc.coordinator.gateway.web.Backend;
import io.aitbc.coordinator.gateway.web.RequestContext;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.Exceptions;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The audit log: every event in global order, paged by position, or streamed as NDJSON or server-sent
 * events to the head and, with {@code follow=true}, on as new events commit. Auditors and admins only.
 *
 * <p>{@code type} filters by the event's short name, {@code JobSubmitted}; the dotted form
 * {@code job.submitted} means the same. A followed stream that falls
 * {@code coordinator.live.session-buffer} events behind is ended; the reader resumes with
 * {@code after} set to the last position it received.
 */
@RestController
@RequestMapping("/v1/audit")
class AuditController {

    private static final Pattern TYPE = Pattern.compile("[A-Za-z][A-Za-z.]{0,63}");
    private static final MediaType NDJSON = MediaType.APPLICATION_NDJSON;

    private final Backend backend;
    private final EventLog log;
    private final EventTailer tailer;

    AuditController(Backend backend, EventLog log, EventTailer tailer) {
        this.backend = backend;
        this.log = log;
        this.tailer = tailer;
    }

    record AuditPage(List<AuditEvent> events, long nextAfter) {
    }

    @GetMapping("/events")
    Mono<ResponseEntity<?>> events(RequestContext context,
                                   @RequestParam(defaultValue = "0") long after,
                                   @RequestParam(defaultValue = "100") int limit,
                                   @RequestParam(name = "aggregate_id", required = false) String aggregateId,
                                   @RequestParam(required = false) String type,
                                   @RequestParam(defaultValue = "false") boolean follow,
                                   @RequestHeader(name = HttpHeaders.ACCEPT, required = false) String accept) {
        context.caller().require(Role.AUDITOR, Role.ADMIN);
        if (limit < 1 || limit > 1000 || after < 0) {
            throw ApiException.badRequest("limit must be 1 to 1000 and after at least 0");
        }
        String shortType = shortType(type);
        List<MediaType> accepted = accept == null ? List.of() : MediaType.parseMediaTypes(accept);
        boolean ndjson = accepted.stream().anyMatch(NDJSON::equalsTypeAndSubtype);
        boolean sse = accepted.stream().anyMatch(MediaType.TEXT_EVENT_STREAM::equalsTypeAndSubtype);
        if (!ndjson && !sse) {
            return backend.blocking(context, () -> log.after(after, null, limit, aggregateId, shortType))
                    .map(events -> ResponseEntity.ok(new AuditPage(events.stream().map(AuditEvent::of).toList(),
                            events.isEmpty() ? after : events.get(events.size() - 1).position())));
        }
        Flux<AuditEvent> events = stream(after, aggregateId, shortType, follow);
        if (ndjson) {
            return Mono.just(ResponseEntity.ok().contentType(NDJSON).body(events));
        }
        Flux<ServerSentEvent<AuditEvent>> sent = events.map(event -> ServerSentEvent.builder(event)
                .id(Long.toString(event.position()))
                .event("event")
                .build());
        return Mono.just(ResponseEntity.ok().contentType(MediaType.TEXT_EVENT_STREAM).body(sent));
    }

    private Flux<AuditEvent> stream(long after, String aggregateId, String type, boolean follow) {
        if (!follow) {
            return Mono.fromCallable(tailer::head)
                    .flatMapMany(head -> tailer.history(after, head))
                    .filter(event -> matches(event, aggregateId, type))
                    .map(AuditEvent::of);
        }
        return tailer.follow(after, event -> matches(event, aggregateId, type) ? AuditEvent.of(event) : null,
                        event -> true)
                .onErrorResume(Exceptions::isOverflow, overflow -> Flux.empty());
    }

    private static boolean matches(StoredEvent event, String aggregateId, String type) {
        return (aggregateId == null || aggregateId.equals(event.aggregateId()))
                && (type == null || type.equals(event.type()));
    }

    /** {@code JobSubmitted} as it is; {@code job.submitted} becomes {@code JobSubmitted}. */
    static String shortType(String type) {
        if (type == null || type.isBlank()) {
            return null;
        }
        if (!TYPE.matcher(type).matches()) {
            throw ApiException.badRequest("type is an event name such as JobSubmitted or job.submitted");
        }
        if (!type.contains(".")) {
            return type;
        }
        StringBuilder name = new StringBuilder();
        for (String part : type.split("\\.")) {
            if (!part.isEmpty()) {
                name.append(part.substring(0, 1).toUpperCase(Locale.ROOT)).append(part.substring(1));
            }
        }
        return name.toString();
    }
}
