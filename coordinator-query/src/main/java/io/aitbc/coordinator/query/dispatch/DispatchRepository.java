package io.aitbc.coordinator.query.dispatch;

import io.aitbc.coordinator.job.api.JobRequirements;
import io.aitbc.coordinator.query.dispatch.RequirementsRule.Required;
import io.aitbc.coordinator.query.offer.OfferTerms;
import org.jooq.CaseConditionStep;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.Record6;
import org.jooq.ResultQuery;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.springframework.stereotype.Repository;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
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

    /**
     * {@code claimable} as it stands in the partial indexes' {@code WHERE}. Bound as a parameter
     * ({@code claimable = ?}) it stops matching them once PostgreSQL plans the statement generically.
     */
    private static final Condition CLAIMABLE = DSL.condition(JOB_QUEUE.CLAIMABLE);

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
     * Locks the oldest claimable job this miner can run at its registration price, skipping jobs
     * other polls hold. Jobs reserved for this miner come first; jobs reserved for another miner are
     * never offered.
     */
    public Optional<ClaimableJob> lockNextClaimable(MinerProfile miner, List<String> acceptedTypes) {
        return lockNextClaimable(miner, acceptedTypes, List.of());
    }

    /**
     * As {@link #lockNextClaimable(MinerProfile, List)}, where the miner also sells through
     * {@code offers} (on sale, cheapest first). The miner's ask for a job is the price of the first of
     * them of the job's type whose capacity meets the job's requirements, or its registration price
     * when none does; an unreserved job qualifies when its {@code max_price} is absent or covers that
     * ask, and the answer names that offer.
     */
    public Optional<ClaimableJob> lockNextClaimable(MinerProfile miner, List<String> acceptedTypes,
                                                    List<OfferTerms> offers) {
        return claimQuery(miner, acceptedTypes, offers)
                .fetchOptional()
                .map(row -> new ClaimableJob(row.value1(), row.value2(), row.value3(), row.value4(), row.value5(),
                        row.value3() == null ? row.value6() : null));
    }

    /** The locking read of {@link #lockNextClaimable}; apart for tests of its plan. */
    ResultQuery<Record6<String, String, String, BigDecimal, String, String>> claimQuery(
            MinerProfile miner, List<String> acceptedTypes, List<OfferTerms> offers) {
        Capacity registered = Capacity.of(miner);
        Condition matches = CLAIMABLE
                .and(JOB_QUEUE.RESERVED_MINER_ID.isNull().or(JOB_QUEUE.RESERVED_MINER_ID.eq(miner.minerId())))
                .and(RequirementsRule.meets(registered, Required.QUEUED_JOB))
                .and(inRegionIndex(registered.region()));
        if (!acceptedTypes.isEmpty()) {
            matches = matches.and(JOB_QUEUE.TYPE.in(acceptedTypes));
        }
        Map<OfferTerms, Condition> sellers = sellers(registered, offers);
        matches = matches.and(JOB_QUEUE.MAX_PRICE.isNull()
                .or(JOB_QUEUE.RESERVED_MINER_ID.eq(miner.minerId()))
                .or(priceCovered(miner, sellers)));
        Field<String> soldThrough = soldThrough(sellers);
        return dsl.select(JOB_QUEUE.JOB_ID, JOB_QUEUE.TYPE, JOB_QUEUE.RESERVED_OFFER_ID, JOB_QUEUE.RESERVED_PRICE,
                        JOB_QUEUE.RESERVED_UNIT_TYPE, soldThrough)
                .from(JOB_QUEUE)
                .where(matches)
                .orderBy(JOB_QUEUE.RESERVED_MINER_ID.isNull().asc(), JOB_QUEUE.SUBMITTED_AT, JOB_QUEUE.JOB_ID)
                .limit(1)
                .forUpdate()
                .skipLocked();
    }

    /**
     * The miners that claimable jobs are reserved for. Only such a miner can take its reserved job, so
     * a poll of another miner that found nothing must not be the last one to look.
     */
    public List<String> minersWithReservedClaimableJobs() {
        return dsl.selectDistinct(JOB_QUEUE.RESERVED_MINER_ID)
                .from(JOB_QUEUE)
                .where(CLAIMABLE)
                .and(JOB_QUEUE.RESERVED_MINER_ID.isNotNull())
                .fetch(JOB_QUEUE.RESERVED_MINER_ID);
    }

    /**
     * Implied by the requirements rule, and stated again in the form of {@code job_queue_region_idx}: a
     * claim then reads only the queued jobs of the miner's region and of none, not every queued job. A
     * backlog of jobs for a region no waiting miner serves made every claim read all of it (7 ms against
     * 0.2 ms with 27,000 such jobs queued).
     */
    private static Condition inRegionIndex(String minerRegion) {
        // the '' inline: the index is on coalesce(req_region, ''), and a bound '' does not match it
        return DSL.coalesce(JOB_QUEUE.REQ_REGION, DSL.inline("")).in("", minerRegion == null ? "" : minerRegion);
    }

    /**
     * The fields of {@code required} that {@code capacity} does not meet, by their names on the wire
     * ({@code gpu}, {@code min_vram_gb}, {@code models}, {@code region}); empty when it meets them all.
     * The rule is the one matching applies.
     */
    public List<String> unmetRequirements(Capacity capacity, JobRequirements required) {
        Map<String, Condition> checks = RequirementsRule.byField(capacity, Required.of(required));
        Record answers = dsl.select(checks.values().stream().map(DSL::field).toList()).fetchSingle();
        List<String> unmet = new ArrayList<>();
        int index = 0;
        for (String field : checks.keySet()) {
            if (!Boolean.TRUE.equals(answers.get(index++, Boolean.class))) {
                unmet.add(field);
            }
        }
        return unmet;
    }

    /**
     * Each offer with the condition under which it sells a queued job: the job's type is its type and
     * its capacity meets the job's requirements. Of offers stating the same terms only the cheapest
     * can ever sell, so the others are left out and the query stays as small as the distinct terms.
     */
    private static Map<OfferTerms, Condition> sellers(Capacity registered, List<OfferTerms> offers) {
        Map<List<Object>, OfferTerms> distinct = new LinkedHashMap<>();
        for (OfferTerms offer : offers) {
            distinct.putIfAbsent(Arrays.asList(offer.jobType(), offer.requirements()), offer);
        }
        Map<OfferTerms, Condition> sellers = new LinkedHashMap<>();
        for (OfferTerms offer : distinct.values()) {
            sellers.put(offer, JOB_QUEUE.TYPE.eq(offer.jobType())
                    .and(RequirementsRule.meets(registered.soldThrough(offer.requirements()), Required.QUEUED_JOB)));
        }
        return sellers;
    }

    /**
     * The job's {@code max_price} covers the miner's ask: the price of an offer that sells it (the
     * cheapest of them is the ask, so any will do), or the registration price when no offer sells it.
     */
    private static Condition priceCovered(MinerProfile miner, Map<OfferTerms, Condition> sellers) {
        Condition covered = DSL.falseCondition();
        Condition soldByAnOffer = DSL.falseCondition();
        for (Map.Entry<OfferTerms, Condition> seller : sellers.entrySet()) {
            covered = covered.or(seller.getValue().and(JOB_QUEUE.MAX_PRICE.ge(seller.getKey().price())));
            soldByAnOffer = soldByAnOffer.or(seller.getValue());
        }
        BigDecimal registered = miner.unitPrice() == null ? BigDecimal.ZERO : miner.unitPrice();
        return covered.or(DSL.not(soldByAnOffer).and(JOB_QUEUE.MAX_PRICE.ge(registered)));
    }

    /** The id of the cheapest offer that sells the job, or {@code NULL}. */
    private static Field<String> soldThrough(Map<OfferTerms, Condition> sellers) {
        if (sellers.isEmpty()) {
            return DSL.inline(null, SQLDataType.VARCHAR);
        }
        CaseConditionStep<String> choice = null;
        for (Map.Entry<OfferTerms, Condition> seller : sellers.entrySet()) {
            Field<String> offerId = DSL.val(seller.getKey().offerId(), SQLDataType.VARCHAR);
            choice = choice == null ? DSL.when(seller.getValue(), offerId) : choice.when(seller.getValue(), offerId);
        }
        return choice.else_(DSL.inline(null, SQLDataType.VARCHAR));
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
