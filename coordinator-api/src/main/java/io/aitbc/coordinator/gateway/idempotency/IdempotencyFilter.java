package io.aitbc.coordinator.gateway.idempotency;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aitbc.coordinator.gateway.auth.ApiKeyFilter;
import io.aitbc.coordinator.gateway.auth.Caller;
import io.aitbc.coordinator.gateway.web.ApiException;
import io.aitbc.coordinator.gateway.web.Backend;
import io.aitbc.coordinator.gateway.web.Digests;
import io.aitbc.coordinator.gateway.web.ErrorResponses;
import io.aitbc.coordinator.gateway.web.RequestContext;
import io.aitbc.coordinator.gateway.web.RequestIds;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;

/**
 * Makes every POST that creates or changes something safe to retry. A request with an
 * {@code Idempotency-Key} header claims (principal, key) in PostgreSQL before it runs; its answer,
 * error or not, is stored with the claim. A retry with the same method, path and body then gets the
 * first answer again (status and body, marked {@code Idempotent-Replayed: true}); with anything else
 * 422 {@code IDEMPOTENCY_KEY_REUSED}; while the first is still running, 409
 * {@code IDEMPOTENCY_CONFLICT}. Records live 24 hours. A 5xx answer (a timeout, say) is not kept:
 * it does not tell whether the work took effect, so the key is freed and a retry runs again.
 *
 * <p>Polls and heartbeats are left out: replaying their first answer would hand a miner a stale
 * assignment or leave its leases unrenewed, and running them twice harms nothing.
 *
 * <p>A node that dies while running a request leaves the key claimed until the claim's lock lapses
 * ({@code coordinator.idempotency.lock}, 30 seconds, well past the gateway's 10-second timeout); a
 * retry after that runs the request again, because whether the first one took effect is unknown
 * here. Handlers make that second run harmless where it matters: a job submission derives its job id
 * from the key ({@link IdempotentRequest}), so the second run finds the job the first one created.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 30)
class IdempotencyFilter implements WebFilter {

    static final String HEADER = "Idempotency-Key";
    static final String REPLAYED = "Idempotent-Replayed";
    private static final Logger logger = LoggerFactory.getLogger(IdempotencyFilter.class);
    private static final Pattern WELL_FORMED = Pattern.compile("[\\x21-\\x7E]{1,255}");
    private static final String API_KEYS = "/v1/api-keys";
    private static final String SECRET_FIELD = "api_key";
    private static final Set<String> NOT_REPLAYED = Set.of("/v1/miners/poll", "/v1/miners/heartbeat");

    private final IdempotencyStore store;
    private final Backend backend;
    private final ErrorResponses errors;
    private final ObjectMapper json;
    private final int maxBodyBytes;
    private final Duration lock;
    private final Duration retention;

    IdempotencyFilter(IdempotencyStore store, Backend backend, ErrorResponses errors, ObjectMapper json,
                      @Value("${coordinator.limits.max-body-bytes:1048576}") int maxBodyBytes,
                      @Value("${coordinator.idempotency.lock:30s}") Duration lock,
                      @Value("${coordinator.idempotency.retention:24h}") Duration retention) {
        this.store = store;
        this.backend = backend;
        this.errors = errors;
        this.json = json;
        this.maxBodyBytes = maxBodyBytes;
        this.lock = lock;
        this.retention = retention;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        ServerHttpRequest request = exchange.getRequest();
        String key = request.getHeaders().getFirst(HEADER);
        Caller caller = ApiKeyFilter.callerOf(exchange).orElse(null);
        if (key == null || caller == null || !HttpMethod.POST.equals(request.getMethod())
                || NOT_REPLAYED.contains(request.getPath().pathWithinApplication().value())) {
            return chain.filter(exchange);
        }
        if (!WELL_FORMED.matcher(key).matches()) {
            return Mono.error(ApiException.badRequest(
                    "Idempotency-Key must be 1 to 255 visible ASCII characters"));
        }
        RequestContext context = new RequestContext(caller, RequestIds.of(exchange));
        return DataBufferUtils.join(request.getBody(), maxBodyBytes)
                .map(IdempotencyFilter::drain)
                .defaultIfEmpty(new byte[0])
                .flatMap(body -> {
                    String hash = requestHash(request, body);
                    return backend.blocking(context, () -> store.claim(caller.principal(), key, hash, lock, retention))
                            .flatMap(claim -> answer(claim, exchange, chain, context, key, body));
                });
    }

    private Mono<Void> answer(IdempotencyStore.Claim claim, ServerWebExchange exchange, WebFilterChain chain,
                              RequestContext context, String key, byte[] body) {
        if (claim instanceof IdempotencyStore.Replay replay) {
            return replay(exchange, replay);
        }
        if (claim instanceof IdempotencyStore.Reused) {
            return Mono.error(new ApiException(HttpStatus.UNPROCESSABLE_ENTITY, "IDEMPOTENCY_KEY_REUSED",
                    "Idempotency-Key " + key + " was first used with another method, path or body"));
        }
        if (claim instanceof IdempotencyStore.InFlight) {
            return Mono.error(new ApiException(HttpStatus.CONFLICT, "IDEMPOTENCY_CONFLICT",
                    "A request with Idempotency-Key " + key + " is still in progress; retry once it answered"));
        }
        Instant firstSeenAt = ((IdempotencyStore.Claimed) claim).firstSeenAt();
        IdempotentRequest.remember(exchange, new IdempotentRequest(context.caller().principal(), key, firstSeenAt));
        return run(exchange, chain, context, key, body);
    }

    /** Runs the request once, recording whatever it answers, its errors included. */
    private Mono<Void> run(ServerWebExchange exchange, WebFilterChain chain, RequestContext context, String key,
                           byte[] body) {
        ServerHttpRequest request = new ServerHttpRequestDecorator(exchange.getRequest()) {
            @Override
            public Flux<DataBuffer> getBody() {
                return Flux.defer(() -> Flux.just(DefaultDataBufferFactory.sharedInstance.wrap(body)));
            }
        };
        boolean keepsSecrets = exchange.getRequest().getPath().pathWithinApplication().value().startsWith(API_KEYS);
        RecordingResponse response = new RecordingResponse(exchange.getResponse(), context, key, keepsSecrets);
        ServerWebExchange recorded = exchange.mutate().request(request).response(response).build();
        // errors are mapped here rather than by the outer handler, so that their answer is recorded too
        return chain.filter(recorded)
                .onErrorResume(failure -> errors.handle(recorded, failure));
    }

    private static Mono<Void> replay(ServerWebExchange exchange, IdempotencyStore.Replay replay) {
        ServerHttpResponse response = exchange.getResponse();
        response.setStatusCode(HttpStatusCode.valueOf(replay.status()));
        response.getHeaders().set(REPLAYED, "true");
        if (replay.contentType() != null) {
            response.getHeaders().setContentType(MediaType.parseMediaType(replay.contentType()));
        }
        byte[] body = replay.body() == null ? new byte[0] : replay.body();
        if (body.length == 0) {
            return response.setComplete();
        }
        return response.writeWith(Mono.just(response.bufferFactory().wrap(body)));
    }

    static String requestHash(ServerHttpRequest request, byte[] body) {
        ByteArrayOutputStream text = new ByteArrayOutputStream(body.length + 128);
        String target = request.getMethod().name() + " " + request.getPath().pathWithinApplication().value()
                + (request.getURI().getRawQuery() == null ? "" : "?" + request.getURI().getRawQuery()) + "\n";
        text.writeBytes(target.getBytes(StandardCharsets.UTF_8));
        text.writeBytes(body);
        return Digests.sha256Hex(text.toByteArray());
    }

    private static byte[] drain(DataBuffer buffer) {
        try {
            byte[] bytes = new byte[buffer.readableByteCount()];
            buffer.read(bytes);
            return bytes;
        } finally {
            DataBufferUtils.release(buffer);
        }
    }

    /**
     * A key's secret is stored nowhere but in the caller's hands, so the recorded answer of a key
     * creation or regeneration leaves it out: a replay names the key but cannot show its secret.
     */
    private byte[] withoutSecret(byte[] answer) throws IOException {
        if (answer.length == 0) {
            return answer;
        }
        JsonNode tree = json.readTree(answer);
        if (tree instanceof ObjectNode object) {
            object.remove(SECRET_FIELD);
        }
        return json.writeValueAsBytes(tree);
    }

    /** Stores the answer with the claim before it goes out, so a retry can never see less than the caller did. */
    private final class RecordingResponse extends ServerHttpResponseDecorator {

        private final RequestContext context;
        private final String key;
        private final boolean hidesSecret;
        private final AtomicBoolean recorded = new AtomicBoolean();

        RecordingResponse(ServerHttpResponse delegate, RequestContext context, String key, boolean hidesSecret) {
            super(delegate);
            this.context = context;
            this.key = key;
            this.hidesSecret = hidesSecret;
        }

        @Override
        public Mono<Void> writeWith(Publisher<? extends DataBuffer> body) {
            return DataBufferUtils.join(Flux.from(body))
                    .map(IdempotencyFilter::drain)
                    .defaultIfEmpty(new byte[0])
                    .flatMap(bytes -> record(bytes)
                            .then(Mono.defer(() -> bytes.length == 0 ? super.setComplete()
                                    : super.writeWith(Mono.just(bufferFactory().wrap(bytes))))));
        }

        @Override
        public Mono<Void> setComplete() {
            return record(new byte[0]).then(Mono.defer(super::setComplete));
        }

        private Mono<Void> record(byte[] bytes) {
            if (!recorded.compareAndSet(false, true)) {
                return Mono.empty();
            }
            int status = getStatusCode() == null ? 200 : getStatusCode().value();
            MediaType type = getHeaders().getContentType();
            return backend.blocking(context, () -> {
                        if (status >= 500) {
                            // a timeout or a failure does not say whether the work took effect: the key is
                            // freed, so a retry runs again (a submission then finds the job it made)
                            store.release(context.caller().principal(), key);
                            return Boolean.TRUE;
                        }
                        byte[] kept = hidesSecret ? withoutSecret(bytes) : bytes;
                        store.complete(context.caller().principal(), key, status,
                                type == null ? null : type.toString(), kept);
                        return Boolean.TRUE;
                    })
                    .onErrorResume(failure -> {
                        // the answer still goes out; the claim lapses with its lock and a retry runs again
                        logger.warn("Could not record the answer for Idempotency-Key of request [{}]: {}",
                                context.requestId(), failure.toString());
                        return Mono.empty();
                    })
                    .then();
        }
    }
}
