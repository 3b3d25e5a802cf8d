package io.aitbc.coordinator.gateway.market;

import io.aitbc.coordinator.gateway.web.ApiException;
import io.aitbc.coordinator.gateway.web.Backend;
import io.aitbc.coordinator.gateway.web.RequestContext;
import io.aitbc.coordinator.offer.api.MinerStatsQuery;
import io.aitbc.coordinator.offer.api.MinerStatsView;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/** A miner's record and reputation, readable by every key: clients choose offers by it. */
@RestController
class MinerStatsController {

    private final Backend backend;

    MinerStatsController(Backend backend) {
        this.backend = backend;
    }

    @GetMapping("/v1/miners/{minerId}/stats")
    Mono<MinerStatsView> stats(RequestContext context, @PathVariable String minerId) {
        return backend.query(context, new MinerStatsQuery(minerId), MinerStatsView.class)
                .switchIfEmpty(Mono.error(() -> ApiException.notFound("MINER_NOT_FOUND", "No miner " + minerId)));
    }
}
