package io.aitbc.coordinator.live;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aitbc.coordinator.testsupport.CoordinatorTestClient;
import io.aitbc.coordinator.testsupport.CoordinatorTestClient.Key;
import io.aitbc.coordinator.testsupport.WebSocketTestClient;
import io.micrometer.core.instrument.MeterRegistry;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.ActiveProfiles;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

import javax.sql.DataSource;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

// a context (and so a database) of its own: the events appended here bypass the projections
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"spring.application.name=live-it",
                "spring.datasource.hikari.maximum-pool-size=8"})
@ActiveProfiles("test")
class LiveUpdatesIT {

    private static final int UPDATES = 100_000;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final WebSocketTestClient WEB_SOCKETS = new WebSocketTestClient("live-it-ws");

    @LocalServerPort
    int port;

    @Autowired
    DataSource dataSource;

    @Autowired
    MeterRegistry meters;

    CoordinatorTestClient api;

    @BeforeEach
    void client() {
        api = new CoordinatorTestClient(port);
    }

    @Test
    void pausedReaderIsDisconnectedWhileOthersReceiveEveryUpdate() throws Exception {
        // given: two readers that keep up and one that stops reading after subscribing
        Key auditor = api.createKey("auditor");
        String jobId = "job_load_" + UUID.randomUUID().toString().replace("-", "");
        List<FastReader> fast = List.of(new FastReader(jobId, auditor), new FastReader(jobId, auditor));
        fast.forEach(FastReader::await);
        Socket paused = pausedReader(auditor);
        long heapBefore = usedHeapAfterGc();

        // when: 100,000 progress updates of one job are appended to the event store
        long started = System.nanoTime();
        appendProgressEvents(jobId, "client_load", UPDATES);
        for (FastReader reader : fast) {
            assertThat(reader.done.await(120, TimeUnit.SECONDS)).as("fast reader got every update").isTrue();
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        long heapAfter = usedHeapAfterGc();
        Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> meters.counter("coordinator.live.slow_consumers").count() >= 1);

        // then
        String pausedReceived = drain(paused);
        System.out.printf("live: %d updates to 2 readers in %.1f s (%.0f per s each); used heap after GC "
                        + "%d MB before, %d MB after; paused reader got %d bytes before it was cut%n",
                UPDATES, seconds, UPDATES / seconds, heapBefore >> 20, heapAfter >> 20, pausedReceived.length());
        for (FastReader reader : fast) {
            assertThat(reader.count.get()).isEqualTo(UPDATES);
            assertThat(reader.outOfOrder.get()).isZero();
            reader.connection.dispose();
        }
        // the reader was cut while it still was not reading (drain saw the end of the stream), so the
        // SLOW_CONSUMER message and close frame it was sent may have been cut with it
        assertThat(pausedReceived.length()).isLessThan(UPDATES * 100);
        assertThat(heapAfter - heapBefore).isLessThan(128L << 20);
    }

    @Test
    void reconnectWithAfterReceivesExactlyTheMissedMessages() {
        Key client = api.createKey("client");
        Key other = api.createKey("client");
        Sinks.Many<JsonNode> first = Sinks.many().replay().all();
        Disposable connection = connect(client, null, subscribe(List.of()), first);
        awaitSubscribed(first);
        String seen = api.submitJob(client, Map.of("type", "ai-inference"));
        JsonNode lastSeen = first.asFlux().filter(m -> m.path("type").asText().equals("job_update")).blockFirst(
                Duration.ofSeconds(10));
        assertThat(lastSeen.get("data").get("job_id").asText()).isEqualTo(seen);
        connection.dispose();

        // while disconnected
        String missed1 = api.submitJob(client, Map.of("type", "ai-inference"));
        api.submitJob(other, Map.of("type", "ai-inference"));
        String missed2 = api.submitJob(client, Map.of("type", "ai-inference"));

        // reconnect with after; the subscription also names 3,000 jobs, larger than a default frame
        List<String> manyJobs = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            manyJobs.add("job_padding_" + UUID.randomUUID());
        }
        Sinks.Many<JsonNode> second = Sinks.many().replay().all();
        Disposable again = connect(client, lastSeen.get("position").asLong(), subscribe(manyJobs), second);
        StepVerifier.create(second.asFlux())
                .assertNext(m -> assertThat(m.get("type").asText()).isEqualTo("subscribed"))
                .assertNext(m -> assertThat(m.get("data").get("job_id").asText()).isEqualTo(missed1))
                .assertNext(m -> assertThat(m.get("data").get("job_id").asText()).isEqualTo(missed2))
                .then(() -> api.submitJob(client, Map.of("type", "ai-inference")))
                .assertNext(m -> assertThat(m.get("data").get("status").asText()).isEqualTo("queued"))
                .thenCancel()
                .verify(Duration.ofSeconds(20));
        again.dispose();
    }

    private static String subscribe(List<String> jobIds) {
        try {
            return JSON.writeValueAsString(Map.of("action", "subscribe", "channels", List.of("jobs"),
                    "job_ids", jobIds));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private Disposable connect(Key key, Long after, String subscription, Sinks.Many<JsonNode> into) {
        URI uri = URI.create("ws://127.0.0.1:" + port + "/ws?api_key=" + key.secret()
                + (after == null ? "" : "&after=" + after));
        return WEB_SOCKETS.connect(uri, subscription, into::tryEmitNext);
    }

    private static void awaitSubscribed(Sinks.Many<JsonNode> messages) {
        messages.asFlux().filter(m -> m.path("type").asText().equals("subscribed")).blockFirst(Duration.ofSeconds(10));
    }

    /** A reader that counts the job's updates and checks their positions only grow. */
    final class FastReader {

        final AtomicLong count = new AtomicLong();
        final AtomicLong outOfOrder = new AtomicLong();
        final AtomicLong last = new AtomicLong();
        final CountDownLatch subscribed = new CountDownLatch(1);
        final CountDownLatch done = new CountDownLatch(1);
        final Disposable connection;

        FastReader(String jobId, Key key) {
            URI uri = URI.create("ws://127.0.0.1:" + port + "/ws?api_key=" + key.secret());
            connection = WEB_SOCKETS.connect(uri, "{\"action\":\"subscribe\",\"job_id\":\"" + jobId + "\"}",
                    this::onMessage);
        }

        void await() {
            try {
                assertThat(subscribed.await(30, TimeUnit.SECONDS)).as("subscribed within 30 s").isTrue();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private void onMessage(JsonNode message) {
            if (message.path("type").asText().equals("subscribed")) {
                subscribed.countDown();
                return;
            }
            if (!message.path("type").asText().equals("job_update")
                    || !message.get("data").get("status").asText().equals("running")) {
                return;
            }
            long position = message.get("position").asLong();
            if (position <= last.getAndSet(position)) {
                outOfOrder.incrementAndGet();
            }
            if (count.incrementAndGet() == UPDATES) {
                done.countDown();
            }
        }
    }

    /** Opens /ws over a plain socket with a small receive window, subscribes, and never reads again. */
    private Socket pausedReader(Key key) throws Exception {
        Socket socket = new Socket();
        socket.setReceiveBufferSize(4096);
        socket.connect(new java.net.InetSocketAddress("127.0.0.1", port));
        OutputStream out = socket.getOutputStream();
        out.write(("GET /ws?api_key=" + key.secret() + " HTTP/1.1\r\nHost: 127.0.0.1:" + port
                + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                + "Sec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            head.write(in.read());
        }
        assertThat(head.toString(StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 101");
        byte[] payload = "{\"action\":\"subscribe\",\"channels\":[\"jobs\"]}".getBytes(StandardCharsets.UTF_8);
        // a client frame must be masked; a zero mask leaves the payload as it is
        ByteArrayOutputStream frame = new ByteArrayOutputStream();
        frame.write(0x81);
        frame.write(0x80 | payload.length);
        frame.write(new byte[4]);
        frame.write(payload);
        out.write(frame.toByteArray());
        out.flush();
        return socket;
    }

    /** Reads what the server sent until it closes the connection; fails if it never does. */
    private static String drain(Socket socket) throws Exception {
        socket.setSoTimeout(30_000);
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] buffer = new byte[65536];
        try (InputStream in = socket.getInputStream()) {
            for (int read; (read = in.read(buffer)) >= 0; ) {
                all.write(buffer, 0, read);
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the paused reader was never disconnected", e);
        } catch (java.net.SocketException e) {
            // a reset is a disconnect too
        }
        return all.toString(StandardCharsets.ISO_8859_1);
    }

    private void appendProgressEvents(String jobId, String clientId, int count) throws Exception {
        String now = "to_char(now() at time zone 'utc', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')";
        try (Connection connection = dataSource.getConnection()) {
            try (PreparedStatement submitted = connection.prepareStatement("""
                    INSERT INTO domain_event_entry (event_identifier, meta_data, payload, payload_type, time_stamp,
                                                    aggregate_identifier, sequence_number, type)
                    VALUES (gen_random_uuid()::text, convert_to('{}', 'UTF8'),
                            convert_to(json_build_object('job_id', ?, 'client_id', ?, 'type', 'ai-inference',
                                                         'max_attempts', 3)::text, 'UTF8'),
                            'io.aitbc.coordinator.job.api.JobSubmittedEvent', %s, ?, 0, 'JobAggregate')
                    """.formatted(now))) {
                submitted.setString(1, jobId);
                submitted.setString(2, clientId);
                submitted.setString(3, jobId);
                submitted.executeUpdate();
            }
            try (PreparedStatement progress = connection.prepareStatement("""
                    INSERT INTO domain_event_entry (event_identifier, meta_data, payload, payload_type, time_stamp,
                                                    aggregate_identifier, sequence_number, type)
                    SELECT gen_random_uuid()::text, convert_to('{}', 'UTF8'),
                           convert_to(json_build_object('job_id', ?, 'miner_id', 'miner_load', 'attempt', 1,
                                                        'progress', i %% 100)::text, 'UTF8'),
                           'io.aitbc.coordinator.job.api.JobProgressReportedEvent', %s, ?, i, 'JobAggregate'
                    FROM generate_series(1, ?) i
                    """.formatted(now))) {
                progress.setString(1, jobId);
                progress.setString(2, jobId);
                progress.setInt(3, count);
                progress.executeUpdate();
            }
        }
    }

    private static long usedHeapAfterGc() {
        System.gc();
        Runtime runtime = Runtime.getRuntime();
        return runtime.totalMemory() - runtime.freeMemory();
    }
}
