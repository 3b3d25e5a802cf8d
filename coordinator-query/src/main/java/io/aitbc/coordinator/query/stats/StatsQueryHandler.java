package io.aitbc.coordinator.query.stats;

import io.aitbc.coordinator.common.api.Money;
import io.aitbc.coordinator.job.api.JobStatus;
import io.aitbc.coordinator.offer.api.MarketStatsQuery;
import io.aitbc.coordinator.offer.api.MarketStatsView;
import io.aitbc.coordinator.offer.api.MinerStatsQuery;
import io.aitbc.coordinator.offer.api.MinerStatsView;
import io.aitbc.coordinator.offer.api.OfferStatus;
import org.axonframework.queryhandling.QueryHandler;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import static io.aitbc.coordinator.query.infra.Times.instant;
import static io.aitbc.coordinator.query.infra.Times.utc;
import static io.aitbc.coordinator.query.jooq.Tables.MARKET_JOB;
import static io.aitbc.coordinator.query.jooq.Tables.MINER_STATS;
import static io.aitbc.coordinator.query.jooq.Tables.OFFER_VIEW;

/** Answers the marketplace and miner statistics from {@code market_job}, {@code miner_stats} and offers. */
@Component
class StatsQueryHandler {

    private final DSLContext dsl;
    private final Clock clock;
    private final Duration activityWindow;

    StatsQueryHandler(DSLContext dsl, @Value("${coordinator.market.activity-window:10m}") Duration activityWindow) {
        this.dsl = dsl;
        this.clock = Clock.systemUTC();
        this.activityWindow = activityWindow;
    }

    @QueryHandler
    MarketStatsView handle(MarketStatsQuery query) {
        Instant now = clock.instant();
        var completed = MARKET_JOB.STATUS.eq(JobStatus.COMPLETED.wireName());
        var completionMillis = DSL.field("extract(epoch from ({0} - {1})) * 1000", SQLDataType.NUMERIC,
                MARKET_JOB.COMPLETED_AT, MARKET_JOB.SUBMITTED_AT);
        var jobs = dsl.select(
                        DSL.count(),
                        DSL.count().filterWhere(MARKET_JOB.STATUS.in(JobStatus.QUEUED.wireName(),
                                JobStatus.RUNNING.wireName())),
                        DSL.count().filterWhere(completed),
                        DSL.count().filterWhere(MARKET_JOB.STATUS.eq(JobStatus.FAILED.wireName())),
                        DSL.sum(completionMillis).filterWhere(completed),
                        DSL.sum(MARKET_JOB.PRICE))
                .from(MARKET_JOB)
                .fetchOne();
        int activeMiners = dsl.fetchCount(MINER_STATS, MINER_STATS.LAST_SEEN_AT.ge(utc(now.minus(activityWindow))));
        int openOffers = dsl.fetchCount(OFFER_VIEW, OFFER_VIEW.STATUS.eq(OfferStatus.ACTIVE.wireName())
                .and(OFFER_VIEW.EXPIRES_AT.gt(utc(now))));

        int completedJobs = jobs.value3();
        BigDecimal totalMillis = jobs.value5() == null ? BigDecimal.ZERO : jobs.value5();
        BigDecimal volume = jobs.value6() == null ? BigDecimal.ZERO : jobs.value6();
        return new MarketStatsView(jobs.value1(), jobs.value2(), completedJobs, jobs.value4(),
                Reputation.averageSeconds(totalMillis.longValue(), completedJobs), Money.format(volume),
                activeMiners, openOffers);
    }

    @QueryHandler
    MinerStatsView handle(MinerStatsQuery query) {
        return dsl.selectFrom(MINER_STATS)
                .where(MINER_STATS.MINER_ID.eq(query.minerId()))
                .fetchOptional()
                .map(row -> {
                    MinerRecord record = new MinerRecord(row.getAssignments(), row.getCompleted(), row.getFailures(),
                            row.getLeaseExpiries(), row.getReservationLapses(), row.getTimely(), row.getBusyMs(),
                            row.getEarned());
                    return new MinerStatsView(row.getMinerId(), Reputation.of(record), record.assignments(),
                            Reputation.successRate(record),
                            Reputation.averageSeconds(record.busyMillis(), record.completed()),
                            Money.format(record.earned()), instant(row.getActiveSince()));
                })
                .orElse(null);
    }
}
