package io.aitbc.coordinator.gateway.live;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aitbc.coordinator.gateway.auth.Caller;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.socket.CloseStatus;
import org.springframework.web.reactive.socket.WebSocketHandler;
import org.springframework.web.reactive.socket.WebSocketMessage;
import org.springframework.web.reactive.socket.WebSocketSession;
import org.springframework.web.util.UriComponentsBuilder;
import reactor.core.Exceptions;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.Connection;
import reactor.util.concurrent.Queues;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * WebSocket {@code /ws}: live job, marketplace and receipt updates, each carrying its event's
 * position.
 *
 * <p>Clients send {@code {"action": "subscribe", "channels": [...], "job_id": …, "job_ids": [...]}},
 * {@code unsubscribe} with the same fields, or {@code {"action": "ping"}} (answered
 * {@code {"type": "pong"}}). Updates start with the first subscription, from the head as it was
 * when the socket opened, or from {@code ?after=<position>}: then every message after that position
 * is replayed first, and live ones follow without gap or repeat. The server also pings every
 * {@code coordinator.live.ping-interval}.
 *
 * <p>A slow reader is one that falls {@code coordinator.live.session-buffer} messages behind, or whose
 * connection stays unwritable (socket buffers full) for longer than {@code coordinator.live.close-grace}.
 * It is sent {@code {"type": "error", "code": "SLOW_CONSUMER"}}, closed with status 1008 and reason
 * {@code SLOW_CONSUMER}, and cut after another {@code close-grace} if it does not read the close; its
 * queue is dropped at once. What a session can hold is thus bounded by the queue plus Netty's write
 * buffer for at most {@code close-grace}.
 */
@Component
class LiveWebSocketHandler implements WebSocketHandler {

    private static final Logger logger = LoggerFactory.getLogger(LiveWebSocketHandler.class);
    static final String SLOW_CONSUMER = "SLOW_CONSUMER";
    private static final String STALLED = LiveWebSocketHandler.class.getName() + ".stalled";
    private static final Duration WATCH_INTERVAL = Duration.ofMillis(500);

    private final EventTailer tailer;
    private final LiveUpdates updates;
    private final LiveProperties properties;
    private final ObjectMapper mapper = new ObjectMapper();
    private final AtomicInteger open = new AtomicInteger();
    private final Counter slowConsumers;

    LiveWebSocketHandler(EventTailer tailer, LiveUpdates updates, LiveProperties properties, MeterRegistry meters) {
        this.tailer = tailer;
        this.updates = updates;
        this.properties = properties;
        this.slowConsumers = meters.counter("coordinator.live.slow_consumers");
        meters.gauge("coordinator.live.sessions", open);
    }

    /** Sessions open on this node. */
    int openSessions() {
        return open.get();
    }

    /** Sessions closed on this node because they read too slowly. */
    double slowConsumerDisconnects() {
        return slowConsumers.count();
    }

    @Override
    public Mono<Void> handle(WebSocketSession session) {
        Caller caller = (Caller) session.getAttributes().get(Caller.class.getName());
        if (caller == null) {
            logger.warn("WebSocket session [{}] has no authenticated caller; closing it", session.getId());
            return session.close(CloseStatus.POLICY_VIOLATION.withReason("MISSING_API_KEY"));
        }
        String afterText = UriComponentsBuilder.fromUri(session.getHandshakeInfo().getUri()).build()
                .getQueryParams().getFirst("after");
        long after;
        try {
            after = afterText == null ? tailer.head() : Long.parseLong(afterText);
        } catch (NumberFormatException e) {
            return session.close(CloseStatus.BAD_DATA.withReason("after must be a position"));
        }
        open.incrementAndGet();
        logger.debug("WebSocket session [{}] opened for [{}] after position [{}], watched [{}]", session.getId(),
                caller.principal(), after, session.getAttributes().containsKey(LiveConfiguration.CONNECTION));

        LiveSession live = new LiveSession(caller);
        Sinks.Many<String> replies = Sinks.many().unicast().onBackpressureBuffer(Queues.<String>get(64).get());
        Sinks.One<Boolean> started = Sinks.one();
        Mono<Void> input = session.receive()
                .map(WebSocketMessage::getPayloadAsText)
                .doOnNext(text -> onClientMessage(text, live, after, replies, started))
                .then();
        Sinks.One<Boolean> stalled = Sinks.one();
        Flux<String> messages = started.asMono()
                .flatMapMany(ignored -> tailer.follow(after, event -> live.select(updates.messagesOf(event)),
                        selected -> !selected.isEmpty()))
                .flatMapIterable(selected -> selected)
                .map(LiveMessage::json)
                .takeUntilOther(stalled.asMono())
                .concatWith(Flux.defer(() -> isStalled(session)
                        ? slowConsumer(session, caller) : Flux.empty()))
                .onErrorResume(Exceptions::isOverflow, overflow -> slowConsumer(session, caller));
        Flux<WebSocketMessage> output = Flux.merge(
                replies.asFlux().map(session::textMessage),
                messages.map(session::textMessage),
                Flux.interval(properties.pingInterval())
                        .onBackpressureDrop()
                        .map(tick -> session.pingMessage(buffers -> buffers.allocateBuffer(0))));
        // a reader whose socket stays full is stalled even when nothing queues here: Netty holds the rest
        Flux.interval(WATCH_INTERVAL)
                .map(tick -> writable(session))
                .scan(0L, (unwritableTicks, writable) -> writable ? 0 : unwritableTicks + 1)
                .filter(ticks -> ticks * WATCH_INTERVAL.toMillis() > properties.closeGrace().toMillis())
                .next()
                .takeUntilOther(session.closeStatus())
                .subscribe(ticks -> {
                    session.getAttributes().put(STALLED, Boolean.TRUE);
                    stalled.tryEmitValue(Boolean.TRUE);
                });
        return Mono.firstWithSignal(input, session.send(output))
                .doFinally(signal -> {
                    open.decrementAndGet();
                    logger.debug("WebSocket session [{}] ended [{}]", session.getId(), signal);
                });
    }

    private Flux<String> slowConsumer(WebSocketSession session, Caller caller) {
        slowConsumers.increment();
        logger.info("WebSocket session [{}] of [{}] fell more than [{}] messages behind; closing it",
                session.getId(), caller.principal(), properties.sessionBuffer());
        session.close(new CloseStatus(CloseStatus.POLICY_VIOLATION.getCode(), SLOW_CONSUMER)).subscribe();
        // a reader that stopped reading never takes the close frame either: cut the connection then
        Mono.delay(properties.closeGrace())
                .subscribe(tick -> disconnect(session));
        return Flux.just(error(SLOW_CONSUMER, "This session read too slowly and is closed; reconnect with ?after="
                + "<the last position you received>"));
    }

    private static boolean isStalled(WebSocketSession session) {
        return Boolean.TRUE.equals(session.getAttributes().get(STALLED));
    }

    private static boolean writable(WebSocketSession session) {
        return !(session.getAttributes().get(LiveConfiguration.CONNECTION) instanceof Connection connection)
                || connection.channel().isWritable() || !connection.channel().isActive();
    }

    private static void disconnect(WebSocketSession session) {
        if (session.getAttributes().get(LiveConfiguration.CONNECTION) instanceof Connection connection) {
            connection.dispose();
        }
    }

    private void onClientMessage(String text, LiveSession live, long after, Sinks.Many<String> replies,
                                 Sinks.One<Boolean> started) {
        JsonNode request;
        try {
            request = mapper.readTree(text);
        } catch (Exception e) {
            replies.tryEmitNext(error("INVALID_REQUEST", "Messages are JSON objects with an action"));
            return;
        }
        String action = request.path("action").asText("");
        switch (action) {
            case "ping" -> replies.tryEmitNext("{\"type\":\"pong\"}");
            case "subscribe", "unsubscribe" -> {
                List<String> channels = strings(request.get("channels"));
                List<String> jobIds = strings(request.get("job_ids"));
                if (request.hasNonNull("job_id")) {
                    jobIds.add(request.get("job_id").asText());
                }
                List<String> unknown = channels.stream().filter(c -> !LiveSession.CHANNELS.contains(c)).toList();
                if (!unknown.isEmpty()) {
                    replies.tryEmitNext(error("VALIDATION_FAILED", "Unknown channels " + unknown
                            + "; known: jobs, marketplace, receipts"));
                    return;
                }
                if (action.equals("subscribe")) {
                    live.subscribe(channels, jobIds);
                } else {
                    live.unsubscribe(channels, jobIds);
                }
                ObjectNode answer = mapper.createObjectNode().put("type", action + "d").put("after", after);
                answer.set("channels", mapper.valueToTree(live.channels()));
                answer.put("job_count", live.jobIds().size());
                replies.tryEmitNext(answer.toString());
                started.tryEmitValue(Boolean.TRUE);
            }
            default -> replies.tryEmitNext(error("INVALID_REQUEST",
                    "Unknown action '" + action + "'; use subscribe, unsubscribe or ping"));
        }
    }

    private static List<String> strings(JsonNode node) {
        List<String> values = new ArrayList<>();
        if (node != null && node.isArray()) {
            node.forEach(value -> values.add(value.asText()));
        }
        return values;
    }

    private String error(String code, String message) {
        return mapper.createObjectNode()
                .put("type", "error")
                .put("code", code)
                .put("message", message)
                .toString();
    }
}
