package io.aitbc.coordinator.gateway.web;

import io.aitbc.coordinator.common.api.Ids;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

import java.util.regex.Pattern;

/**
 * Gives every request an id, answered in {@code X-Request-Id}. A well-formed incoming id (letters,
 * digits, {@code _ - . :}, at most 128 characters) is kept, so a caller can follow its own id
 * through the logs; anything else is replaced by a fresh {@code req_…}.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
public class RequestIds implements WebFilter {

    public static final String HEADER = "X-Request-Id";
    private static final String ATTRIBUTE = RequestIds.class.getName() + ".id";
    private static final Pattern WELL_FORMED = Pattern.compile("[A-Za-z0-9_.:-]{1,128}");

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        String requestId = of(exchange);
        exchange.getResponse().getHeaders().set(HEADER, requestId);
        return chain.filter(exchange);
    }

    /** The id of this exchange, assigned on first use. */
    public static String of(ServerWebExchange exchange) {
        String existing = exchange.getAttribute(ATTRIBUTE);
        if (existing != null) {
            return existing;
        }
        String incoming = exchange.getRequest().getHeaders().getFirst(HEADER);
        String requestId = incoming != null && WELL_FORMED.matcher(incoming).matches() ? incoming : Ids.newId("req");
        exchange.getAttributes().put(ATTRIBUTE, requestId);
        return requestId;
    }
}
