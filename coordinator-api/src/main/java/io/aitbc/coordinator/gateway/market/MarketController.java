package io.aitbc.coordinator.gateway.market;

import com.fasterxml.jackson.databind.JsonNode;
import io.aitbc.coordinator.common.api.Ids;
import io.aitbc.coordinator.common.api.Money;
import io.aitbc.coordinator.gateway.auth.Role;
import io.aitbc.coordinator.gateway.web.ApiException;
import io.aitbc.coordinator.gateway.web.Backend;
import io.aitbc.coordinator.gateway.web.BodyReader;
import io.aitbc.coordinator.gateway.web.RequestContext;
import io.aitbc.coordinator.job.api.JobRequirements;
import io.aitbc.coordinator.offer.api.FindOfferQuery;
import io.aitbc.coordinator.offer.api.ListOffersQuery;
import io.aitbc.coordinator.offer.api.MarketStatsQuery;
import io.aitbc.coordinator.offer.api.MarketStatsView;
import io.aitbc.coordinator.offer.api.OfferPage;
import io.aitbc.coordinator.offer.api.OfferStatus;
import io.aitbc.coordinator.offer.api.OfferView;
import io.aitbc.coordinator.offer.api.PublishOfferCommand;
import io.aitbc.coordinator.offer.api.WithdrawOfferCommand;
import io.aitbc.coordinator.query.dispatch.Capacity;
import io.aitbc.coordinator.query.dispatch.DispatchRepository;
import io.aitbc.coordinator.query.dispatch.MinerProfile;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The marketplace: miners publish and withdraw offers, clients list and accept them, and everyone
 * reads the marketplace's figures. Matching of jobs that name no offer happens in the miners' polls.
 */
@RestController
@RequestMapping("/v1/marketplace")
class MarketController {

    private static final Pattern JOB_TYPE = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
    private static final Pattern UNIT = Pattern.compile("[a-z][a-z0-9_-]{0,31}");
    private static final Pattern REGION = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final int MAX_DURATION_SECONDS = 30 * 24 * 3600;
    private static final int DEFAULT_DURATION_SECONDS = 3600;

    private final Backend backend;
    private final DispatchRepository dispatch;
    private final OfferAcceptance acceptance;
    private final Clock clock;

    MarketController(Backend backend, DispatchRepository dispatch, OfferAcceptance acceptance, Clock clock) {
        this.backend = backend;
        this.dispatch = dispatch;
        this.acceptance = acceptance;
        this.clock = clock;
    }

    record Published(String offerId, String minerId, OfferStatus status, String jobType, String price,
                     String unitType, int maxJobs, int jobsLeft, Instant createdAt, Instant expiresAt) {
    }

    record Accepted(String transactionId, String offerId, String jobId, String status, String minerId,
                    String price, String unitType, Instant createdAt, Instant reservedUntil) {
    }

    @PostMapping("/offers")
    Mono<ResponseEntity<Published>> publish(RequestContext context, @RequestBody JsonNode body) {
        context.caller().require(Role.MINER);
        String minerId = context.caller().principal();
        BodyReader reader = BodyReader.of(body);
        String jobType = reader.matching("job_type", JOB_TYPE, "must be a lower-case job type such as 'ai-inference'",
                true);
        BigDecimal price = reader.decimal("price", true);
        String unitType = reader.matching("unit_type", UNIT, "must be a lower-case unit name such as 'tokens'", false);
        int maxJobs = reader.integer("max_jobs", 1, 100_000, 1);
        int durationSeconds = reader.integer("duration", 1, MAX_DURATION_SECONDS, DEFAULT_DURATION_SECONDS);
        reader.object("requirements", false);
        BodyReader requirements = reader.at("requirements");
        JobRequirements provided = new JobRequirements(
                requirements.string("gpu", 128, false),
                requirements.integer("min_vram_gb", 1, 4096, null),
                requirements.strings("models", 32, 128),
                requirements.matching("region", REGION, "must be 1 to 64 letters, digits, '.', '_' or '-'", false));
        reader.validate();

        Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        String offerId = Ids.newId("offer", now);
        var command = new PublishOfferCommand(offerId, minerId, jobType, price,
                unitType == null ? Money.UNIT_JOB : unitType, maxJobs, provided, now.plusSeconds(durationSeconds));
        return backend.blocking(context, () -> providable(minerId, provided))
                .then(backend.send(context, command))
                .then(backend.query(context, new FindOfferQuery(offerId), OfferView.class))
                .map(offer -> ResponseEntity.status(HttpStatus.CREATED).body(new Published(offer.offerId(),
                        offer.minerId(), offer.status(), offer.jobType(), offer.price(), offer.unitType(),
                        offer.maxJobs(), offer.jobsLeft(), offer.createdAt(), offer.expiresAt())));
    }

    @GetMapping("/offers")
    Mono<OfferPage> list(RequestContext context,
                         @RequestParam(name = "job_type", required = false) String jobType,
                         @RequestParam(name = "max_price", required = false) String maxPrice,
                         @RequestParam(defaultValue = "50") int limit,
                         @RequestParam(defaultValue = "0") int offset,
                         @RequestParam(required = false) String cursor) {
        if (limit < 1 || limit > 200 || offset < 0) {
            throw ApiException.badRequest("limit must be 1 to 200 and offset at least 0");
        }
        BigDecimal priceCap = null;
        if (maxPrice != null) {
            priceCap = BodyReader.parseDecimal(maxPrice);
            if (priceCap == null) {
                throw ApiException.badRequest("max_price must be a non-negative decimal such as 0.001");
            }
        }
        int start = cursor == null ? offset : cursorOffset(cursor);
        return backend.query(context, new ListOffersQuery(blankToNull(jobType), priceCap, limit, start),
                OfferPage.class);
    }

    @GetMapping("/offers/{offerId}")
    Mono<OfferView> get(RequestContext context, @PathVariable String offerId) {
        return existingOffer(context, offerId);
    }

    @DeleteMapping("/offers/{offerId}")
    Mono<OfferView> withdraw(RequestContext context, @PathVariable String offerId) {
        context.caller().require(Role.MINER);
        return existingOffer(context, offerId)
                .flatMap(offer -> backend.send(context, new WithdrawOfferCommand(offerId,
                        context.caller().principal())))
                .then(existingOffer(context, offerId));
    }

    @PostMapping("/offers/{offerId}/accept")
    Mono<ResponseEntity<Accepted>> accept(RequestContext context, @PathVariable String offerId,
                                          @RequestBody JsonNode body) {
        context.caller().require(Role.CLIENT);
        BodyReader reader = BodyReader.of(body);
        String jobId = reader.string("job_id", 64, true);
        BigDecimal bid = reader.decimal("bid_price", true);
        reader.validate();

        return acceptance.accept(context, offerId, jobId, bid)
                .map(trade -> ResponseEntity.status(HttpStatus.CREATED).body(new Accepted(trade.transactionId(),
                        offerId, jobId, "reserved", trade.offer().minerId(), trade.offer().price(),
                        trade.offer().unitType(), trade.createdAt(), trade.reservedUntil())));
    }

    @GetMapping("/stats")
    Mono<MarketStatsView> stats(RequestContext context) {
        return backend.query(context, new MarketStatsQuery(), MarketStatsView.class);
    }

    private Mono<OfferView> existingOffer(RequestContext context, String offerId) {
        return backend.query(context, new FindOfferQuery(offerId), OfferView.class)
                .switchIfEmpty(Mono.error(() -> ApiException.notFound("OFFER_NOT_FOUND", "No offer " + offerId)));
    }

    /**
     * The miner is registered, and its registration provides what the offer states: the rule matching
     * uses, with the offer's stated requirements as what is required. An offer cannot sell more than
     * the polls of its miner can take.
     */
    private Void providable(String minerId, JobRequirements stated) {
        MinerProfile miner = dispatch.minerProfile(minerId).orElseThrow(() -> ApiException.notFound(
                "MINER_NOT_FOUND", "Miner " + minerId + " is not registered; POST /v1/miners/register first"));
        List<String> unmet = dispatch.unmetRequirements(Capacity.of(miner), stated);
        if (!unmet.isEmpty()) {
            List<Map<String, String>> fields = unmet.stream()
                    .map(field -> Map.of("field", "requirements." + field,
                            "problem", "is more than the miner's registration provides"))
                    .toList();
            throw new ApiException(HttpStatus.BAD_REQUEST, "VALIDATION_FAILED", "The offer states "
                    + String.join(", ", unmet) + " beyond what miner " + minerId + " registered",
                    Map.of("fields", fields));
        }
        return null;
    }

    private static int cursorOffset(String cursor) {
        try {
            if (cursor.startsWith("o")) {
                return Math.max(0, Integer.parseInt(cursor.substring(1)));
            }
        } catch (NumberFormatException e) {
            // answered below like any other malformed cursor
        }
        throw ApiException.badRequest("cursor is not one this list handed out");
    }

    private static String blankToNull(String text) {
        return text == null || text.isBlank() ? null : text.trim();
    }
}
