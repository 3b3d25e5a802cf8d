package io.aitbc.coordinator.gateway.ratelimit;

import io.aitbc.coordinator.gateway.auth.ApiKeyFilter;
import io.aitbc.coordinator.gateway.auth.Caller;
import io.aitbc.coordinator.gateway.web.ApiException;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

import java.util.Map;

/**
 * Meters every authenticated request against its key's plan, right after {@link ApiKeyFilter}.
 * The {@code X-RateLimit-*} headers are set before the request goes on, so every answer carries
 * them, errors included; a refused request ends here with 429 {@code RATE_LIMIT_EXCEEDED} and
 * {@code Retry-After}. Requests without a caller (health, API docs) are not metered.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 20)
class RateLimitFilter implements WebFilter {

    static final String LIMIT = "X-RateLimit-Limit";
    static final String REMAINING = "X-RateLimit-Remaining";
    static final String RESET = "X-RateLimit-Reset";
    private static final Logger logger = LoggerFactory.getLogger(RateLimitFilter.class);

    private final RateLimiter limiter;
    private final boolean enabled;
    private final MeterRegistry meters;

    RateLimitFilter(RateLimiter limiter, MeterRegistry meters,
                    @Value("${coordinator.ratelimit.enabled:true}") boolean enabled) {
        this.limiter = limiter;
        this.meters = meters;
        this.enabled = enabled;
        if (!enabled) {
            logger.warn("Rate limits are turned off (coordinator.ratelimit.enabled=false)");
        }
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        Caller caller = ApiKeyFilter.callerOf(exchange).orElse(null);
        if (!enabled || caller == null) {
            return chain.filter(exchange);
        }
        return limiter.consume(caller).flatMap(decision -> {
            HttpHeaders headers = exchange.getResponse().getHeaders();
            headers.set(LIMIT, Long.toString(decision.limitPerMinute()));
            headers.set(REMAINING, Long.toString(decision.remaining()));
            headers.set(RESET, Long.toString(decision.resetEpochSeconds()));
            if (decision.allowed()) {
                return chain.filter(exchange);
            }
            meters.counter("coordinator.ratelimit.rejected", "plan", caller.plan().wireName()).increment();
            logger.debug("Refused a request of key [{}]: plan [{}] exhausted for [{}] s",
                    caller.keyId(), caller.plan().wireName(), decision.retryAfterSeconds());
            return Mono.error(new ApiException(HttpStatus.TOO_MANY_REQUESTS, "RATE_LIMIT_EXCEEDED",
                    "The rate limit of plan " + caller.plan().wireName() + " (" + caller.plan().perMinute()
                            + " per minute, burst " + caller.plan().burst() + ") is exhausted; retry in "
                            + decision.retryAfterSeconds() + " s",
                    Map.of("retry_after_seconds", decision.retryAfterSeconds())));
        });
    }
}
