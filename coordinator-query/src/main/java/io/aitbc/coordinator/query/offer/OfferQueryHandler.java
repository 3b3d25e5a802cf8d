package io.aitbc.coordinator.query.offer;

import io.aitbc.coordinator.common.api.Money;
import io.aitbc.coordinator.job.api.JobRequirements;
import io.aitbc.coordinator.offer.api.FindOfferQuery;
import io.aitbc.coordinator.offer.api.ListOffersQuery;
import io.aitbc.coordinator.offer.api.OfferPage;
import io.aitbc.coordinator.offer.api.OfferStatus;
import io.aitbc.coordinator.offer.api.OfferView;
import io.aitbc.coordinator.query.infra.JsonText;
import io.aitbc.coordinator.query.stats.MinerRecord;
import io.aitbc.coordinator.query.stats.Reputation;
import org.axonframework.queryhandling.QueryHandler;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.springframework.stereotype.Component;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

import static io.aitbc.coordinator.query.infra.Times.instant;
import static io.aitbc.coordinator.query.infra.Times.utc;
import static io.aitbc.coordinator.query.jooq.Tables.MINER_STATS;
import static io.aitbc.coordinator.query.jooq.Tables.OFFER_VIEW;

/** Answers offer queries from {@code offer_view}, with each miner's reputation from {@code miner_stats}. */
@Component
class OfferQueryHandler {

    private final DSLContext dsl;

    OfferQueryHandler(DSLContext dsl) {
        this.dsl = dsl;
    }

    @QueryHandler
    OfferView handle(FindOfferQuery query) {
        return dsl.select()
                .from(OFFER_VIEW)
                .leftJoin(MINER_STATS).on(MINER_STATS.MINER_ID.eq(OFFER_VIEW.MINER_ID))
                .where(OFFER_VIEW.OFFER_ID.eq(query.offerId()))
                .fetchOptional()
                .map(OfferQueryHandler::view)
                .orElse(null);
    }

    @QueryHandler
    OfferPage handle(ListOffersQuery query) {
        Instant now = Instant.now();
        Condition onSale = OFFER_VIEW.STATUS.eq(OfferStatus.ACTIVE.wireName())
                .and(OFFER_VIEW.EXPIRES_AT.gt(utc(now)));
        if (query.jobType() != null) {
            onSale = onSale.and(OFFER_VIEW.JOB_TYPE.eq(query.jobType()));
        }
        if (query.maxPrice() != null) {
            onSale = onSale.and(OFFER_VIEW.PRICE.le(query.maxPrice()));
        }
        int total = dsl.fetchCount(OFFER_VIEW, onSale);
        List<OfferView> offers = dsl.select()
                .from(OFFER_VIEW)
                .leftJoin(MINER_STATS).on(MINER_STATS.MINER_ID.eq(OFFER_VIEW.MINER_ID))
                .where(onSale)
                .orderBy(OFFER_VIEW.PRICE, OFFER_VIEW.CREATED_AT, OFFER_VIEW.OFFER_ID)
                .limit(query.limit())
                .offset(query.offset())
                .fetch(OfferQueryHandler::view);
        int next = query.offset() + offers.size();
        return new OfferPage(offers, total, query.limit(), query.offset(), next < total ? "o" + next : null);
    }

    private static OfferView view(Record row) {
        String requirements = row.get(OFFER_VIEW.REQUIREMENTS);
        return new OfferView(
                row.get(OFFER_VIEW.OFFER_ID),
                row.get(OFFER_VIEW.MINER_ID),
                row.get(OFFER_VIEW.JOB_TYPE),
                Money.format(row.get(OFFER_VIEW.PRICE)),
                row.get(OFFER_VIEW.UNIT_TYPE),
                row.get(OFFER_VIEW.MAX_JOBS),
                row.get(OFFER_VIEW.JOBS_LEFT),
                requirements == null ? JobRequirements.NONE : JsonText.read(requirements, JobRequirements.class),
                Reputation.of(record(row)),
                OfferStatus.valueOf(row.get(OFFER_VIEW.STATUS).toUpperCase(Locale.ROOT)),
                instant(row.get(OFFER_VIEW.CREATED_AT)),
                instant(row.get(OFFER_VIEW.EXPIRES_AT)));
    }

    /** A miner without a statistics row has no history yet. */
    private static MinerRecord record(Record row) {
        if (row.get(MINER_STATS.MINER_ID) == null) {
            return new MinerRecord(0, 0, 0, 0, 0, 0, 0, BigDecimal.ZERO);
        }
        return new MinerRecord(row.get(MINER_STATS.ASSIGNMENTS), row.get(MINER_STATS.COMPLETED),
                row.get(MINER_STATS.FAILURES), row.get(MINER_STATS.LEASE_EXPIRIES),
                row.get(MINER_STATS.RESERVATION_LAPSES), row.get(MINER_STATS.TIMELY), row.get(MINER_STATS.BUSY_MS),
                row.get(MINER_STATS.EARNED));
    }
}
