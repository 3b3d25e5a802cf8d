package io.aitbc.coordinator.bench;

import io.aitbc.coordinator.bench.BenchOptions.UsageException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintStream;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Measures a running coordinator against its own PostgreSQL, without starting Spring: each figure is
 * printed with the same measurement of the database alone (pgbench, a sequential read) taken in the
 * same run, so a ratio says how close the coordinator comes to the database's limit on this machine
 * at this moment. Progress goes to standard error; the table and a closing JSON line to standard output.
 *
 * <p>It creates enterprise client keys and miner keys on the coordinator and leaves the jobs it
 * submitted behind (they expire after five minutes); the rebuild runs on a scratch database that is
 * dropped afterwards. Exit codes: 0 measured, 1 a measurement failed, 2 usage.
 */
public final class BenchCommand {

    private static final Logger logger = LoggerFactory.getLogger(BenchCommand.class);
    private static final int[] CONCURRENCY = {1, 8, 32};
    private static final int MINERS = 16;

    private final BenchOptions options;
    private final PrintStream err;
    private final BenchReport report = new BenchReport();
    private final CpuMeter cpu;

    private BenchCommand(BenchOptions options, PrintStream err) {
        this.options = options;
        this.err = err;
        this.cpu = new CpuMeter(options.pid());
    }

    public static int run(String[] args) {
        BenchOptions options;
        try {
            options = BenchOptions.parse(args, System.getenv());
        } catch (UsageException e) {
            System.err.println(e.getMessage());
            System.err.println(BenchOptions.USAGE);
            return 2;
        }
        BenchCommand bench = new BenchCommand(options, System.err);
        try {
            bench.measure();
            bench.report.print(System.out);
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        } catch (Exception e) {
            logger.error("The benchmark failed: [{}]", e.toString());
            bench.report.note("failed: " + e);
            bench.report.print(System.out);
            return 1;
        }
    }

    private void measure() throws Exception {
        String run = Long.toString(System.currentTimeMillis(), 36);
        BenchClient client = new BenchClient(options.url());
        if (client.get("/v1/health", options.apiKey()).status() != 200) {
            throw new IllegalStateException("GET " + options.url() + "/v1/health does not answer 200");
        }
        List<String> clientKeys = new ArrayList<>();
        for (int i = 0; i < ThroughputBench.CLIENT_KEYS; i++) {
            clientKeys.add(client.createKey(options.apiKey(), "client"));
        }
        List<String> minerKeys = new ArrayList<>();
        for (int i = 0; i < MINERS; i++) {
            String minerKey = client.createKey(options.apiKey(), "miner");
            client.registerMiner(minerKey, "bench-" + run);
            minerKeys.add(minerKey);
        }
        if (options.runs('a') || options.runs('b') || options.runs('c')) {
            onTheCoordinator(client, clientKeys, minerKeys, run);
        }
        if (options.runs('d') && options.rebuildEvents() > 0) {
            progress("(d) projection rebuild over %d events on a scratch database", options.rebuildEvents());
            var rebuild = new RebuildBench(options).measure(options.rebuildEvents());
            report.add("rebuild_events_per_s", "(d) rebuild job-views, events/s", rebuild.rebuildPerSecond(),
                    "1/s", rebuild.readPerSecond(), "sequential read of the events", ">= 20000/s");
            report.note(String.format(Locale.ROOT, "rebuild: %d events in the store, %d applied in %.1f s;"
                    + " scratch coordinator heap %s, RSS %s", rebuild.events(), rebuild.appliedEvents(),
                    rebuild.rebuildSeconds(), megabytes(rebuild.childHeap()), megabytes(rebuild.childRss())));
            memory(client, "after (d)");
        }
    }

    /** (a), (b) and (c): throughput and latency over HTTP, each beside pgbench on the same server. */
    private void onTheCoordinator(BenchClient client, List<String> clientKeys, List<String> minerKeys, String run)
            throws Exception {
        ThroughputBench throughput = new ThroughputBench(client, clientKeys, run);
        Pgbench pgbench = new Pgbench(options.pgbench(), options.pgUrl(), options.pgUser());
        try (Connection database = DriverManager.getConnection(options.pgUrl(), options.pgUser(), "")) {
            pgbench.createTable(database);
            try {
                warmUp(throughput);

                // lifecycles first, while the queue holds no jobs that no miner takes
                if (options.runs('b')) {
                    warmUpLifecycles(throughput, minerKeys, "bench-" + run, database);
                    progress("(b) lifecycles with %d miners for %d s", MINERS, options.seconds());
                    CpuMeter.Sample before = cpu.sample();
                    var lifecycles = throughput.lifecycles(minerKeys, "bench-" + run, options.seconds(), database);
                    CpuMeter.Sample used = cpu.sample().perOperationSince(before, lifecycles.done());
                    before = cpu.sample();
                    double pgbench16 = pgbench.tps(MINERS, options.seconds());
                    CpuMeter.Sample baseline = cpu.sample().perOperationSince(before,
                            Math.round(pgbench16 * options.seconds()));
                    report.add("lifecycles_16_miners", "(b) lifecycles/s, 16 miners, to receipt",
                            lifecycles.perSecond(), "1/s", pgbench16, "pgbench insert tps, c=16", ">= 0.25");
                    cpuFigures("lifecycle", "lifecycle", used, baseline);
                    outcomeNote("lifecycles", lifecycles);
                    memory(client, "after (b)");
                }
                double best = 0;
                double pgbench32 = Double.NaN;
                for (int concurrency : options.runs('a') ? CONCURRENCY : new int[0]) {
                    progress("(a) submissions at concurrency %d for %d s", concurrency, options.seconds());
                    CpuMeter.Sample before = cpu.sample();
                    var submissions = throughput.submissions(concurrency, options.seconds());
                    CpuMeter.Sample used = cpu.sample().perOperationSince(before, submissions.done());
                    before = cpu.sample();
                    double tps = pgbench.tps(concurrency, options.seconds());
                    CpuMeter.Sample baseline = cpu.sample().perOperationSince(before,
                            Math.round(tps * options.seconds()));
                    report.add("submissions_c" + concurrency, "(a) submissions/s, concurrency " + concurrency,
                            submissions.perSecond(), "1/s", tps, "pgbench insert tps, c=" + concurrency,
                            concurrency == 32 ? ">= 0.5" : null);
                    if (concurrency == 32) {
                        cpuFigures("submission_c32", "submission, c=32", used, baseline);
                        pgbench32 = tps;
                    }
                    outcomeNote("submissions c=" + concurrency, submissions);
                    best = Math.max(best, submissions.perSecond());
                }
                if (options.runs('a')) {
                    progress("(a) GET /v1/health at concurrency 32 for %d s", options.seconds());
                    var health = throughput.healthChecks(32, options.seconds());
                    report.add("health_c32", "(a) GET /v1/health/s, c=32 (the floor)", health.perSecond(), "1/s",
                            pgbench32, "pgbench insert tps, c=32", null);
                    outcomeNote("health checks c=32", health);
                    memory(client, "after (a)");
                }

                if (!options.runs('c')) {
                    return;
                }
                double rate = options.latencyRate() > 0 ? options.latencyRate() : best / 2;
                progress("(c) latency at %.0f submissions/s for %d s", rate, options.seconds());
                var latency = new LatencyBench(client, clientKeys, options.apiKey(), run)
                        .measure(rate, options.seconds());
                latencyFigures(latency);
                memory(client, "after (c)");
            } finally {
                pgbench.dropTable(database);
            }
        }
    }

    /**
     * Warms the coordinator's JIT up with submissions at concurrency 8 in rounds of five seconds, until a
     * round gains less than 5 % on the one before (at most six rounds): a coordinator measured cold
     * shows half its throughput.
     */
    private void warmUp(ThroughputBench throughput) throws InterruptedException {
        int round = Math.min(5, options.seconds());
        double previous = 0;
        for (int i = 1; i <= 6; i++) {
            progress("warming up: submissions at concurrency 8 for %d s, round %d", round, i);
            double rate = throughput.submissions(8, round).perSecond();
            if (rate < previous * 1.05) {
                break;
            }
            previous = rate;
        }
    }

    /**
     * As {@link #warmUp}, with whole lifecycles: polls, results and receipts run code that submissions
     * do not, and measured cold a lifecycle cost the coordinator twice the CPU it costs warm.
     */
    private void warmUpLifecycles(ThroughputBench throughput, List<String> minerKeys, String region,
                                  Connection database) throws InterruptedException, SQLException {
        int round = Math.min(5, options.seconds());
        double previous = 0;
        for (int i = 1; i <= 6; i++) {
            progress("warming up: lifecycles with %d miners for %d s, round %d", MINERS, round, i);
            double rate = throughput.lifecycles(minerKeys, region, round, database).perSecond();
            if (rate < previous * 1.05) {
                break;
            }
            previous = rate;
        }
    }

    /** CPU per operation of the coordinator, PostgreSQL and this client, beside PostgreSQL's per pgbench insert. */
    private void cpuFigures(String key, String what, CpuMeter.Sample used, CpuMeter.Sample baseline) {
        report.add("cpu_ms_" + key + "_coordinator", "(f) coordinator CPU per " + what, used.coordinator(), "ms",
                Double.NaN, null, null);
        report.add("cpu_ms_" + key + "_postgres", "(f) PostgreSQL CPU per " + what, used.postgres(), "ms",
                baseline.postgres(), "PostgreSQL per pgbench insert", null);
        report.add("cpu_ms_" + key + "_bench", "(f) benchmark client CPU per " + what, used.bench(), "ms",
                Double.NaN, null, null);
    }

    private void latencyFigures(LatencyBench.Outcome latency) {
        report.add("submit_p50_ms", "(c) POST /v1/jobs p50", latency.submit().percentileMillis(50), "ms",
                Double.NaN, null, null);
        report.add("submit_p99_ms", "(c) POST /v1/jobs p99", latency.submit().percentileMillis(99), "ms",
                Double.NaN, null, null);
        report.add("projection_p50_ms", "(c) command -> row readable p50", latency.readable().percentileMillis(50),
                "ms", Double.NaN, null, null);
        report.add("projection_p99_ms", "(c) command -> row readable p99", latency.readable().percentileMillis(99),
                "ms", Double.NaN, null, "< 50 ms");
        if (latency.webSocket() == null) {
            report.note("WebSocket latency: not available (no usable /ws on the coordinator)");
        } else {
            report.add("websocket_p50_ms", "(c) command -> WebSocket job_update p50",
                    latency.webSocket().percentileMillis(50), "ms", Double.NaN, null, null);
            report.add("websocket_p99_ms", "(c) command -> WebSocket job_update p99",
                    latency.webSocket().percentileMillis(99), "ms", Double.NaN, null, null);
        }
        report.note(String.format(Locale.ROOT, "latency: %.0f submissions/s offered, %d measured, %d failed,"
                        + " %d not readable at once, %d WebSocket updates", latency.rate(), latency.submit().count(),
                latency.failed(), latency.notReadable(),
                latency.webSocket() == null ? 0 : latency.webSocket().count()));
    }

    private void outcomeNote(String what, ThroughputBench.Outcome outcome) {
        report.note(String.format(Locale.ROOT, "%s: %d done in %.1f s, %d refused (429), %d failed", what,
                outcome.done(), outcome.seconds(), outcome.refused(), outcome.failed()));
    }

    private void memory(BenchClient client, String when) {
        String suffix = when.replaceAll("[^a-z]", "");
        long heap = client.heapUsed(options.apiKey());
        long rss = Memory.residentBytes(options.pid());
        report.add("heap_mb_" + suffix, "(e) heap used " + when, heap < 0 ? Double.NaN : heap / 1048576.0, "MiB",
                Double.NaN, null, null);
        report.add("rss_mb_" + suffix, "(e) resident memory " + when, rss < 0 ? Double.NaN : rss / 1048576.0, "MiB",
                Double.NaN, null, null);
    }

    private static String megabytes(long bytes) {
        return bytes < 0 ? "unknown" : String.format(Locale.ROOT, "%.0f MiB", bytes / 1048576.0);
    }

    private void progress(String format, Object... values) {
        err.printf(Locale.ROOT, format + " (load %.1f)%n", append(values, BenchReport.loadAverage()));
    }

    private static Object[] append(Object[] values, Object last) {
        Object[] all = java.util.Arrays.copyOf(values, values.length + 1);
        all[values.length] = last;
        return all;
    }
}
