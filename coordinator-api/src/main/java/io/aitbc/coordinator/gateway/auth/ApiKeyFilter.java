package io.aitbc.coordinator.gateway.auth;

import io.aitbc.coordinator.gateway.web.ApiException;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import java.util.Optional;

/**
 * Requires a valid {@code X-API-Key} on every route but health, the API documentation and the
 * WebSocket handshake's {@code ?api_key=} form, and records the {@link Caller} for the handlers.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 10)
public class ApiKeyFilter implements WebFilter {

    public static final String HEADER = "X-API-Key";
    private static final String CALLER = Caller.class.getName();

    private final Authenticator authenticator;

    ApiKeyFilter(Authenticator authenticator) {
        this.authenticator = authenticator;
    }

    public static Optional<Caller> callerOf(ServerWebExchange exchange) {
        return Optional.ofNullable(exchange.getAttribute(CALLER));
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        String path = exchange.getRequest().getPath().pathWithinApplication().value();
        if (isPublic(path)) {
            return chain.filter(exchange);
        }
        String secret = exchange.getRequest().getHeaders().getFirst(HEADER);
        if ((secret == null || secret.isBlank()) && path.equals("/ws")) {
            secret = exchange.getRequest().getQueryParams().getFirst("api_key");
        }
        if (secret == null || secret.isBlank()) {
            return Mono.error(new ApiException(HttpStatus.UNAUTHORIZED, "MISSING_API_KEY",
                    "Send your API key in the X-API-Key header"));
        }
        String key = secret.trim();
        Mono<Optional<Caller>> caller = authenticator.rememberedAnswer(key)
                .map(Mono::just)
                .orElseGet(() -> Mono.fromCallable(() -> authenticator.authenticate(key))
                        .subscribeOn(Schedulers.boundedElastic()));
        return caller.flatMap(found -> {
            if (found.isEmpty()) {
                return Mono.error(new ApiException(HttpStatus.UNAUTHORIZED, "INVALID_API_KEY",
                        "The provided API key is invalid"));
            }
            exchange.getAttributes().put(CALLER, found.get());
            return chain.filter(exchange);
        });
    }

    static boolean isPublic(String path) {
        return path.equals("/v1/health")
                || path.equals("/actuator/health") || path.startsWith("/actuator/health/")
                || path.startsWith("/v3/api-docs") || path.startsWith("/api/docs")
                || path.startsWith("/webjars/") || path.startsWith("/swagger-ui");
    }
}
