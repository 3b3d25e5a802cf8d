package io.aitbc.coordinator.replay;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Map;

/**
 * The replay's command line.
 *
 * @param url     the coordinator's base URL, without {@code /v1}
 * @param apiKey  an admin key: the replay creates the client, miner and auditor keys it needs with it
 * @param trace   the trace file
 * @param limit   how many rows to replay from the start of the trace, zero for all
 * @param speed   the time compression factor, zero for no waiting at all
 * @param miners  how many simulated miners serve the jobs
 * @param marketplace whether miners sell through offers and the client buys part of the jobs from them
 */
record ReplayOptions(URI url, String apiKey, Path trace, int limit, double speed, int miners, boolean marketplace) {

    static final String USAGE = "usage: java -jar coordinator-api.jar replay --url URL --api-key KEY --trace FILE"
            + " [--limit N] [--speed F|0] [--miners M] [--marketplace]";

    static final int MAX_MINERS = 256;

    /** The admin key may come from the environment instead, so it stays out of the process list. */
    static final String API_KEY_VARIABLE = "COORDINATOR_ADMIN_KEY";

    @Override
    public String toString() {
        // the key is a secret: never let it reach a log line or an exception message
        return "ReplayOptions[url=" + url + ", trace=" + trace + ", limit=" + limit + ", speed=" + speed
                + ", miners=" + miners + ", marketplace=" + marketplace + "]";
    }

    static ReplayOptions parse(String[] args, Map<String, String> environment) {
        String url = null;
        String apiKey = null;
        String trace = null;
        String limit = "0";
        String speed = "1";
        String miners = "4";
        boolean marketplace = false;
        for (int i = 0; i < args.length; i++) {
            String name = args[i];
            if (!name.startsWith("--")) {
                throw new UsageException("unexpected argument [" + name + "]");
            }
            if (name.equals("--marketplace")) {
                marketplace = true;
                continue;
            }
            String value;
            int equals = name.indexOf('=');
            if (equals > 0) {
                value = name.substring(equals + 1);
                name = name.substring(0, equals);
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                throw new UsageException(name + " needs a value");
            }
            switch (name) {
                case "--url" -> url = value;
                case "--api-key" -> apiKey = value;
                case "--trace" -> trace = value;
                case "--limit" -> limit = value;
                case "--speed" -> speed = value;
                case "--miners" -> miners = value;
                default -> throw new UsageException("unknown option " + name);
            }
        }
        if (apiKey == null) {
            apiKey = environment.get(API_KEY_VARIABLE);
        }
        if (url == null || apiKey == null || apiKey.isBlank() || trace == null) {
            throw new UsageException("--url, --api-key (or " + API_KEY_VARIABLE + ") and --trace are required");
        }
        return new ReplayOptions(
                baseUrl(url),
                apiKey,
                Path.of(trace),
                whole("--limit", limit, 0, Integer.MAX_VALUE),
                speed(speed),
                whole("--miners", miners, 1, MAX_MINERS),
                marketplace);
    }

    private static URI baseUrl(String text) {
        try {
            URI uri = new URI(text.endsWith("/") ? text.substring(0, text.length() - 1) : text);
            if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
                throw new UsageException("--url must be an http or https URL, got [" + text + "]");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw new UsageException("--url is not a URL: " + e.getMessage());
        }
    }

    private static int whole(String option, String text, int min, int max) {
        try {
            int value = Integer.parseInt(text);
            if (value < min || value > max) {
                throw new UsageException(option + " must be between " + min + " and " + max + ", got " + value);
            }
            return value;
        } catch (NumberFormatException e) {
            throw new UsageException(option + " must be a whole number, got [" + text + "]");
        }
    }

    private static double speed(String text) {
        try {
            double value = Double.parseDouble(text);
            if (value < 0 || Double.isNaN(value) || Double.isInfinite(value)) {
                throw new UsageException("--speed must be a number >= 0, got [" + text + "]");
            }
            return value;
        } catch (NumberFormatException e) {
            throw new UsageException("--speed must be a number >= 0, got [" + text + "]");
        }
    }

    /** A command line the replay cannot run; the command answers it with the usage line and exit code 2. */
    static final class UsageException extends IllegalArgumentException {

        UsageException(String message) {
            super(message);
        }
    }
}
