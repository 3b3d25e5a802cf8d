package io.aitbc.coordinator.gateway.ratelimit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Sends cheap authenticated requests (a read of a job that does not exist: 404 once past the
 * limit, 429 when refused) to one or two nodes and checks how many pass as time is moved by hand.
 */
final class RateLimitProbe {

    private static final String PATH = "/v1/jobs/job_00000000000000000000000000";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ManualTime time;
    private final WebTestClient first;
    private final WebTestClient second;
    private final WebClient firstAsync;
    private final WebClient secondAsync;

    RateLimitProbe(ManualTime time, String baseUrl) {
        this(time, baseUrl, baseUrl);
    }

    RateLimitProbe(ManualTime time, String firstUrl, String secondUrl) {
        this.time = time;
        this.first = WebTestClient.bindToServer().baseUrl(firstUrl).responseTimeout(Duration.ofSeconds(30)).build();
        this.second = WebTestClient.bindToServer().baseUrl(secondUrl).responseTimeout(Duration.ofSeconds(30)).build();
        this.firstAsync = WebClient.create(firstUrl);
        this.secondAsync = WebClient.create(secondUrl);
    }

    EntityExchangeResult<byte[]> get(String secret) {
        return get(first, secret);
    }

    EntityExchangeResult<byte[]> getOnSecond(String secret) {
        return get(second, secret);
    }

    private static EntityExchangeResult<byte[]> get(WebTestClient client, String secret) {
        return client.get().uri(PATH).header("X-API-Key", secret).exchange().expectBody().returnResult();
    }

    /**
     * Sends until refused, alternating between the nodes, checking that no answer reports more
     * remaining than {@code capacity}; answers how many passed (at most {@code max}).
     */
    int countAllowed(String onFirst, String onSecond, int max, int capacity) {
        for (int sent = 0; sent < max; sent++) {
            var answer = sent % 2 == 0 ? get(first, onFirst) : get(second, onSecond);
            int status = answer.getStatus().value();
            assertThat(remaining(answer)).isBetween(0L, (long) capacity - 1);
            if (status == 429) {
                return sent;
            }
            assertThat(status).as("answer %s", new String(answer.getResponseBodyContent())).isEqualTo(404);
        }
        return max;
    }

    void drain(String secret) {
        countAllowed(secret, secret, 2_000, 1_000);
    }

    /**
     * The full burst passes, and not one more; then, second after second, exactly the plan's
     * steady rate, also when time stops a hair short of the next token.
     */
    void assertBurstThenSteadyRate(String onFirst, String onSecond, int burst, int perSecond) {
        assertThat(countAllowed(onFirst, onSecond, burst + 50, burst)).as("burst").isEqualTo(burst);
        for (int second = 0; second < 5; second++) {
            time.advance(Duration.ofMillis(999));
            assertThat(countAllowed(onFirst, onSecond, perSecond + 50, burst)).as("a hair before second %d", second)
                    .isEqualTo(perSecond - 1);
            time.advance(Duration.ofMillis(1));
            assertThat(countAllowed(onFirst, onSecond, perSecond + 50, burst)).as("at second %d", second)
                    .isEqualTo(1);
        }
    }

    /** Fires {@code total} requests at once, split between the nodes; answers the count per status. */
    Map<Integer, Long> concurrently(String onFirst, String onSecond, int total, int parallel) {
        List<Integer> statuses = Flux.range(0, total)
                .flatMap(i -> (i % 2 == 0 ? firstAsync.get().uri(PATH).header("X-API-Key", onFirst)
                                : secondAsync.get().uri(PATH).header("X-API-Key", onSecond))
                        .exchangeToMono(response -> response.releaseBody()
                                .then(Mono.just(response.statusCode().value()))), parallel)
                .collectList()
                .block(Duration.ofSeconds(60));
        return statuses.stream().collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
    }

    static long remaining(EntityExchangeResult<byte[]> answer) {
        return Long.parseLong(answer.getResponseHeaders().getFirst("X-RateLimit-Remaining"));
    }

    static JsonNode json(EntityExchangeResult<byte[]> answer) {
        try {
            return JSON.readTree(answer.getResponseBodyContent());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
