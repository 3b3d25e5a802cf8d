package io.aitbc.coordinator.replay;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.aitbc.coordinator.common.api.Ids;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * The coordinator's HTTP API as the replay uses it: JSON in snake_case over one shared HTTP/1.1
 * client, every call retried where the contract makes a retry safe.
 *
 * <p>A 429 waits for as long as {@code Retry-After} says. A 409 {@code IDEMPOTENCY_CONFLICT} (the first
 * request with the same key is still running, or ran on a node that died and its claim has not lapsed
 * yet) is asked again every two seconds for up to a minute. Transport failures and 5xx answers are
 * retried a few times with a growing pause: every call the replay makes may be repeated without
 * harm (job submissions carry an {@code Idempotency-Key}, a repeated result report gets the same
 * answer, registering again updates). Every answer that is not 2xx is counted by route, status and
 * error code, so the report can show where the coordinator misbehaved.
 */
final class CoordinatorClient {

    private static final Logger logger = LoggerFactory.getLogger(CoordinatorClient.class);

    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
    private static final int MAX_FAILURE_RETRIES = 5;
    private static final int MAX_RATE_LIMIT_RETRIES = 100;
    private static final long MAX_RETRY_AFTER_SECONDS = 60;
    private static final int MAX_IN_FLIGHT_RETRIES = 30;
    private static final Duration IN_FLIGHT_PAUSE = Duration.ofSeconds(2);

    /** One call: {@code route} names the endpoint without its ids, for the tally. */
    record Call(String method, String path, String route, String apiKey, Object body, Duration timeout,
                String idempotencyKey) {

        static Call get(String path, String route, String apiKey) {
            return new Call("GET", path, route, apiKey, null, REQUEST_TIMEOUT, null);
        }

        static Call post(String path, String route, String apiKey, Object body) {
            return new Call("POST", path, route, apiKey, body, REQUEST_TIMEOUT, null);
        }

        static Call delete(String path, String route, String apiKey) {
            return new Call("DELETE", path, route, apiKey, null, REQUEST_TIMEOUT, null);
        }

        Call withTimeout(Duration value) {
            return new Call(method, path, route, apiKey, body, value, idempotencyKey);
        }

        Call withIdempotencyKey(String value) {
            return new Call(method, path, route, apiKey, body, timeout, value);
        }

        @Override
        public String toString() {
            return method + " " + path;
        }
    }

    /**
     * The coordinator's answer; {@code body} is a missing node for an empty body, and {@code text}
     * the body exactly as sent, for whoever must check its bytes (a receipt's canonical form).
     */
    record Answer(int status, JsonNode body, String text) {

        boolean ok() {
            return status / 100 == 2;
        }

        String errorCode() {
            return body.path("error").path("code").asText("");
        }

        String describe() {
            JsonNode error = body.path("error");
            if (error.isMissingNode()) {
                return status + " " + abbreviate(body.toString());
            }
            return status + " " + error.path("code").asText() + ": " + error.path("message").asText()
                    + " (request " + error.path("details").path("request_id").asText("unknown") + ")";
        }

        private static String abbreviate(String text) {
            return text.length() > 200 ? text.substring(0, 200) + "…" : text;
        }
    }

    /** An answer the replay did not expect, with what the coordinator said about it. */
    static final class UnexpectedAnswerException extends RuntimeException {

        private final Answer answer;

        UnexpectedAnswerException(Call call, Answer answer) {
            super(call + " answered " + answer.describe());
            this.answer = answer;
        }

        Answer answer() {
            return answer;
        }
    }

    private final URI baseUrl;
    private final HttpClient http;
    private final ObjectMapper json;
    private final HttpTally tally;

    CoordinatorClient(URI baseUrl, HttpTally tally) {
        this.baseUrl = baseUrl;
        this.tally = tally;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10))
                .build();
        // absent rather than null: an optional field left out means "the coordinator's default"
        this.json = new ObjectMapper()
                .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .setSerializationInclusion(JsonInclude.Include.NON_NULL);
    }

    ObjectMapper json() {
        return json;
    }

    /** Sends the call and answers whatever the coordinator finally said, after the retries. */
    Answer send(Call call) {
        try {
            return sendAsync(call).join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw e;
        }
    }

    /** Sends the call and answers its body, or throws when the status is not 2xx. */
    JsonNode expectOk(Call call) {
        Answer answer = send(call);
        if (!answer.ok()) {
            throw new UnexpectedAnswerException(call, answer);
        }
        return answer.body();
    }

    CompletableFuture<Answer> sendAsync(Call call) {
        return attempt(call, request(call), 1, 0);
    }

    private CompletableFuture<Answer> attempt(Call call, HttpRequest request, int failures, int waits) {
        long started = System.nanoTime();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray())
                .handle((response, error) -> {
                    long elapsed = System.nanoTime() - started;
                    if (error != null) {
                        tally.failed(call.route(), elapsed, transportProblem(error));
                        if (failures > MAX_FAILURE_RETRIES) {
                            return CompletableFuture.<Answer>failedFuture(new UncheckedIOException(
                                    call + " failed after " + failures + " attempts",
                                    new IOException(transportProblem(error), error)));
                        }
                        logger.warn("Retrying [{}] after a transport failure [{}]", call, transportProblem(error));
                        return later(backoff(failures), () -> attempt(call, request, failures + 1, waits));
                    }

                    String text = new String(response.body(), StandardCharsets.UTF_8);
                    Answer answer = new Answer(response.statusCode(), parse(text), text);
                    tally.answered(call.route(), elapsed, answer.status(), answer.errorCode(), answer.describe());
                    if (answer.status() == 429 && waits < MAX_RATE_LIMIT_RETRIES) {
                        return later(retryAfter(response), () -> attempt(call, request, failures, waits + 1));
                    }
                    if (answer.status() == 409 && "IDEMPOTENCY_CONFLICT".equals(answer.errorCode())
                            && waits < MAX_IN_FLIGHT_RETRIES) {
                        return later(IN_FLIGHT_PAUSE, () -> attempt(call, request, failures, waits + 1));
                    }
                    if (answer.status() / 100 == 5 && failures <= MAX_FAILURE_RETRIES) {
                        logger.warn("Retrying [{}] after [{}]", call, answer.describe());
                        return later(backoff(failures), () -> attempt(call, request, failures + 1, waits));
                    }
                    return CompletableFuture.completedFuture(answer);
                })
                .thenCompose(next -> next);
    }

    private HttpRequest request(Call call) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(baseUrl.resolve(baseUrl.getPath() + call.path()))
                .timeout(call.timeout())
                .header("Accept", "application/json")
                .header("X-Request-Id", Ids.newId("req"));
        if (call.apiKey() != null) {
            builder.header("X-API-Key", call.apiKey());
        }
        if (call.idempotencyKey() != null) {
            builder.header("Idempotency-Key", call.idempotencyKey());
        }
        if (call.body() == null) {
            return builder.method(call.method(), HttpRequest.BodyPublishers.noBody()).build();
        }
        return builder.header("Content-Type", "application/json")
                .method(call.method(), HttpRequest.BodyPublishers.ofByteArray(serialize(call.body())))
                .build();
    }

    private byte[] serialize(Object body) {
        try {
            return json.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write a request body of type " + body.getClass(), e);
        }
    }

    private JsonNode parse(String body) {
        if (body.isEmpty()) {
            return MissingNode.getInstance();
        }
        try {
            return json.readTree(body);
        } catch (IOException e) {
            // keep what the server said, even when it is not JSON (a proxy page, a stack trace)
            return new TextNode(body);
        }
    }

    private static Duration retryAfter(HttpResponse<?> response) {
        String value = response.headers().firstValue("Retry-After").orElse("1").trim();
        try {
            long seconds = Long.parseLong(value);
            return Duration.ofSeconds(Math.min(Math.max(seconds, 0), MAX_RETRY_AFTER_SECONDS));
        } catch (NumberFormatException e) {
            // an HTTP date is allowed too; a second is a safe reading of one we do not parse
            return Duration.ofSeconds(1);
        }
    }

    private static Duration backoff(int failures) {
        return Duration.ofMillis(Math.min(5_000, 200L << Math.min(failures - 1, 5)));
    }

    private static <T> CompletableFuture<T> later(Duration delay, Supplier<CompletableFuture<T>> next) {
        return CompletableFuture.supplyAsync(next, CompletableFuture.delayedExecutor(delay.toMillis(),
                        TimeUnit.MILLISECONDS))
                .thenCompose(future -> future);
    }

    private static String transportProblem(Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        return cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
    }

    /** Answers, latencies and failures per route, for the report. */
    static final class HttpTally {

        private final Map<String, RouteFigures> routes = new ConcurrentHashMap<>();
        private final Map<String, LongAdder> problems = new ConcurrentHashMap<>();
        private final Map<String, String> examples = new ConcurrentHashMap<>();
        private final LongAdder requests = new LongAdder();
        private final LongAdder rateLimited = new LongAdder();

        void answered(String route, long nanos, int status, String code, String description) {
            requests.increment();
            routes.computeIfAbsent(route, r -> new RouteFigures()).add(nanos);
            if (status == 429) {
                rateLimited.increment();
            }
            if (status / 100 != 2) {
                String key = route + " " + status + (code.isEmpty() ? "" : " " + code);
                problems.computeIfAbsent(key, k -> new LongAdder()).increment();
                examples.putIfAbsent(key, description);
            }
        }

        void failed(String route, long nanos, String problem) {
            requests.increment();
            routes.computeIfAbsent(route, r -> new RouteFigures()).add(nanos);
            String key = route + " transport failure";
            problems.computeIfAbsent(key, k -> new LongAdder()).increment();
            examples.putIfAbsent(key, problem);
        }

        long requests() {
            return requests.sum();
        }

        long rateLimited() {
            return rateLimited.sum();
        }

        /** Non-2xx answers and transport failures, by route, status and code. */
        Map<String, Long> problems() {
            Map<String, Long> counts = new TreeMap<>();
            problems.forEach((key, count) -> counts.put(key, count.sum()));
            return counts;
        }

        String example(String problem) {
            return examples.get(problem);
        }

        Map<String, LatencySummary> latencies() {
            Map<String, LatencySummary> summaries = new TreeMap<>();
            routes.forEach((route, figures) -> summaries.put(route, figures.summary()));
            return summaries;
        }
    }

    /** The latencies of one route; a plain growing array, as a replay makes at most a few hundred thousand calls. */
    private static final class RouteFigures {

        private long[] nanos = new long[1024];
        private int size;

        synchronized void add(long value) {
            if (size == nanos.length) {
                nanos = Arrays.copyOf(nanos, size * 2);
            }
            nanos[size++] = value;
        }

        synchronized LatencySummary summary() {
            return LatencySummary.ofNanos(Arrays.copyOf(nanos, size));
        }
    }
}
