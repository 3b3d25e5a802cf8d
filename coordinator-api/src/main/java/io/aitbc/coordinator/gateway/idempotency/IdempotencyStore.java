package io.aitbc.coordinator.gateway.idempotency;

import io.aitbc.coordinator.gateway.jooq.tables.records.IdempotencyRecordRecord;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.springframework.stereotype.Repository;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Optional;

import static io.aitbc.coordinator.gateway.jooq.Tables.IDEMPOTENCY_RECORD;

/**
 * Idempotency records in PostgreSQL. The primary key on (principal, key) makes claiming a key one
 * atomic insert, so two nodes racing on the same key never both run the request.
 */
@Repository
class IdempotencyStore {

    static final String IN_FLIGHT = "in_flight";
    static final String COMPLETED = "completed";

    private final DSLContext dsl;
    private final Clock clock;

    IdempotencyStore(DSLContext dsl, Clock clock) {
        this.dsl = dsl;
        this.clock = clock;
    }

    /** What a request with an idempotency key may do. */
    sealed interface Claim {
    }

    /**
     * The key is new (or its record lapsed): run the request and record its answer. {@code firstSeenAt}
     * is when this use of the key began; a request that runs again after its node died keeps it.
     */
    record Claimed(Instant firstSeenAt) implements Claim {
    }

    /** The first request with this key and body was answered: answer the same. */
    record Replay(int status, String contentType, byte[] body) implements Claim {
    }

    /** The key was first used with another method, path or body. */
    record Reused() implements Claim {
    }

    /** The first request with this key is still running. */
    record InFlight() implements Claim {
    }

    Claim claim(String principal, String key, String requestHash, Duration lock, Duration retention) {
        OffsetDateTime now = now();
        int inserted = dsl.insertInto(IDEMPOTENCY_RECORD)
                .set(IDEMPOTENCY_RECORD.PRINCIPAL, principal)
                .set(IDEMPOTENCY_RECORD.IDEMPOTENCY_KEY, key)
                .set(IDEMPOTENCY_RECORD.REQUEST_HASH, requestHash)
                .set(IDEMPOTENCY_RECORD.STATE, IN_FLIGHT)
                .set(IDEMPOTENCY_RECORD.CREATED_AT, now)
                .set(IDEMPOTENCY_RECORD.LOCKED_UNTIL, now.plus(lock))
                .set(IDEMPOTENCY_RECORD.EXPIRES_AT, now.plus(retention))
                .onConflictDoNothing()
                .execute();
        if (inserted == 1) {
            return new Claimed(now.toInstant());
        }
        Optional<IdempotencyRecordRecord> existing = find(principal, key);
        if (existing.isEmpty()) {
            // deleted as expired between the insert and the read: the key is free again
            return claim(principal, key, requestHash, lock, retention);
        }
        if (lapsed(existing.get(), requestHash, now)) {
            return takeOver(principal, key, requestHash, now, lock, retention)
                    .<Claim>map(firstSeenAt -> new Claimed(firstSeenAt.toInstant()))
                    .orElseGet(InFlight::new);
        }
        IdempotencyRecordRecord record = existing.get();
        if (!record.getRequestHash().equals(requestHash)) {
            return new Reused();
        }
        if (IN_FLIGHT.equals(record.getState())) {
            return new InFlight();
        }
        return new Replay(record.getStatusCode(), record.getContentType(), record.getBody());
    }

    void complete(String principal, String key, int status, String contentType, byte[] body) {
        dsl.update(IDEMPOTENCY_RECORD)
                .set(IDEMPOTENCY_RECORD.STATE, COMPLETED)
                .set(IDEMPOTENCY_RECORD.STATUS_CODE, status)
                .set(IDEMPOTENCY_RECORD.CONTENT_TYPE, contentType)
                .set(IDEMPOTENCY_RECORD.BODY, body)
                .where(IDEMPOTENCY_RECORD.PRINCIPAL.eq(principal))
                .and(IDEMPOTENCY_RECORD.IDEMPOTENCY_KEY.eq(key))
                .and(IDEMPOTENCY_RECORD.STATE.eq(IN_FLIGHT))
                .execute();
    }

    /** Frees a key whose request ended without an answer worth repeating; only while it is in flight. */
    void release(String principal, String key) {
        dsl.deleteFrom(IDEMPOTENCY_RECORD)
                .where(IDEMPOTENCY_RECORD.PRINCIPAL.eq(principal))
                .and(IDEMPOTENCY_RECORD.IDEMPOTENCY_KEY.eq(key))
                .and(IDEMPOTENCY_RECORD.STATE.eq(IN_FLIGHT))
                .execute();
    }

    int deleteExpired() {
        return dsl.deleteFrom(IDEMPOTENCY_RECORD)
                .where(IDEMPOTENCY_RECORD.EXPIRES_AT.le(now()))
                .execute();
    }

    Optional<IdempotencyRecordRecord> find(String principal, String key) {
        return dsl.selectFrom(IDEMPOTENCY_RECORD)
                .where(IDEMPOTENCY_RECORD.PRINCIPAL.eq(principal))
                .and(IDEMPOTENCY_RECORD.IDEMPOTENCY_KEY.eq(key))
                .fetchOptional();
    }

    /**
     * An expired record no longer binds its key; an in-flight one whose lock passed belongs to a
     * request that died with its node, and the same request may run again.
     */
    private static boolean lapsed(IdempotencyRecordRecord record, String requestHash, OffsetDateTime now) {
        return !record.getExpiresAt().isAfter(now)
                || IN_FLIGHT.equals(record.getState()) && !record.getLockedUntil().isAfter(now)
                && record.getRequestHash().equals(requestHash);
    }

    /**
     * Claims a lapsed record; empty when another request claimed it first. A request that runs again
     * after its node died keeps the record's first time; an expired key starts a new use.
     */
    private Optional<OffsetDateTime> takeOver(String principal, String key, String requestHash, OffsetDateTime now,
                                              Duration lock, Duration retention) {
        Condition expired = IDEMPOTENCY_RECORD.EXPIRES_AT.le(now);
        return dsl.update(IDEMPOTENCY_RECORD)
                .set(IDEMPOTENCY_RECORD.REQUEST_HASH, requestHash)
                .set(IDEMPOTENCY_RECORD.STATE, IN_FLIGHT)
                .setNull(IDEMPOTENCY_RECORD.STATUS_CODE)
                .setNull(IDEMPOTENCY_RECORD.CONTENT_TYPE)
                .setNull(IDEMPOTENCY_RECORD.BODY)
                .set(IDEMPOTENCY_RECORD.CREATED_AT, DSL.when(expired, now).otherwise(IDEMPOTENCY_RECORD.CREATED_AT))
                .set(IDEMPOTENCY_RECORD.LOCKED_UNTIL, now.plus(lock))
                .set(IDEMPOTENCY_RECORD.EXPIRES_AT,
                        DSL.when(expired, now.plus(retention)).otherwise(IDEMPOTENCY_RECORD.EXPIRES_AT))
                .where(IDEMPOTENCY_RECORD.PRINCIPAL.eq(principal))
                .and(IDEMPOTENCY_RECORD.IDEMPOTENCY_KEY.eq(key))
                .and(expired.or(IDEMPOTENCY_RECORD.STATE.eq(IN_FLIGHT).and(IDEMPOTENCY_RECORD.LOCKED_UNTIL.le(now))))
                .returning(IDEMPOTENCY_RECORD.CREATED_AT)
                .fetchOptional(IDEMPOTENCY_RECORD.CREATED_AT);
    }

    private OffsetDateTime now() {
        return clock.instant().atOffset(ZoneOffset.UTC);
    }
}
