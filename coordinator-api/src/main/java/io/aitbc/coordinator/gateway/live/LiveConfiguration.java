package io.aitbc.coordinator.gateway.live;

import io.aitbc.coordinator.gateway.auth.Caller;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.web.reactive.HandlerMapping;
import org.springframework.web.reactive.config.WebFluxConfigurer;
import org.springframework.web.reactive.handler.SimpleUrlHandlerMapping;
import org.springframework.web.reactive.socket.WebSocketHandler;
import org.springframework.web.reactive.socket.server.WebSocketService;
import org.springframework.web.reactive.socket.server.support.HandshakeWebSocketService;
import org.springframework.web.reactive.socket.server.upgrade.ReactorNettyRequestUpgradeStrategy;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.WebsocketServerSpec;

import java.util.Map;

/**
 * Serves {@code /ws}: frames up to {@code coordinator.live.max-frame-bytes}, and a session that knows
 * its caller (authenticated by the API key filter on the handshake) and its raw connection.
 */
@Configuration(proxyBeanMethods = false)
class LiveConfiguration implements WebFluxConfigurer {

    static final String CONNECTION = LiveConfiguration.class.getName() + ".connection";

    private final LiveProperties properties;

    LiveConfiguration(LiveProperties properties) {
        this.properties = properties;
    }

    @Bean
    HandlerMapping liveWebSocketMapping(LiveWebSocketHandler handler) {
        return new SimpleUrlHandlerMapping(Map.of("/ws", handler), Ordered.HIGHEST_PRECEDENCE);
    }

    @Override
    public WebSocketService getWebSocketService() {
        var upgrade = new ReactorNettyRequestUpgradeStrategy(() -> WebsocketServerSpec.builder()
                .maxFramePayloadLength(properties.maxFrameBytes()));
        return new HandshakeWebSocketService(upgrade) {
            @Override
            public Mono<Void> handleRequest(ServerWebExchange exchange, WebSocketHandler handler) {
                Object caller = exchange.getAttributes().get(Caller.class.getName());
                return super.handleRequest(exchange, session -> {
                    if (caller != null) {
                        session.getAttributes().put(Caller.class.getName(), caller);
                    }
                    // a reader that stopped reading cannot be closed politely; the session keeps the raw
                    // connection so that it can be watched and cut
                    NettyConnections.of(session)
                            .ifPresent(connection -> session.getAttributes().put(CONNECTION, connection));
                    return handler.handle(session);
                });
            }
        };
    }
}
