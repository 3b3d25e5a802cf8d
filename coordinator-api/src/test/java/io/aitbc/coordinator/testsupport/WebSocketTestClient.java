package io.aitbc.coordinator.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.springframework.web.reactive.socket.WebSocketMessage;
import org.springframework.web.reactive.socket.client.ReactorNettyWebSocketClient;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.LoopResources;

import java.net.URI;
import java.util.function.Consumer;

/**
 * WebSocket connections of tests to {@code /ws}: each sends one frame, then hands every message received,
 * read as JSON, to a consumer.
 */
public final class WebSocketTestClient {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http;

    /**
     * Event loops of the client's own, named {@code loopName}: a test context closing elsewhere in the JVM
     * disposes Reactor Netty's global ones, and a client started on them right then never connects.
     */
    public WebSocketTestClient(String loopName) {
        this.http = HttpClient.create().runOn(LoopResources.create(loopName, 1, true));
    }

    public Disposable connect(URI uri, String firstFrame, Consumer<JsonNode> onMessage) {
        return new ReactorNettyWebSocketClient(http)
                .execute(uri, session -> session.send(Mono.just(session.textMessage(firstFrame)))
                        .thenMany(session.receive().map(WebSocketMessage::getPayloadAsText))
                        .doOnNext(text -> onMessage.accept(read(text)))
                        .then())
                .subscribe();
    }

    public static JsonNode read(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
