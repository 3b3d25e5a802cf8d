package io.aitbc.coordinator.query.offer;

import io.aitbc.coordinator.job.api.JobRequirements;
import io.aitbc.coordinator.offer.api.OfferStatus;
import io.aitbc.coordinator.query.infra.JsonText;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.springframework.stereotype.Repository;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

import static io.aitbc.coordinator.query.infra.Times.instant;
import static io.aitbc.coordinator.query.infra.Times.utc;
import static io.aitbc.coordinator.query.jooq.Tables.JOB_QUEUE;
import static io.aitbc.coordinator.query.jooq.Tables.MARKET_DEADLINE;
import static io.aitbc.coordinator.query.jooq.Tables.OFFER_VIEW;

/**
 * Reads the marketplace's commands depend on. The locking reads must run inside the transaction
 * of the commands they lead to.
 */
@Repository
public class MarketRepository {

    private final DSLContext dsl;

    MarketRepository(DSLContext dsl) {
        this.dsl = dsl;
    }

    /**
     * The miner's offers on sale now, cheapest first; ties go to the older offer, so one offer is used
     * up before the next.
     */
    public List<OfferTerms> offersOnSale(String minerId, Instant now) {
        return dsl.select(OFFER_VIEW.OFFER_ID, OFFER_VIEW.JOB_TYPE, OFFER_VIEW.PRICE, OFFER_VIEW.UNIT_TYPE,
                        OFFER_VIEW.REQUIREMENTS)
                .from(OFFER_VIEW)
                .where(OFFER_VIEW.MINER_ID.eq(minerId))
                .and(onSale(now))
                .orderBy(OFFER_VIEW.PRICE, OFFER_VIEW.CREATED_AT, OFFER_VIEW.OFFER_ID)
                .fetch(row -> new OfferTerms(row.value1(), row.value2(), row.value3(), row.value4(),
                        JsonText.read(row.value5(), JobRequirements.class)));
    }

    /** An offer is on sale while it is active, unexpired and has jobs left. */
    private static Condition onSale(Instant now) {
        return OFFER_VIEW.STATUS.eq(OfferStatus.ACTIVE.wireName())
                .and(OFFER_VIEW.EXPIRES_AT.gt(utc(now)))
                .and(OFFER_VIEW.JOBS_LEFT.gt(0));
    }

    /** Those of {@code minerIds} with an offer on sale now. */
    public List<String> minersWithOffersOnSale(Collection<String> minerIds, Instant now) {
        if (minerIds.isEmpty()) {
            return List.of();
        }
        return dsl.selectDistinct(OFFER_VIEW.MINER_ID)
                .from(OFFER_VIEW)
                .where(OFFER_VIEW.MINER_ID.in(minerIds))
                .and(onSale(now))
                .fetch(OFFER_VIEW.MINER_ID);
    }

    /**
     * Locks a job's queue row until the end of the transaction, so a reservation and a miner's claim
     * of the same job take turns instead of deadlocking; false when the job is not in the queue.
     */
    public boolean lockQueuedJob(String jobId) {
        return dsl.select(JOB_QUEUE.JOB_ID)
                .from(JOB_QUEUE)
                .where(JOB_QUEUE.JOB_ID.eq(jobId))
                .forUpdate()
                .fetchOptional()
                .isPresent();
    }

    /**
     * Locks a job's queue row unless another transaction holds it; false only when one does. A job
     * no longer queued has no row, and nothing to lock: true.
     */
    public boolean lockQueuedJobUnlessBusy(String jobId) {
        boolean locked = dsl.select(JOB_QUEUE.JOB_ID)
                .from(JOB_QUEUE)
                .where(JOB_QUEUE.JOB_ID.eq(jobId))
                .forUpdate()
                .skipLocked()
                .fetchOptional()
                .isPresent();
        return locked || !dsl.fetchExists(JOB_QUEUE, JOB_QUEUE.JOB_ID.eq(jobId));
    }

    /** Locks one passed marketplace time limit that no other node is handling, skipping the given ones. */
    public Optional<DueMarketDeadline> lockNextDue(Instant now, Collection<String> skipIds) {
        return dsl.selectFrom(MARKET_DEADLINE)
                .where(MARKET_DEADLINE.DUE_AT.le(utc(now)))
                .and(skipIds.isEmpty() ? DSL.noCondition() : MARKET_DEADLINE.DEADLINE_ID.notIn(skipIds))
                .orderBy(MARKET_DEADLINE.DUE_AT)
                .limit(1)
                .forUpdate()
                .skipLocked()
                .fetchOptional()
                .map(row -> new DueMarketDeadline(row.getDeadlineId(), row.getKind(), row.getOfferId(),
                        row.getJobId(), instant(row.getDueAt())));
    }

    /** Forgets a time limit that needs nothing more. */
    public void deleteDeadline(DueMarketDeadline deadline) {
        dsl.deleteFrom(MARKET_DEADLINE)
                .where(MARKET_DEADLINE.DEADLINE_ID.eq(deadline.deadlineId()))
                .and(MARKET_DEADLINE.KIND.eq(deadline.kind()))
                .execute();
    }
}
