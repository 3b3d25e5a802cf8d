package io.aitbc.coordinator.query.miner;

import io.aitbc.coordinator.common.api.Money;
import io.aitbc.coordinator.miner.api.FindMinerQuery;
import io.aitbc.coordinator.miner.api.MinerCapabilities;
import io.aitbc.coordinator.miner.api.MinerView;
import io.aitbc.coordinator.query.infra.JsonText;
import org.axonframework.queryhandling.QueryHandler;
import org.jooq.DSLContext;
import org.springframework.stereotype.Component;

import static io.aitbc.coordinator.query.infra.Times.instant;
import static io.aitbc.coordinator.query.jooq.Tables.MINER_VIEW;

/** Answers miner queries from {@code miner_view}. */
@Component
class MinerQueryHandler {

    private final DSLContext dsl;

    MinerQueryHandler(DSLContext dsl) {
        this.dsl = dsl;
    }

    @QueryHandler
    MinerView handle(FindMinerQuery query) {
        return dsl.selectFrom(MINER_VIEW)
                .where(MINER_VIEW.MINER_ID.eq(query.minerId()))
                .fetchOptional()
                .map(row -> new MinerView(
                        row.getMinerId(),
                        JsonText.read(row.getCapabilities(), MinerCapabilities.class),
                        row.getConcurrency(),
                        row.getRegion(),
                        row.getPublicKey(),
                        row.getUnitPrice() == null ? null : Money.format(row.getUnitPrice()),
                        row.getUnitType(),
                        instant(row.getRegisteredAt()),
                        instant(row.getUpdatedAt())))
                .orElse(null);
    }
}
