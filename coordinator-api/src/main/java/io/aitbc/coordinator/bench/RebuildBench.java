package io.aitbc.coordinator.bench;

import com.fasterxml.jackson.databind.JsonNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Projection rebuild speed over a large event store, against a plain sequential read of the same
 * event table. Runs a second coordinator from the same jar on a scratch database of the same server,
 * so the measured coordinator's data stays untouched:
 * <ol>
 *   <li>a few dozen real jobs go through it (submit, poll, result) to make template events;</li>
 *   <li>their job events, except the completions, are cloned in SQL under new job ids until the store
 *       holds the wanted number of events (completions would make the receipts processor sign a
 *       receipt for every clone);</li>
 *   <li>once the receipts processor has read past the clones, {@code POST
 *       /v1/admin/projections/job-views/replay} rebuilds the job views and its status gives the time.</li>
 * </ol>
 */
final class RebuildBench {

    private static final Logger logger = LoggerFactory.getLogger(RebuildBench.class);
    private static final int TEMPLATE_JOBS = 50;
    private static final String COMPLETED = "io.aitbc.coordinator.job.api.JobCompletedEvent";

    /** The figures; {@code childHeap} and {@code childRss} are the scratch coordinator's memory at the end. */
    record Outcome(long events, double rebuildPerSecond, long appliedEvents, double rebuildSeconds,
                   double readPerSecond, long childHeap, long childRss) {
    }

    private final BenchOptions options;

    RebuildBench(BenchOptions options) {
        this.options = options;
    }

    Outcome measure(int wanted) throws Exception {
        String database = "bench_rebuild_" + Instant.now().getEpochSecond();
        URI server = URI.create(options.pgUrl().substring("jdbc:".length()));
        String scratchUrl = "jdbc:postgresql://" + server.getRawAuthority() + "/" + database;
        Path dataDir = Files.createTempDirectory("coordinator-bench-rebuild");
        String adminKey = HexFormat.of().formatHex(new SecureRandom().generateSeed(24));
        execute("CREATE DATABASE " + database);
        Process child = null;
        try {
            int port = freePort();
            child = startCoordinator(scratchUrl, dataDir, port, adminKey);
            BenchClient api = new BenchClient(URI.create("http://127.0.0.1:" + port));
            awaitHealthy(api, child);
            makeTemplates(api, adminKey);
            long events;
            try (Connection scratch = DriverManager.getConnection(scratchUrl, options.pgUser(), "")) {
                events = cloneEvents(scratch, wanted);
                awaitReceiptsProcessor(api, adminKey, events);
                double readPerSecond = sequentialRead(scratch);
                JsonNode rebuild = rebuild(api, adminKey);
                long applied = rebuild.path("applied_events").asLong();
                double seconds = Duration.between(Instant.parse(rebuild.path("started_at").asText()),
                        Instant.parse(rebuild.path("finished_at").asText())).toMillis() / 1000.0;
                long childRss = Memory.residentBytes(child.pid());
                return new Outcome(events, applied / seconds, applied, seconds, readPerSecond,
                        api.heapUsed(adminKey), childRss);
            }
        } finally {
            if (child != null) {
                child.destroy();
                if (!child.waitFor(20, TimeUnit.SECONDS)) {
                    child.destroyForcibly().waitFor();
                }
            }
            execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
            deleteTree(dataDir);
        }
    }

    private Process startCoordinator(String scratchUrl, Path dataDir, int port, String adminKey) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        String jar = System.getProperty("java.class.path");
        ProcessBuilder builder = new ProcessBuilder(java, "-jar", jar, "--server.port=" + port,
                "--coordinator.db.url=" + scratchUrl, "--coordinator.db.user=" + options.pgUser(),
                "--coordinator.data-dir=" + dataDir)
                .redirectErrorStream(true)
                .redirectOutput(dataDir.resolve("coordinator.log").toFile());
        builder.environment().put("COORDINATOR_ADMIN_KEY", adminKey);
        logger.warn("Starting a scratch coordinator on port [{}] (log in [{}])", port, dataDir);
        return builder.start();
    }

    private static void awaitHealthy(BenchClient api, Process child) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            if (!child.isAlive()) {
                throw new IllegalStateException("The scratch coordinator stopped with exit " + child.exitValue());
            }
            try {
                if (api.get("/v1/health", "none").status() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("The scratch coordinator did not become healthy within 120 s");
    }

    private static void makeTemplates(BenchClient api, String adminKey) throws Exception {
        String clientKey = api.createKey(adminKey, "client");
        String minerKey = api.createKey(adminKey, "miner");
        api.registerMiner(minerKey, "bench-template");
        for (int i = 0; i < TEMPLATE_JOBS; i++) {
            api.submitJob(clientKey, "bench-template", 900);
            String jobId = api.poll(minerKey, 5);
            if (jobId == null) {
                throw new IllegalStateException("The scratch coordinator handed out no template job");
            }
            api.result(minerKey, jobId);
        }
    }

    /**
     * Clones the job events (completions left out) with new job ids in the aggregate id and the payload,
     * in batches of one transaction each, until the store holds at least {@code wanted} events.
     */
    private static long cloneEvents(Connection scratch, int wanted) throws SQLException {
        long templates = count(scratch, "SELECT count(*) FROM domain_event_entry WHERE type = 'JobAggregate'"
                + " AND payload_type <> '" + COMPLETED + "'");
        if (templates == 0) {
            templates = count(scratch, "SELECT count(*) FROM domain_event_entry WHERE aggregate_identifier LIKE"
                    + " 'job\\_%' AND payload_type <> '" + COMPLETED + "'");
        }
        long present = count(scratch, "SELECT count(*) FROM domain_event_entry");
        long copies = Math.max(0, (wanted - present + templates - 1) / templates);
        long started = System.nanoTime();
        // new id: the template id with its last eight characters replaced by the copy number in hex
        String insert = """
                INSERT INTO domain_event_entry (event_identifier, aggregate_identifier, sequence_number, type,
                    time_stamp, payload_type, payload_revision, payload, meta_data)
                SELECT gen_random_uuid()::text, c.id, t.sequence_number, t.type, t.time_stamp, t.payload_type,
                    t.payload_revision,
                    convert_to(replace(convert_from(t.payload, 'UTF8'), t.aggregate_identifier, c.id), 'UTF8'),
                    t.meta_data
                FROM generate_series(?, ?) AS g(n)
                CROSS JOIN LATERAL (SELECT * FROM domain_event_entry e
                    WHERE e.aggregate_identifier LIKE 'job\\_%' AND e.payload_type <> ? AND e.global_index <= ?) t
                CROSS JOIN LATERAL (SELECT left(t.aggregate_identifier, length(t.aggregate_identifier) - 8)
                    || lpad(to_hex(g.n), 8, '0') AS id) c
                ORDER BY g.n, t.global_index
                """;
        long head = count(scratch, "SELECT coalesce(max(global_index), 0) FROM domain_event_entry");
        long step = Math.max(1, 100_000 / templates);
        try (PreparedStatement statement = scratch.prepareStatement(insert)) {
            for (long from = 1; from <= copies; from += step) {
                statement.setLong(1, from);
                statement.setLong(2, Math.min(copies, from + step - 1));
                statement.setString(3, COMPLETED);
                statement.setLong(4, head);
                statement.executeUpdate();
            }
        }
        try (Statement statement = scratch.createStatement()) {
            statement.execute("ANALYZE domain_event_entry");
        }
        long events = count(scratch, "SELECT count(*) FROM domain_event_entry");
        logger.warn("Cloned [{}] template events [{}] times: [{}] events in [{}] s", templates, copies, events,
                (System.nanoTime() - started) / 1_000_000_000);
        return events;
    }

    /** Waits until the receipts tracking processor has read past the clones, so it does not compete. */
    private static void awaitReceiptsProcessor(BenchClient api, String adminKey, long events) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(600);
        while (System.nanoTime() < deadline) {
            BenchClient.Answer answer = api.get("/v1/admin/projections", adminKey);
            if (answer.status() != 200) {
                logger.warn("GET /v1/admin/projections answered [{}]; not waiting for the receipts processor",
                        answer.status());
                return;
            }
            for (JsonNode projection : answer.body().path("projections")) {
                if ("receipts".equals(projection.path("name").asText()) && projection.path("lag").asLong() == 0) {
                    return;
                }
            }
            Thread.sleep(1000);
        }
        logger.warn("The receipts processor had not caught up with [{}] events after 10 minutes", events);
    }

    /** Reads every event's columns in position order, as a rebuild must, and answers events per second. */
    private static double sequentialRead(Connection scratch) throws SQLException {
        boolean autoCommit = scratch.getAutoCommit();
        scratch.setAutoCommit(false);
        long started = System.nanoTime();
        long rows = 0;
        long bytes = 0;
        try (PreparedStatement statement = scratch.prepareStatement("SELECT global_index, event_identifier,"
                + " aggregate_identifier, sequence_number, type, time_stamp, payload_type, payload_revision,"
                + " payload, meta_data FROM domain_event_entry ORDER BY global_index")) {
            statement.setFetchSize(1000);
            try (ResultSet events = statement.executeQuery()) {
                while (events.next()) {
                    bytes += events.getBytes(9).length;
                    rows++;
                }
            }
        } finally {
            scratch.commit();
            scratch.setAutoCommit(autoCommit);
        }
        logger.warn("Read [{}] events ([{}] payload bytes) in order", rows, bytes);
        return rows / ((System.nanoTime() - started) / 1e9);
    }

    /** Starts the rebuild of the job views and answers its finished progress record. */
    private static JsonNode rebuild(BenchClient api, String adminKey) throws Exception {
        BenchClient.Answer started = api.post("/v1/admin/projections/job-views/replay", adminKey, Map.of());
        if (started.status() != 202) {
            throw new IllegalStateException("POST /v1/admin/projections/job-views/replay answered "
                    + started.status() + "; the rebuild cannot be measured");
        }
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(30);
        while (System.nanoTime() < deadline) {
            Thread.sleep(200);
            JsonNode rebuild = api.get("/v1/admin/projections/job-views", adminKey).body()
                    .path("projection").path("rebuild");
            String phase = rebuild.path("phase").asText();
            if (phase.equals("done")) {
                return rebuild;
            }
            if (phase.equals("failed")) {
                throw new IllegalStateException("The rebuild failed: " + rebuild.path("error").asText());
            }
        }
        throw new IllegalStateException("The rebuild did not finish within 30 minutes");
    }

    private static long count(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet row = statement.executeQuery(sql)) {
            row.next();
            return row.getLong(1);
        }
    }

    private void execute(String sql) throws SQLException {
        // CREATE and DROP DATABASE cannot run in the database they name; the maintenance database will do
        URI server = URI.create(options.pgUrl().substring("jdbc:".length()));
        String maintenance = "jdbc:postgresql://" + server.getRawAuthority() + "/postgres";
        try (Connection connection = DriverManager.getConnection(maintenance, options.pgUser(), "");
             Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            List<Path> all = new ArrayList<>(paths.sorted(Comparator.reverseOrder()).toList());
            for (Path path : all) {
                Files.deleteIfExists(path);
            }
        }
    }
}
