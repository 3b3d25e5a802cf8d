package io.aitbc.coordinator.query.dispatch;

import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.springframework.stereotype.Repository;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static io.aitbc.coordinator.query.infra.Times.instant;
import static io.aitbc.coordinator.query.infra.Times.utc;
import static io.aitbc.coordinator.query.jooq.Tables.JOB_DEADLINE;
import static io.aitbc.coordinator.query.jooq.Tables.JOB_QUEUE;
import static io.aitbc.coordinator.query.jooq.Tables.MINER_VIEW;

/**
 * Reads that decide which job a miner gets and which time limits have passed. The locking reads
 * must run inside the transaction of the command they lead to, so the lock lasts until the job's
 * new state is committed.
 */
@Repository
public class DispatchRepository {

    private final DSLContext dsl;

    DispatchRepository(DSLContext dsl) {
        this.dsl = dsl;
    }

    public Optional<MinerProfile> minerProfile(String minerId) {
        return dsl.selectFrom(MINER_VIEW)
                .where(MINER_VIEW.MINER_ID.eq(minerId))
                .fetchOptional()
                .map(row -> new MinerProfile(row.getMinerId(), List.of(row.getJobTypes()),
                        List.of(row.getGpuNames()), row.getMaxVramMb(), List.of(row.getModels()),
                        row.getRegion(), row.getConcurrency(), row.getUnitPrice(), row.getUnitType()));
    }

    /**
     * Locks the oldest claimable job this miner can run, skipping jobs other polls hold. Jobs
     * reserved for this miner come first; jobs reserved for another miner are never offered.
     */
    public Optional<ClaimableJob> lockNextClaimable(MinerProfile miner, List<String> acceptedTypes) {
        return lockNextClaimable(miner, acceptedTypes, Map.of());
    }

    /**
     * As {@link #lockNextClaimable(MinerProfile, List)}, where the miner asks {@code askByType} for the
     * job types it has offers on sale for, and its registration price for every other type: an
     * unreserved job qualifies when its {@code max_price} is absent or covers that ask.
     */
    public Optional<ClaimableJob> lockNextClaimable(MinerProfile miner, List<String> acceptedTypes,
                                                    Map<String, BigDecimal> askByType) {
        Condition matches = JOB_QUEUE.CLAIMABLE.isTrue()
                .and(JOB_QUEUE.RESERVED_MINER_ID.isNull().or(JOB_QUEUE.RESERVED_MINER_ID.eq(miner.minerId())))
                .and(JOB_QUEUE.REQ_REGION.isNull().or(JOB_QUEUE.REQ_REGION.eq(miner.region())))
                .and(JOB_QUEUE.REQ_MIN_VRAM_MB.isNull().or(JOB_QUEUE.REQ_MIN_VRAM_MB.le(miner.maxVramMb())))
                .and(JOB_QUEUE.REQ_MODELS.isNull().or(DSL.condition("{0} <@ cast({1} as text[])",
                        JOB_QUEUE.REQ_MODELS, DSL.val(miner.models().toArray(String[]::new),
                                SQLDataType.VARCHAR.array()))))
                .and(JOB_QUEUE.REQ_GPU.isNull().or(DSL.condition(
                        "exists (select 1 from unnest(cast({0} as text[])) as gpu(name)"
                                + " where gpu.name like '%' || lower({1}) || '%')",
                        DSL.val(miner.gpuNames().toArray(String[]::new), SQLDataType.VARCHAR.array()),
                        JOB_QUEUE.REQ_GPU)));
        if (!acceptedTypes.isEmpty()) {
            matches = matches.and(JOB_QUEUE.TYPE.in(acceptedTypes));
        }
        matches = matches.and(JOB_QUEUE.MAX_PRICE.isNull()
                .or(JOB_QUEUE.RESERVED_MINER_ID.eq(miner.minerId()))
                .or(priceCovered(miner, askByType)));
        return dsl.select(JOB_QUEUE.JOB_ID, JOB_QUEUE.TYPE, JOB_QUEUE.RESERVED_OFFER_ID, JOB_QUEUE.RESERVED_PRICE,
                        JOB_QUEUE.RESERVED_UNIT_TYPE)
                .from(JOB_QUEUE)
                .where(matches)
                .orderBy(JOB_QUEUE.RESERVED_MINER_ID.isNull().asc(), JOB_QUEUE.SUBMITTED_AT, JOB_QUEUE.JOB_ID)
                .limit(1)
                .forUpdate()
                .skipLocked()
                .fetchOptional()
                .map(row -> new ClaimableJob(row.value1(), row.value2(), row.value3(), row.value4(), row.value5()));
    }

    private static Condition priceCovered(MinerProfile miner, Map<String, BigDecimal> askByType) {
        Condition covered = DSL.falseCondition();
        for (Map.Entry<String, BigDecimal> ask : askByType.entrySet()) {
            covered = covered.or(JOB_QUEUE.TYPE.eq(ask.getKey()).and(JOB_QUEUE.MAX_PRICE.ge(ask.getValue())));
        }
        Condition otherTypes = askByType.isEmpty() ? DSL.noCondition() : JOB_QUEUE.TYPE.notIn(askByType.keySet());
        BigDecimal registered = miner.unitPrice() == null ? BigDecimal.ZERO : miner.unitPrice();
        return covered.or(otherTypes.and(JOB_QUEUE.MAX_PRICE.ge(registered)));
    }

    /** Locks one passed time limit that no other node is handling, skipping the given jobs. */
    public Optional<DueDeadline> lockNextDue(Instant now, Collection<String> skipJobIds) {
        return dsl.selectFrom(JOB_DEADLINE)
                .where(JOB_DEADLINE.DUE_AT.le(utc(now)))
                .and(skipJobIds.isEmpty() ? DSL.noCondition() : JOB_DEADLINE.JOB_ID.notIn(skipJobIds))
                .orderBy(JOB_DEADLINE.DUE_AT)
                .limit(1)
                .forUpdate()
                .skipLocked()
                .fetchOptional()
                .map(row -> new DueDeadline(row.getJobId(),
                        JobQueueProjection.LEASE.equals(row.getKind())
                                ? DueDeadline.Kind.LEASE : DueDeadline.Kind.EXPIRY,
                        row.getAttempt(), instant(row.getDueAt())));
    }

    /** Jobs a miner runs now, so a heartbeat can renew their leases. */
    public List<String> runningJobsOf(String minerId) {
        return dsl.select(JOB_QUEUE.JOB_ID)
                .from(JOB_QUEUE)
                .where(JOB_QUEUE.MINER_ID.eq(minerId))
                .and(JOB_QUEUE.CLAIMABLE.isFalse())
                .fetch(JOB_QUEUE.JOB_ID);
    }
}
