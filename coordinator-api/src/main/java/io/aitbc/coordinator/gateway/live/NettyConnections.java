package io.aitbc.coordinator.gateway.live;

import org.springframework.web.reactive.socket.WebSocketSession;
import org.springframework.web.reactive.socket.adapter.AbstractWebSocketSession;
import org.springframework.web.reactive.socket.adapter.ReactorNettyWebSocketSession;
import reactor.netty.Connection;

import java.lang.reflect.Method;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The Netty connection under a Reactor Netty WebSocket session. Spring keeps it behind a protected
 * accessor; the live handler needs it to see whether a reader's socket is full and to cut a reader
 * that takes no close frame.
 */
final class NettyConnections {

    private static final Method DELEGATE = delegateAccessor();

    private NettyConnections() {
    }

    static Optional<Connection> of(WebSocketSession session) {
        if (DELEGATE == null || !(session instanceof ReactorNettyWebSocketSession)) {
            return Optional.empty();
        }
        try {
            var delegate = (ReactorNettyWebSocketSession.WebSocketConnection) DELEGATE.invoke(session);
            AtomicReference<Connection> connection = new AtomicReference<>();
            delegate.getInbound().withConnection(connection::set);
            return Optional.ofNullable(connection.get());
        } catch (ReflectiveOperationException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static Method delegateAccessor() {
        try {
            Method method = AbstractWebSocketSession.class.getDeclaredMethod("getDelegate");
            method.setAccessible(true);
            return method;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }
}
