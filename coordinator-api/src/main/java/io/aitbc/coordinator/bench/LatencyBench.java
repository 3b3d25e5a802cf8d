package io.aitbc.coordinator.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Open-loop latency at a fixed rate: submissions start on a fixed schedule whatever the answers do,
 * so a slow answer cannot hide the queueing it causes. Each submission is followed by a read of the
 * job: the time from sending the command until that read answers the row is the command-to-projection
 * latency. A WebSocket subscribed to {@code jobs} timestamps each job's first {@code job_update}.
 */
final class LatencyBench {

    private static final Logger logger = LoggerFactory.getLogger(LatencyBench.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What was measured; {@code webSocket} is {@code null} when {@code /ws} could not be used. */
    record Outcome(double rate, Latencies submit, Latencies readable, Latencies webSocket, long failed,
                   long notReadable) {
    }

    private final BenchClient client;
    private final List<String> clientKeys;
    private final String adminKey;
    private final String run;

    LatencyBench(BenchClient client, List<String> clientKeys, String adminKey, String run) {
        this.client = client;
        this.clientKeys = clientKeys;
        this.adminKey = adminKey;
        this.run = run;
    }

    Outcome measure(double rate, int seconds) throws InterruptedException {
        Map<String, Long> started = new ConcurrentHashMap<>();
        Map<String, Long> pushed = new ConcurrentHashMap<>();
        WebSocket socket = connect(pushed);
        Latencies submit = new Latencies();
        Latencies readable = new Latencies();
        AtomicLong failed = new AtomicLong();
        AtomicLong notReadable = new AtomicLong();
        AtomicLong next = new AtomicLong();

        long total = Math.max(1, Math.round(rate * seconds));
        long intervalNanos = Math.max(1, Math.round(1e9 / rate));
        ExecutorService workers = Executors.newFixedThreadPool(64);
        var schedule = Executors.newSingleThreadScheduledExecutor();
        long begin = System.nanoTime();
        var ticker = schedule.scheduleAtFixedRate(() -> {
            if (next.get() >= total) {
                return;
            }
            long index = next.getAndIncrement();
            String key = clientKeys.get((int) (index % clientKeys.size()));
            workers.execute(() -> once(key, started, submit, readable, failed, notReadable));
        }, 0, intervalNanos, TimeUnit.NANOSECONDS);
        while (next.get() < total && System.nanoTime() - begin < TimeUnit.SECONDS.toNanos(seconds * 3L)) {
            Thread.sleep(50);
        }
        ticker.cancel(false);
        schedule.shutdown();
        workers.shutdown();
        workers.awaitTermination(60, TimeUnit.SECONDS);

        Latencies webSocket = null;
        if (socket != null) {
            Thread.sleep(2000);
            webSocket = new Latencies();
            for (Map.Entry<String, Long> job : started.entrySet()) {
                Long at = pushed.get(job.getKey());
                if (at != null) {
                    webSocket.add(at - job.getValue());
                }
            }
            if (webSocket.count() < started.size()) {
                logger.warn("[{}] of [{}] jobs had no job_update on the WebSocket", started.size() - webSocket.count(),
                        started.size());
            }
            socket.abort();
        }
        return new Outcome(rate, submit, readable, webSocket, failed.get(), notReadable.get());
    }

    private void once(String key, Map<String, Long> started, Latencies submit, Latencies readable,
                      AtomicLong failed, AtomicLong notReadable) {
        try {
            long sent = System.nanoTime();
            BenchClient.Answer answer = client.submitJob(key, "bench-idle-" + run, 300);
            long accepted = System.nanoTime();
            String jobId = answer.text("job_id");
            if (answer.status() != 201 || jobId == null) {
                failed.incrementAndGet();
                return;
            }
            started.put(jobId, sent);
            submit.add(accepted - sent);
            BenchClient.Answer read = client.get("/v1/jobs/" + jobId, key);
            if (read.status() == 200) {
                readable.add(System.nanoTime() - sent);
            } else {
                notReadable.incrementAndGet();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            failed.incrementAndGet();
        }
    }

    /** Subscribes to every job's updates as the admin; {@code null} when the coordinator has no usable /ws. */
    private WebSocket connect(Map<String, Long> pushed) {
        URI base = client.base();
        URI uri = URI.create((base.getScheme().equals("https") ? "wss" : "ws") + "://" + base.getRawAuthority()
                + "/ws?api_key=" + java.net.URLEncoder.encode(adminKey, StandardCharsets.UTF_8));
        try {
            WebSocket socket = client.http().newWebSocketBuilder()
                    .connectTimeout(Duration.ofSeconds(5))
                    .buildAsync(uri, new Listener(pushed))
                    .get(10, TimeUnit.SECONDS);
            socket.sendText("{\"action\":\"subscribe\",\"channels\":[\"jobs\"]}", true).get(5, TimeUnit.SECONDS);
            Thread.sleep(500);
            return socket;
        } catch (Exception e) {
            logger.warn("No WebSocket at [{}]: [{}]", base + "/ws", e.getMessage());
            return null;
        }
    }

    /** Keeps the arrival time of each job's first {@code job_update}. */
    private static final class Listener implements WebSocket.Listener {

        private final Map<String, Long> pushed;
        private final StringBuilder partial = new StringBuilder();

        Listener(Map<String, Long> pushed) {
            this.pushed = pushed;
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            long at = System.nanoTime();
            partial.append(data);
            if (last) {
                String text = partial.toString();
                partial.setLength(0);
                try {
                    JsonNode message = JSON.readTree(text);
                    if ("job_update".equals(message.path("type").asText())) {
                        pushed.putIfAbsent(message.path("data").path("job_id").asText(), at);
                    }
                } catch (Exception e) {
                    logger.debug("Ignoring a WebSocket frame that is not JSON");
                }
            }
            webSocket.request(1);
            return CompletableFuture.completedFuture(null);
        }
    }
}
