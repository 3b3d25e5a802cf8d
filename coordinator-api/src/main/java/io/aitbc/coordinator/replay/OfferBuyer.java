package io.aitbc.coordinator.replay;

import com.fasterxml.jackson.databind.JsonNode;
import io.aitbc.coordinator.replay.CoordinatorClient.Answer;
import io.aitbc.coordinator.replay.CoordinatorClient.Call;
import io.aitbc.coordinator.replay.ReplayLedger.Purchase;

import java.math.BigDecimal;
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
 * The client's side of the marketplace: for the jobs it takes to the market, it accepts the
 * cheapest offer on sale, bidding the offer's price.
 *
 * <p>The offer list is read at most once a second and after every 410, so buying costs one
 * request per job in the steady state. A 410 (the offer was used up or ended meanwhile) tries the
 * next cheapest offer, up to {@link #TRIES} times; a 409 means a miner's poll matched the job to an
 * offer first, which the contract allows.
 */
final class OfferBuyer {

    static final int TRIES = 3;
    private static final long LIST_MAX_AGE_NANOS = 1_000_000_000L;

    /** An offer as the list shows it. */
    record Listed(String offerId, String minerId, BigDecimal price) {
    }

    record Bid(String jobId, String bidPrice) {
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

    /** Buys the job from the cheapest offer; completes when the coordinator has answered. */
    CompletableFuture<Void> buy(String jobId) {
        return attempt(jobId, 1);
    }

    /** How the acceptances ended: {@code accepted}, {@code lost_race_409}, {@code offer_gone_410}, … */
    Map<String, Long> outcomes() {
        Map<String, Long> counts = new TreeMap<>();
        outcomes.forEach((outcome, count) -> counts.put(outcome, count.sum()));
        return counts;
    }

    private CompletableFuture<Void> attempt(String jobId, int tryNumber) {
        return cheapest().thenCompose(offer -> {
            if (offer == null) {
                count("no_offer_on_sale");
                return CompletableFuture.completedFuture(null);
            }
            Call accept = Call.post("/v1/marketplace/offers/" + offer.offerId() + "/accept",
                    "POST /v1/marketplace/offers/{offer_id}/accept", apiKey,
                    new Bid(jobId, offer.price().toPlainString()));
            return client.sendAsync(accept).thenCompose(answer -> settle(jobId, tryNumber, offer, answer));
        });
    }

    private CompletableFuture<Void> settle(String jobId, int tryNumber, Listed offer, Answer answer) {
        if (answer.status() == 201) {
            count("accepted");
            JsonNode trade = answer.body();
            ledger.purchased(new Purchase(jobId, offer.offerId(), trade.path("miner_id").asText(offer.minerId()),
                    trade.path("price").asText(offer.price().toPlainString())));
            return CompletableFuture.completedFuture(null);
        }
        if (answer.status() == 410 && tryNumber < TRIES) {
            soldOut.add(offer.offerId());
            listedAt = 0;
            return attempt(jobId, tryNumber + 1);
        }
        count(answer.status() == 409 ? "lost_race_409" : answer.status() == 410 ? "offer_gone_410"
                : "refused_" + answer.status() + "_" + answer.errorCode());
        return CompletableFuture.completedFuture(null);
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

    private void count(String outcome) {
        outcomes.computeIfAbsent(outcome, key -> new LongAdder()).increment();
    }
}
