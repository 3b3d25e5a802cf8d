package io.aitbc.coordinator.replay;

import java.time.Duration;

/**
 * Compresses trace time by the speed factor: at speed {@code F} a span of the trace takes
 * {@code span / F} of wall-clock time. Speed zero removes every wait, so the replay runs as fast
 * as the coordinator answers.
 */
final class Pacing {

    private Pacing() {
    }

    static Duration scale(Duration traceTime, double speed) {
        if (speed < 0 || Double.isNaN(speed) || Double.isInfinite(speed)) {
            throw new IllegalArgumentException("speed must be a finite number >= 0, got " + speed);
        }
        if (speed == 0 || traceTime.isZero() || traceTime.isNegative()) {
            return Duration.ZERO;
        }
        double nanos = traceTime.toNanos() / speed;
        return nanos >= Long.MAX_VALUE ? Duration.ofNanos(Long.MAX_VALUE) : Duration.ofNanos(Math.round(nanos));
    }

    /**
     * The monotonic time ({@link System#nanoTime()} scale) at which a row is due, given when the
     * replay started.
     */
    static long dueAt(long startNanos, TraceRow row, double speed) {
        return startNanos + scale(row.arrival(), speed).toNanos();
    }
}
