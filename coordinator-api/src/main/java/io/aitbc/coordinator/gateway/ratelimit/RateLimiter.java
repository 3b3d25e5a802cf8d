package io.aitbc.coordinator.gateway.ratelimit;

import io.aitbc.coordinator.gateway.auth.Caller;
import reactor.core.publisher.Mono;

/** Takes one token from the bucket of a caller's key; never blocks the calling thread. */
public interface RateLimiter {

    Mono<RateLimitDecision> consume(Caller caller);
}
