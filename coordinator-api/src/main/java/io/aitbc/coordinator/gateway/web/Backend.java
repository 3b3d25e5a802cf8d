package io.aitbc.coordinator.gateway.web;

import org.axonframework.commandhandling.GenericCommandMessage;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.axonframework.messaging.responsetypes.ResponseTypes;
import org.axonframework.modelling.command.ConcurrencyException;
import org.axonframework.queryhandling.QueryGateway;
import org.slf4j.MDC;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.util.retry.Retry;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * The gateway's way into the command and query side. Axon handles commands and queries on the
 * calling thread, including JDBC, so every call hops off the Netty event loop onto a bounded
 * elastic worker, and every call has a timeout.
 */
@Component
public class Backend {

    private static final int CONFLICT_RETRIES = 4;

    private final CommandGateway commandGateway;
    private final QueryGateway queryGateway;
    private final Duration timeout;

    Backend(CommandGateway commandGateway, QueryGateway queryGateway,
            @Value("${coordinator.gateway.timeout:10s}") Duration timeout) {
        this.commandGateway = commandGateway;
        this.queryGateway = queryGateway;
        this.timeout = timeout;
    }

    /**
     * Sends a command on behalf of the request; answers the handler's result, or empty for none.
     *
     * <p>A command that lost a race for its aggregate to another node (both appended the same sequence
     * number; the event store kept the other) is sent again: its transaction was rolled back as a whole,
     * and the second run decides on the aggregate as it is now. Within one node commands on an aggregate
     * take turns and never meet this.
     */
    public <R> Mono<R> send(RequestContext context, Object command) {
        var message = GenericCommandMessage.asCommandMessage(command).andMetaData(context.metaData());
        return this.<R>blocking(context,
                        () -> commandGateway.sendAndWait(message, timeout.toMillis(), TimeUnit.MILLISECONDS))
                .retryWhen(conflicts());
    }

    /**
     * Sends a command and then, on the same worker thread, asks a query of a single answer (the state
     * the command left): one hop off the event loop instead of two. Empty when the query answers
     * {@code null}.
     */
    public <R> Mono<R> sendThenQuery(RequestContext context, Object command, Object query, Class<R> answerType) {
        var message = GenericCommandMessage.asCommandMessage(command).andMetaData(context.metaData());
        return this.<R>blocking(context, () -> {
                    commandGateway.sendAndWait(message, timeout.toMillis(), TimeUnit.MILLISECONDS);
                    return queryGateway.query(query, ResponseTypes.instanceOf(answerType))
                            .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                })
                .retryWhen(conflicts());
    }

    private static Retry conflicts() {
        return Retry.backoff(CONFLICT_RETRIES, Duration.ofMillis(5))
                .maxBackoff(Duration.ofMillis(100))
                .filter(failure -> ErrorResponses.rootCause(failure) instanceof ConcurrencyException)
                .onRetryExhaustedThrow((spec, signal) -> signal.failure());
    }

    /** Asks a query of a single answer; empty when the handler answers {@code null}. */
    public <R> Mono<R> query(RequestContext context, Object query, Class<R> answerType) {
        return blocking(context, () -> queryGateway.query(query, ResponseTypes.instanceOf(answerType))
                .get(timeout.toMillis(), TimeUnit.MILLISECONDS));
    }

    /** Runs blocking work (JDBC, commands) off the event loop with the request's logging context. */
    public <R> Mono<R> blocking(RequestContext context, Callable<R> work) {
        return Mono.fromCallable(() -> {
                    context.toMdc();
                    try {
                        return work.call();
                    } finally {
                        MDC.clear();
                    }
                })
                .subscribeOn(Schedulers.boundedElastic())
                .timeout(timeout.plusSeconds(1));
    }
}
