package io.aitbc.coordinator.gateway.ratelimit;

import com.fasterxml.jackson.databind.JsonNode;
import io.aitbc.coordinator.testsupport.CoordinatorTestClient;
import io.aitbc.coordinator.testsupport.CoordinatorTestClient.Key;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.web.reactive.server.EntityExchangeResult;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Rate limits of one node, buckets in memory, with time moved by hand. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"coordinator.ratelimit.enabled=true", "coordinator.redis.url="})
@ActiveProfiles("test")
@Import(ManualTime.Configuration.class)
// a context of its own: closed after the class, so its connections do not add up over the suite
@DirtiesContext
class RateLimitIT {

    @LocalServerPort
    int port;

    @Autowired
    MeterRegistry meters;

    CoordinatorTestClient api;
    RateLimitProbe probe;
    final ManualTime time = ManualTime.SHARED;

    @BeforeEach
    void client() {
        api = new CoordinatorTestClient(port);
        probe = new RateLimitProbe(time, "http://127.0.0.1:" + port);
    }

    @Test
    void burstIsHonouredExactlyThenOneRequestPerSecond() {
        Key key = api.createKey("client");

        probe.assertBurstThenSteadyRate(key.secret(), key.secret(), 10, 1);
    }

    @Test
    void proPlanRefillsTenPerSecond() {
        Key key = api.createKey(Map.of("role", "client", "plan", "pro"));

        probe.assertBurstThenSteadyRate(key.secret(), key.secret(), 100, 10);
    }

    @Test
    void idleKeyNeverBanksMoreThanItsBurst() {
        // given: a drained key left alone for ten minutes, longer than any window
        Key key = api.createKey("client");
        probe.drain(key.secret());
        time.advance(Duration.ofMinutes(10));

        // when
        int allowed = probe.countAllowed(key.secret(), key.secret(), 100, 10);

        // then: no double allowance at a window edge, only the burst
        assertThat(allowed).isEqualTo(10);
    }

    @Test
    void remainingNeverExceedsCapacityAndResetIsWhenFull() {
        Key key = api.createKey("client");
        time.advance(Duration.ofMinutes(5));
        long now = time.epochSeconds();

        EntityExchangeResult<byte[]> first = probe.get(key.secret());
        EntityExchangeResult<byte[]> second = probe.get(key.secret());

        assertThat(RateLimitProbe.remaining(first)).isEqualTo(9);
        assertThat(RateLimitProbe.remaining(second)).isEqualTo(8);
        assertThat(first.getResponseHeaders().getFirst("X-RateLimit-Limit")).isEqualTo("60");
        long reset = Long.parseLong(second.getResponseHeaders().getFirst("X-RateLimit-Reset"));
        assertThat(reset).isBetween(now + 2, now + 3);
    }

    @Test
    void concurrentRequestsOnOneKeyAreCountedExactly() {
        Key key = api.createKey(Map.of("role", "client", "plan", "pro"));

        Map<Integer, Long> statuses = probe.concurrently(key.secret(), key.secret(), 160, 40);

        assertThat(statuses).containsEntry(404, 100L).containsEntry(429, 60L).hasSize(2);
    }

    @Test
    void refusalIsTheEnvelopeWithRetryAfterAndIsCounted() {
        Key key = api.createKey("client");
        probe.drain(key.secret());
        double before = meters.counter("coordinator.ratelimit.rejected", "plan", "free").count();

        EntityExchangeResult<byte[]> refused = probe.get(key.secret());

        assertThat(refused.getStatus().value()).isEqualTo(429);
        assertThat(refused.getResponseHeaders().getFirst("Retry-After")).isEqualTo("1");
        assertThat(RateLimitProbe.remaining(refused)).isZero();
        JsonNode error = RateLimitProbe.json(refused).get("error");
        assertThat(error.get("code").asText()).isEqualTo("RATE_LIMIT_EXCEEDED");
        assertThat(error.get("details").get("request_id").asText())
                .isEqualTo(refused.getResponseHeaders().getFirst("X-Request-Id"));
        assertThat(meters.counter("coordinator.ratelimit.rejected", "plan", "free").count()).isEqualTo(before + 1);
    }

    @Test
    void successesAndErrorsAlikeCarryTheHeaders() {
        Key key = api.createKey("client");

        EntityExchangeResult<byte[]> ok = api.http().get().uri("/v1/jobs?limit=1")
                .header("X-API-Key", key.secret()).exchange().expectBody().returnResult();
        EntityExchangeResult<byte[]> invalid = api.http().post().uri("/v1/jobs")
                .header("X-API-Key", key.secret()).header("Content-Type", "application/json")
                .bodyValue("{\"type\": 42}").exchange().expectBody().returnResult();
        EntityExchangeResult<byte[]> unknownRoute = api.http().get().uri("/v1/nowhere")
                .header("X-API-Key", key.secret()).exchange().expectBody().returnResult();

        for (var result : java.util.List.of(ok, invalid, unknownRoute)) {
            assertThat(result.getResponseHeaders().getFirst("X-RateLimit-Limit")).isEqualTo("60");
            assertThat(result.getResponseHeaders().getFirst("X-RateLimit-Remaining")).isNotNull();
            assertThat(result.getResponseHeaders().getFirst("X-RateLimit-Reset")).isNotNull();
        }
        assertThat(ok.getStatus().value()).isEqualTo(200);
        assertThat(invalid.getStatus().value()).isEqualTo(400);
        assertThat(unknownRoute.getStatus().value()).isEqualTo(404);
    }

    @Test
    void operatorKeyHasTheEnterprisePlan() {
        EntityExchangeResult<byte[]> answer = probe.get(CoordinatorTestClient.ADMIN_KEY);

        assertThat(answer.getResponseHeaders().getFirst("X-RateLimit-Limit")).isEqualTo("6000");
    }
}
