package io.aitbc.coordinator.gateway.rsocket;

import io.rsocket.core.RSocketServer;
import io.rsocket.transport.netty.server.WebsocketRouteTransport;
import org.springframework.boot.rsocket.messaging.RSocketStrategiesCustomizer;
import org.springframework.boot.web.embedded.netty.NettyRouteProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.messaging.rsocket.annotation.support.RSocketMessageHandler;
import org.springframework.util.MimeType;
import reactor.netty.http.server.WebsocketServerSpec;

/**
 * RSocket on two transports, both served by the same message handler: WebSocket at {@code /rsocket} on
 * the HTTP port, always, and TCP on a port of its own once {@code spring.rsocket.server.port} is set
 * ({@code --spring.rsocket.server.port=7011}, or {@code SPRING_RSOCKET_SERVER_PORT=7011}). The TCP port
 * is not on by default so that several nodes can run on one host, each with its own HTTP port only.
 *
 * <p>A connection authenticates once, in its SETUP frame: the composite setup metadata carries the API
 * key as UTF-8 text under the MIME type {@value #API_KEY_MIME_TYPE}.
 */
@Configuration(proxyBeanMethods = false)
class RSocketConfiguration {

    static final String API_KEY_MIME_TYPE = "message/x.aitbc.api-key";
    static final MimeType API_KEY = MimeType.valueOf(API_KEY_MIME_TYPE);
    static final String API_KEY_HEADER = "api_key";

    @Bean
    RSocketStrategiesCustomizer apiKeyMetadata() {
        return strategies -> strategies.metadataExtractorRegistry(registry ->
                registry.metadataToExtract(API_KEY, String.class, API_KEY_HEADER));
    }

    @Bean
    NettyRouteProvider rsocketOverWebSocket(RSocketMessageHandler handler) {
        return routes -> routes.ws("/rsocket",
                WebsocketRouteTransport.newHandler(RSocketServer.create(handler.responder()).asConnectionAcceptor()),
                WebsocketServerSpec.builder().build());
    }
}
