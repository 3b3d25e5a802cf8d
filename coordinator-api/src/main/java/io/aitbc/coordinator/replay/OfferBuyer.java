package io.aitbc.coordinator.replay;

import com.fasterxml.jackson.databind.JsonNode;
import io.aitbc.coordinator.replay.CoordinatorClient.Answer;
import io.aitbc.coordinator.replay.CoordinatorClient.Call;
import io.aitbc.coordinator.replay.ReplayLedger.Purchase;
import io.aitbc.coordinator.replay.TraceSubmitter.SubmitJob;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The client's side of the marketplace: the jobs it takes to the market it submits through the
 * cheapest offer on sale, naming the offer in the submission and bidding its price, so each job is
 * queued already reserved for the offer's miner and no poll can match it first.
 *
 * <p>The offer list is read at most once a second and after every 410, so buying costs one
 * request per job in the steady state. A 410 (the offer was used up or ended meanwhile) tries the
 * next cheapest offer, up to {@link #TRIES} times; when no offer is on sale, or every try was
 * refused (4xx), the job is submitted without an offer and left to matching. Each try carries an
 * {@code Idempotency-Key} of its own, as its body names another offer. Any other answer, after the
 * client's own retries, is the row's answer: whether the job was stored is unknown then.
 */
final class OfferBuyer {

    static final int TRIES = 3;
    private static final long LIST_MAX_AGE_NANOS = 1_000_000_000L;

    /** An offer as the list shows it. */
    record Listed(String offerId, String minerId, BigDecimal price) {
    }

    /** The body of {@code POST /v1/jobs} naming the offer to buy the job through. */
    record Bought(String type, String name, JsonNode payload, String maxPrice, Integer ttlSeconds, String offerId,
                  String bidPrice) {

        static Bought of(SubmitJob job, Listed offer) {
            return new Bought(job.type(), job.name(), job.payload(), job.maxPrice(), job.ttlSeconds(),
                    offer.offerId(), offer.price().toPlainString());
        }
    }

    private final CoordinatorClient client;
    private final ReplayLedger ledger;
    private final String apiKey;
    private final Set<String> soldOut = ConcurrentHashMap.newKeySet();
    private final Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();
    private volatile List<Listed> offers = List.of();
    private volatile long listedAt;

    OfferBuyer(CoordinatorClient client, ReplayLedger ledger, String apiKey) {
        this.client = client;
        this.ledger = ledger;
        this.apiKey = apiKey;
    }

    /**
     * Submits the job through the cheapest offer on sale, or without one when none takes it;
     * completes with the coordinator's last answer to {@code POST /v1/jobs}.
     */
    CompletableFuture<Answer> submit(SubmitJob job, String idempotencyKey) {
        return attempt(job, idempotencyKey, 1);
    }

    /** How the purchases ended: {@code bought}, {@code offer_gone_410}, {@code no_offer_on_sale}, … */
    Map<String, Long> outcomes() {
        Map<String, Long> counts = new TreeMap<>();
        outcomes.forEach((outcome, count) -> counts.put(outcome, count.sum()));
        return counts;
    }

    private CompletableFuture<Answer> attempt(SubmitJob job, String idempotencyKey, int tryNumber) {
        return cheapest().thenCompose(offer -> {
            if (offer == null) {
                count("no_offer_on_sale");
                return withoutOffer(job, idempotencyKey);
            }
            Call submit = Call.post("/v1/jobs", "POST /v1/jobs", apiKey, Bought.of(job, offer))
                    .withIdempotencyKey(idempotencyKey + "-offer-" + tryNumber);
            return client.sendAsync(submit).thenCompose(answer -> settle(job, idempotencyKey, tryNumber, offer,
                    answer));
        });
    }

    private CompletableFuture<Answer> settle(SubmitJob job, String idempotencyKey, int tryNumber, Listed offer,
                                             Answer answer) {
        if (answer.status() == 201) {
            count("bought");
            JsonNode bought = answer.body();
            ledger.purchased(new Purchase(bought.path("job_id").asText(), offer.offerId(),
                    bought.path("miner_id").asText(offer.minerId()),
                    bought.path("unit_price").asText(offer.price().toPlainString()),
                    instant(bought.path("reserved_until").asText(null))));
            return CompletableFuture.completedFuture(answer);
        }
        if (answer.status() == 410 && tryNumber < TRIES) {
            soldOut.add(offer.offerId());
            listedAt = 0;
            return attempt(job, idempotencyKey, tryNumber + 1);
        }
        count(answer.status() == 410 ? "offer_gone_410" : "refused_" + answer.status() + "_" + answer.errorCode());
        if (answer.status() / 100 != 4) {
            // whether the job was stored is unknown: submitting it again could make two jobs of one row
            return CompletableFuture.completedFuture(answer);
        }
        return withoutOffer(job, idempotencyKey);
    }

    private CompletableFuture<Answer> withoutOffer(SubmitJob job, String idempotencyKey) {
        return client.sendAsync(Call.post("/v1/jobs", "POST /v1/jobs", apiKey, job)
                .withIdempotencyKey(idempotencyKey));
    }

    private CompletableFuture<Listed> cheapest() {
        if (System.nanoTime() - listedAt < LIST_MAX_AGE_NANOS) {
            return CompletableFuture.completedFuture(pick(offers));
        }
        Call list = Call.get("/v1/marketplace/offers?job_type=" + SimulatedMiner.JOB_TYPE + "&limit=200",
                "GET /v1/marketplace/offers", apiKey);
        return client.sendAsync(list).thenApply(answer -> {
            if (answer.ok()) {
                offers = listed(answer.body());
                listedAt = System.nanoTime();
                soldOut.clear();
            }
            return pick(offers);
        });
    }

    private Listed pick(List<Listed> candidates) {
        return candidates.stream()
                .filter(offer -> !soldOut.contains(offer.offerId()))
                .min(Comparator.comparing(Listed::price))
                .orElse(null);
    }

    /** Offers on sale with jobs left, in tokens, at a price the market budget covers. */
    static List<Listed> listed(JsonNode page) {
        List<Listed> found = new ArrayList<>();
        BigDecimal budget = GpuProfile.marketBudget();
        for (JsonNode offer : page.path("offers")) {
            BigDecimal price = ReplayMoney.parse(offer.path("price").asText(null));
            boolean onSale = "active".equals(offer.path("status").asText()) && offer.path("jobs_left").asInt(0) > 0
                    && "tokens".equals(offer.path("unit_type").asText("tokens"));
            if (onSale && price != null && price.compareTo(budget) <= 0) {
                found.add(new Listed(offer.path("offer_id").asText(), offer.path("miner_id").asText(), price));
            }
        }
        return found;
    }

    private static Instant instant(String text) {
        try {
            return text == null ? null : Instant.parse(text);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private void count(String outcome) {
        outcomes.computeIfAbsent(outcome, key -> new LongAdder()).increment();
    }
}
