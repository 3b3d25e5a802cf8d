package io.aitbc.coordinator.bench;

import java.net.URI;
import java.util.Map;

/**
 * The benchmark's command line.
 *
 * @param url           the coordinator's base URL, without {@code /v1}
 * @param apiKey        an admin key: the benchmark creates the client and miner keys it needs with it
 * @param pgUrl         JDBC URL of the coordinator's PostgreSQL; the baselines run on the same server
 * @param pgUser        the database user of {@code pgUrl} and of pgbench
 * @param seconds       how long each throughput measurement runs
 * @param pid           the coordinator's process id, for its resident memory; 0 when unknown
 * @param rebuildEvents how many events the rebuild measurement generates in a scratch database
 * @param pgbench       the pgbench executable
 * @param phases        which measurements to take: letters of {@code abcd}; memory (e) follows each
 * @param latencyRate   submissions per second of the latency measurement (c); 0 for half the best of (a)
 */
record BenchOptions(URI url, String apiKey, String pgUrl, String pgUser, int seconds, long pid, int rebuildEvents,
                    String pgbench, String phases, int latencyRate) {

    static final String USAGE = "usage: java -jar coordinator-api.jar bench --url URL --api-key ADMIN_KEY"
            + " --pg-url JDBC_URL [--pg-user U] [--seconds N] [--pid PID] [--rebuild-events N]"
            + " [--pgbench PATH] [--phases abcd] [--latency-rate N]";

    /** The admin key may come from the environment instead, so it stays out of the process list. */
    static final String API_KEY_VARIABLE = "COORDINATOR_ADMIN_KEY";

    @Override
    public String toString() {
        // the key is a secret: never let it reach a log line or an exception message
        return "BenchOptions[url=" + url + ", pgUrl=" + pgUrl + ", seconds=" + seconds + ", pid=" + pid + "]";
    }

    static BenchOptions parse(String[] args, Map<String, String> environment) {
        Map<String, String> values = new java.util.HashMap<>();
        for (int i = 0; i < args.length; i++) {
            String name = args[i];
            if (!name.startsWith("--")) {
                throw new UsageException("unexpected argument [" + name + "]");
            }
            int equals = name.indexOf('=');
            if (equals > 0) {
                values.put(name.substring(0, equals), name.substring(equals + 1));
            } else if (i + 1 < args.length) {
                values.put(name, args[++i]);
            } else {
                throw new UsageException(name + " needs a value");
            }
        }
        for (String name : values.keySet()) {
            if (!USAGE.contains(name + " ")) {
                throw new UsageException("unknown option " + name);
            }
        }
        String apiKey = values.getOrDefault("--api-key", environment.get(API_KEY_VARIABLE));
        if (!values.containsKey("--url") || apiKey == null || apiKey.isBlank() || !values.containsKey("--pg-url")) {
            throw new UsageException("--url, --api-key (or " + API_KEY_VARIABLE + ") and --pg-url are required");
        }
        String url = values.get("--url");
        return new BenchOptions(
                URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url),
                apiKey,
                values.get("--pg-url"),
                values.getOrDefault("--pg-user", "postgres"),
                (int) whole("--seconds", values.getOrDefault("--seconds", "20"), 1, 3600),
                whole("--pid", values.getOrDefault("--pid", "0"), 0, Long.MAX_VALUE),
                (int) whole("--rebuild-events", values.getOrDefault("--rebuild-events", "1000000"), 0, 100_000_000),
                values.getOrDefault("--pgbench", "/usr/bin/pgbench"),
                phases(values.getOrDefault("--phases", "abcd"), values.containsKey("--latency-rate")),
                (int) whole("--latency-rate", values.getOrDefault("--latency-rate", "0"), 0, 100_000));
    }

    boolean runs(char phase) {
        return phases.indexOf(phase) >= 0;
    }

    private static String phases(String value, boolean latencyRateGiven) {
        if (!value.matches("[abcd]+")) {
            throw new UsageException("--phases takes letters of abcd, e.g. --phases ab");
        }
        // unless told, the latency rate is half the best submission rate, so (c) needs (a)
        if (value.contains("c") && !value.contains("a") && !latencyRateGiven) {
            throw new UsageException("--phases c needs a or --latency-rate: by default the latency runs at half"
                    + " the best submission rate");
        }
        return value;
    }

    private static long whole(String name, String value, long min, long max) {
        try {
            long parsed = Long.parseLong(value);
            if (parsed < min || parsed > max) {
                throw new UsageException(name + " must be " + min + " to " + max);
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw new UsageException(name + " must be a whole number");
        }
    }

    static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message);
        }
    }
}
