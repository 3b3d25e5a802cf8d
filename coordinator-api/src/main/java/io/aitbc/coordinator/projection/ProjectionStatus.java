package io.aitbc.coordinator.projection;

import java.time.Instant;
import java.util.List;

/**
 * A projection as operators see it. Subscribing projections are written in the transaction of the
 * command that caused their events, so they are always at the head: their lag is 0.
 *
 * @param state   {@code live}, {@code rebuilding} or {@code failed} (the last rebuild failed; the live
 *                tables were kept)
 * @param tables  the tables the projection keeps
 * @param rebuild the running or last rebuild, {@code null} when there was none
 */
public record ProjectionStatus(String name, String processor, String state, long position, long lag,
                               List<String> tables, Rebuild rebuild) {

    /**
     * Progress of a rebuild: the phase ({@code copying} events into the shadow tables, {@code swapping}
     * them in under a short lock, {@code done}, {@code failed}), how many events were applied and
     * up to which position, of how many the store held when it started.
     */
    public record Rebuild(String phase, long appliedEvents, long position, long head, Instant startedAt,
                          Instant finishedAt, String error) {
    }
}
