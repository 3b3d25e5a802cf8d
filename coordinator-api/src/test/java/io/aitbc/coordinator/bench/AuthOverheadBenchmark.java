package io.aitbc.coordinator.bench;

import io.aitbc.coordinator.CoordinatorApplication;
import io.aitbc.coordinator.gateway.auth.Caller;
import io.aitbc.coordinator.gateway.auth.Plan;
import io.aitbc.coordinator.gateway.auth.Role;
import io.github.bucket4j.TimeMeter;
import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.web.server.WebFilter;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Measures what authentication plus rate limiting add to a request. Two coordinators run in this
 * JVM on one database: a guarded one, as deployed, and an open one without the API key and rate
 * limit filters, where a stand-in puts a fixed caller on every request. The same requests go to
 * both in alternating rounds, so drift of the machine hits both alike; the output is the mean time
 * per request of each, their difference in microseconds and their ratio.
 *
 * <p>The guarded node's buckets run on a clock a thousand times faster than real time, so the
 * enterprise key is never refused: every request pays for the full check, none is cut short.
 *
 * <p>Run after {@code mvn -o -pl coordinator-api -am test-compile dependency:build-classpath
 * -Dmdep.outputFile=cp.txt -Dmdep.includeScope=test}: {@code java -cp
 * coordinator-api/target/test-classes:coordinator-api/target/classes:$(cat coordinator-api/cp.txt)
 * io.aitbc.coordinator.bench.AuthOverheadBenchmark [rounds] [requests-per-round]}. It needs the
 * PostgreSQL server of the tests on 127.0.0.1:5432.
 */
public final class AuthOverheadBenchmark {

    private static final String ADMIN_KEY = "bench-admin-key-0123456789abcdef";
    private static final String CALLER = Caller.class.getName();

    private AuthOverheadBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        int perRound = args.length > 1 ? Integer.parseInt(args[1]) : 2_000;
        ConfigurableApplicationContext guarded = start(GuardedNode.class, "--coordinator.ratelimit.enabled=true");
        String databaseUrl = guarded.getEnvironment().getProperty("spring.datasource.url");
        ConfigurableApplicationContext open = start(OpenNode.class, "--coordinator.test.keep-database=true",
                "--coordinator.db.url=" + databaseUrl, "--spring.datasource.url=" + databaseUrl);
        try {
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            String guardedUrl = "http://127.0.0.1:" + port(guarded);
            String openUrl = "http://127.0.0.1:" + port(open);
            String jobId = submitJob(http, guardedUrl);
            for (String path : List.of("/v1/nowhere", "/v1/jobs/" + jobId)) {
                measure(http, guardedUrl, openUrl, path, rounds, perRound);
            }
        } finally {
            open.close();
            guarded.close();
        }
    }

    private static void measure(HttpClient http, String guardedUrl, String openUrl, String path, int rounds,
                                int perRound) throws Exception {
        run(http, guardedUrl + path, perRound);
        run(http, openUrl + path, perRound);
        double[] guardedMicros = new double[rounds];
        double[] openMicros = new double[rounds];
        for (int round = 0; round < rounds; round++) {
            guardedMicros[round] = run(http, guardedUrl + path, perRound);
            openMicros[round] = run(http, openUrl + path, perRound);
        }
        double withChecks = median(guardedMicros);
        double without = median(openMicros);
        System.out.printf(Locale.ROOT, "GET %-40s with auth+rate limit %8.1f µs, without %8.1f µs: "
                        + "overhead %6.1f µs per request, ratio %.3f (median of %d rounds of %d requests)%n",
                path.startsWith("/v1/jobs/") ? "/v1/jobs/{job_id}" : path, withChecks, without, withChecks - without,
                withChecks / without, rounds, perRound);
    }

    /** Sends {@code count} requests one after another; answers the mean time per request in microseconds. */
    private static double run(HttpClient http, String url, int count) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url)).header("X-API-Key", ADMIN_KEY).GET().build();
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() != 200 && response.statusCode() != 404) {
                throw new IllegalStateException(url + " answered " + response.statusCode());
            }
        }
        return (System.nanoTime() - start) / 1_000.0 / count;
    }

    private static String submitJob(HttpClient http, String baseUrl) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + "/v1/jobs"))
                .header("X-API-Key", ADMIN_KEY)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"type\": \"ai-inference\", \"ttl_seconds\": 3600,"
                        + " \"requirements\": {\"region\": \"bench-nowhere\"}}"))
                .build();
        String body = http.send(request, HttpResponse.BodyHandlers.ofString()).body();
        int start = body.indexOf("\"job_id\":\"") + "\"job_id\":\"".length();
        return body.substring(start, body.indexOf('"', start));
    }

    private static ConfigurableApplicationContext start(Class<?> node, String... args) {
        List<String> all = new ArrayList<>(List.of("--server.port=0", "--coordinator.admin-key=" + ADMIN_KEY,
                "--coordinator.data-dir=" + System.getProperty("java.io.tmpdir") + "/coordinator-bench",
                "--logging.level.root=warn", "--logging.level.io.aitbc=warn"));
        all.addAll(Arrays.asList(args));
        return new SpringApplicationBuilder(CoordinatorApplication.class, node).run(all.toArray(String[]::new));
    }

    private static int port(ConfigurableApplicationContext context) {
        return ((WebServerApplicationContext) context).getWebServer().getPort();
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted.length % 2 == 1 ? sorted[sorted.length / 2]
                : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    }

    /**
     * The coordinator as deployed, with buckets on a fast clock so the benchmark is never refused.
     * Not a {@code @Configuration}: component scanning of the tests' applications must not find it.
     */
    static class GuardedNode {

        @Bean
        @Primary
        TimeMeter fastRateLimitTime() {
            long origin = System.nanoTime();
            return new TimeMeter() {
                @Override
                public long currentTimeNanos() {
                    return (System.nanoTime() - origin) * 1_000;
                }

                @Override
                public boolean isWallClockBased() {
                    return false;
                }
            };
        }
    }

    /** The coordinator without authentication and rate limits: every request acts as the operator. */
    static class OpenNode {

        @Bean
        static BeanFactoryPostProcessor withoutKeyAndRateLimitFilters() {
            return factory -> {
                BeanDefinitionRegistry registry = (BeanDefinitionRegistry) factory;
                registry.removeBeanDefinition("apiKeyFilter");
                registry.removeBeanDefinition("rateLimitFilter");
            };
        }

        @Bean
        @Order(Ordered.HIGHEST_PRECEDENCE + 10)
        WebFilter fixedCaller() {
            Caller operator = new Caller("key_operator", "admin", Role.ADMIN, Plan.ENTERPRISE);
            return (exchange, chain) -> {
                exchange.getAttributes().put(CALLER, operator);
                return chain.filter(exchange);
            };
        }
    }
}
