package io.aitbc.coordinator.audit;

import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.Table;
import org.jooq.impl.DSL;
import org.springframework.stereotype.Component;

import java.time.Instant;
import java.util.Collection;
import java.util.List;

/**
 * Reads Axon's event store ({@code domain_event_entry}) by global position, for the audit log, job
 * histories, live updates and projection rebuilds. Read-only, and never through Axon, so a reader
 * sees exactly the stored bytes.
 *
 * <p>Positions come from an identity column: a transaction that took a position may commit after one
 * that took a higher position. Readers that follow the head use {@link #snapshotXmax()} and
 * {@link #snapshotXmin()} to tell when such a gap can no longer fill (see {@code EventTailer}).
 */
@Component
public class EventLog {

    static final Table<Record> EVENTS = DSL.table(DSL.name("domain_event_entry"));
    static final Field<Long> POSITION = DSL.field(DSL.name("global_index"), Long.class);
    static final Field<String> EVENT_ID = DSL.field(DSL.name("event_identifier"), String.class);
    static final Field<String> PAYLOAD_TYPE = DSL.field(DSL.name("payload_type"), String.class);
    static final Field<String> AGGREGATE_TYPE = DSL.field(DSL.name("type"), String.class);
    static final Field<String> AGGREGATE_ID = DSL.field(DSL.name("aggregate_identifier"), String.class);
    static final Field<Long> SEQUENCE = DSL.field(DSL.name("sequence_number"), Long.class);
    static final Field<String> TIME_STAMP = DSL.field(DSL.name("time_stamp"), String.class);
    static final Field<byte[]> PAYLOAD = DSL.field(DSL.name("payload"), byte[].class);
    static final Field<byte[]> META_DATA = DSL.field(DSL.name("meta_data"), byte[].class);

    private final DSLContext dsl;

    public EventLog(DSLContext dsl) {
        this.dsl = dsl;
    }

    /**
     * Events after {@code position} in global order, at most {@code limit}, optionally only one
     * aggregate's and only one short type ({@code JobSubmitted}); {@code upTo} bounds the position
     * when not {@code null}.
     */
    public List<StoredEvent> after(long position, Long upTo, int limit, String aggregateId, String type) {
        Condition filter = POSITION.gt(position);
        if (upTo != null) {
            filter = filter.and(POSITION.le(upTo));
        }
        if (aggregateId != null) {
            filter = filter.and(AGGREGATE_ID.eq(aggregateId));
        }
        if (type != null) {
            filter = filter.and(PAYLOAD_TYPE.endsWith("." + type + "Event"));
        }
        return dsl.select(POSITION, EVENT_ID, PAYLOAD_TYPE, AGGREGATE_TYPE, AGGREGATE_ID, SEQUENCE, TIME_STAMP,
                        PAYLOAD, META_DATA)
                .from(EVENTS)
                .where(filter)
                .orderBy(POSITION)
                .limit(limit)
                .fetch(EventLog::toEvent);
    }

    /** Every event of one aggregate, in its own order. */
    public List<StoredEvent> ofAggregate(String aggregateId) {
        return dsl.select(POSITION, EVENT_ID, PAYLOAD_TYPE, AGGREGATE_TYPE, AGGREGATE_ID, SEQUENCE, TIME_STAMP,
                        PAYLOAD, META_DATA)
                .from(EVENTS)
                .where(AGGREGATE_ID.eq(aggregateId))
                .orderBy(SEQUENCE)
                .fetch(EventLog::toEvent);
    }

    /** The events at the given positions that are committed now, in global order. */
    public List<StoredEvent> at(Collection<Long> positions) {
        if (positions.isEmpty()) {
            return List.of();
        }
        return dsl.select(POSITION, EVENT_ID, PAYLOAD_TYPE, AGGREGATE_TYPE, AGGREGATE_ID, SEQUENCE, TIME_STAMP,
                        PAYLOAD, META_DATA)
                .from(EVENTS)
                .where(POSITION.in(positions))
                .orderBy(POSITION)
                .fetch(EventLog::toEvent);
    }

    /** The highest committed position, 0 for an empty store. */
    public long head() {
        Long head = dsl.select(DSL.max(POSITION)).from(EVENTS).fetchOne(0, Long.class);
        return head == null ? 0 : head;
    }

    /** The first event of an aggregate (for a job, its submission), or {@code null} when there is none. */
    public StoredEvent first(String aggregateId) {
        return dsl.select(POSITION, EVENT_ID, PAYLOAD_TYPE, AGGREGATE_TYPE, AGGREGATE_ID, SEQUENCE, TIME_STAMP,
                        PAYLOAD, META_DATA)
                .from(EVENTS)
                .where(AGGREGATE_ID.eq(aggregateId))
                .and(SEQUENCE.eq(0L))
                .fetchOptional(EventLog::toEvent)
                .orElse(null);
    }

    /**
     * The first transaction id not yet started when this is read: every transaction that could hold
     * an uncommitted event now has a lower id.
     */
    public long snapshotXmax() {
        return dsl.fetchValue(DSL.field("pg_snapshot_xmax(pg_current_snapshot())::text::bigint", Long.class));
    }

    /** The oldest transaction id still running; every lower one has committed or rolled back. */
    public long snapshotXmin() {
        return dsl.fetchValue(DSL.field("pg_snapshot_xmin(pg_current_snapshot())::text::bigint", Long.class));
    }

    private static StoredEvent toEvent(Record row) {
        return new StoredEvent(
                row.get(POSITION),
                row.get(EVENT_ID),
                row.get(PAYLOAD_TYPE),
                row.get(AGGREGATE_TYPE),
                row.get(AGGREGATE_ID),
                row.get(SEQUENCE),
                Instant.parse(row.get(TIME_STAMP)),
                row.get(PAYLOAD),
                row.get(META_DATA));
    }
}
