package io.aitbc.coordinator.replay;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.aitbc.coordinator.replay.ReplayOptions.UsageException;
import io.aitbc.coordinator.replay.TraceReader.TraceFormatException;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/**
 * Replays an inference trace against a running coordinator over HTTP, without starting Spring:
 * each row becomes an {@code ai-inference} job submitted at its arrival time divided by the speed
 * factor, served by simulated miners with a mix of GPUs, and at the end every job's final state
 * and receipt are checked.
 *
 * <p>Progress goes to standard error every few seconds; the report goes to standard output and
 * ends with one JSON line. Exit codes: 0 when every job finished exactly once with a valid
 * receipt, 1 when any job was lost, duplicated, left unfinished or lacks a valid receipt (or the
 * coordinator could not be reached), 2 for a command line or trace file that cannot be used.
 */
public final class ReplayCommand {

    private ReplayCommand() {
    }

    public static int run(String[] args) {
        return run(args, System.getenv(), System.out, System.err);
    }

    static int run(String[] args, Map<String, String> environment, PrintStream out, PrintStream err) {
        ReplayOptions options;
        List<TraceRow> rows;
        try {
            options = ReplayOptions.parse(args, environment);
            rows = TraceReader.read(options.trace(), options.limit());
        } catch (UsageException | TraceFormatException e) {
            err.println("replay: " + e.getMessage());
            err.println(ReplayOptions.USAGE);
            return 2;
        } catch (IOException e) {
            err.println("replay: cannot read the trace: " + e);
            err.println(ReplayOptions.USAGE);
            return 2;
        }
        if (rows.isEmpty()) {
            err.println("replay: " + options.trace() + " has no rows");
            return 2;
        }

        try {
            ReplayRun replay = new ReplayRun(options, rows, err);
            ReplayReport report = replay.run();
            out.print(report.human());
            out.println(report.jsonLine(new ObjectMapper()));
            out.flush();
            return report.ok() ? 0 : 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("replay: interrupted");
            return 1;
        } catch (RuntimeException e) {
            // unreachable coordinator, refused admin key, and the like: say what failed, no stack trace
            err.println("replay: " + (e instanceof UncheckedIOException io ? io.getMessage() + ": "
                    + io.getCause().getMessage() : e.getMessage()));
            return 1;
        }
    }
}
