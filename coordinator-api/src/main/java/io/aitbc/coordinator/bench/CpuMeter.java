package io.aitbc.coordinator.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time spent by the coordinator, by PostgreSQL and by the benchmark itself, as Linux accounts it.
 * Dividing a phase's CPU by the operations it did tells where the cores went: on a machine where all
 * three share the cores, a figure that is limited by the coordinator's CPU per operation cannot be
 * raised by a faster database, and the reverse.
 *
 * <p>PostgreSQL is counted as every process of this machine named {@code postgres}, so its figure means
 * something only when the server runs here and serves nothing else during the run.
 */
final class CpuMeter {

    /** Clock ticks per second of {@code /proc/<pid>/stat}; 100 on every Linux this runs on. */
    private static final double TICKS_PER_SECOND = 100.0;

    /** CPU seconds used so far by each party; {@code NaN} where unknown. */
    record Sample(double coordinator, double postgres, double bench) {

        /** Milliseconds of CPU per operation of each party between {@code earlier} and this sample. */
        Sample perOperationSince(Sample earlier, long operations) {
            double scale = operations <= 0 ? Double.NaN : 1000.0 / operations;
            return new Sample((coordinator - earlier.coordinator) * scale, (postgres - earlier.postgres) * scale,
                    (bench - earlier.bench) * scale);
        }
    }

    private final long coordinatorPid;

    CpuMeter(long coordinatorPid) {
        this.coordinatorPid = coordinatorPid;
    }

    Sample sample() {
        return new Sample(coordinatorPid > 0 ? processSeconds(Path.of("/proc", Long.toString(coordinatorPid)))
                : Double.NaN, postgresSeconds(), benchSeconds());
    }

    private static double benchSeconds() {
        var os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            long nanos = sun.getProcessCpuTime();
            return nanos < 0 ? Double.NaN : nanos / 1e9;
        }
        return Double.NaN;
    }

    private static double postgresSeconds() {
        double total = 0;
        boolean any = false;
        try (DirectoryStream<Path> processes = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path process : processes) {
                String name = command(process);
                if ("postgres".equals(name)) {
                    // the server's backends end with their connections (pgbench's at the end of each run):
                    // the postmaster's time of ended children keeps their CPU in the sum
                    double seconds = processSeconds(process) + endedChildrenSeconds(process);
                    if (!Double.isNaN(seconds)) {
                        total += seconds;
                        any = true;
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
        return any ? total : Double.NaN;
    }

    private static String command(Path process) {
        try {
            return Files.readString(process.resolve("comm"), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            return "";
        }
    }

    /** User and system time of one process; a process that ended meanwhile counts as {@code NaN}. */
    private static double processSeconds(Path process) {
        return ticks(process, 11) + ticks(process, 12);
    }

    /** User and system time of the process's children that ended and were waited for. */
    private static double endedChildrenSeconds(Path process) {
        return ticks(process, 13) + ticks(process, 14);
    }

    /** A time field of {@code /proc/<pid>/stat} in seconds, counted from the field after the command name. */
    private static double ticks(Path process, int field) {
        try {
            String stat = Files.readString(process.resolve("stat"), StandardCharsets.UTF_8);
            // the command name in parentheses may hold spaces; the fields after it are fixed:
            // utime, stime, cutime and cstime are fields 14 to 17 of the line, 11 to 14 after the name
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[field]) / TICKS_PER_SECOND;
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }
}
