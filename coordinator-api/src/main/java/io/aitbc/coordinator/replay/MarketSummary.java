package io.aitbc.coordinator.replay;

import io.aitbc.coordinator.common.api.Money;
import io.aitbc.coordinator.replay.ReplayLedger.Handout;
import io.aitbc.coordinator.replay.ReplayLedger.Snapshot;
import io.aitbc.coordinator.replay.ReplayLedger.Submission;

import java.math.BigDecimal;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What the marketplace did in a replay: offers published, how the client's purchases ended, and
 * the money, summed exactly from the verified receipts, by how each job was sold: bought through
 * an offer, matched to an offer by a miner's poll, or run at the miner's registration price.
 *
 * @param purchaseOutcomes how many purchases ended which way ({@code bought}, {@code offer_gone_410}, …)
 * @param lapsedPurchases  jobs bought whose reservation lapsed before their miner took them, so another
 *                         miner ran them; they count as matched or at registration price
 * @param jobs             completed jobs with a verified receipt, by how they were sold
 * @param volume           the sum of their receipt prices, by how they were sold, decimal strings
 * @param statsTotalVolume what {@code GET /v1/marketplace/stats} reports; it equals {@code volume.all}
 *                         when the coordinator served nothing but this replay
 */
record MarketSummary(
        int offersPublished,
        Map<String, Long> purchaseOutcomes,
        int lapsedPurchases,
        Map<String, Integer> jobs,
        Map<String, String> volume,
        String minUnitPrice,
        String maxUnitPrice,
        String statsTotalVolume) {

    static final String BOUGHT = "bought_through_offer";
    static final String MATCHED = "matched_to_offer";
    static final String REGISTRATION = "at_registration_price";
    static final String ALL = "all";

    static MarketSummary of(Snapshot ledger, Map<String, ReceiptOutcome> receipts, int offersPublished,
                            Map<String, Long> purchaseOutcomes, String statsTotalVolume) {
        Set<String> submitted = new HashSet<>();
        ledger.submissions().stream().map(Submission::jobId).forEach(submitted::add);
        Map<String, String> boughtThrough = new HashMap<>();
        ledger.purchases().forEach(purchase -> boughtThrough.put(purchase.jobId(), purchase.offerId()));
        Map<String, String> completedBy = new HashMap<>();
        ledger.completions().forEach(completion -> completedBy.putIfAbsent(completion.jobId(), completion.minerId()));
        Map<String, String> offerOfCompletingHandout = new HashMap<>();
        for (Handout handout : ledger.handouts()) {
            if (handout.minerId().equals(completedBy.get(handout.jobId())) && handout.offerId() != null) {
                offerOfCompletingHandout.put(handout.jobId(), handout.offerId());
            }
        }

        Map<String, Integer> jobs = new LinkedHashMap<>();
        Map<String, BigDecimal> volume = new LinkedHashMap<>();
        for (String kind : new String[] {ALL, BOUGHT, MATCHED, REGISTRATION}) {
            jobs.put(kind, 0);
            volume.put(kind, BigDecimal.ZERO);
        }
        BigDecimal min = null;
        BigDecimal max = null;
        int lapsed = 0;
        for (ReceiptOutcome receipt : receipts.values()) {
            BigDecimal price = ReplayMoney.parse(receipt.price());
            BigDecimal unitPrice = ReplayMoney.parse(receipt.unitPrice());
            if (!receipt.verified() || !submitted.contains(receipt.jobId()) || price == null || unitPrice == null) {
                continue;
            }
            String ranThrough = offerOfCompletingHandout.get(receipt.jobId());
            boolean bought = boughtThrough.containsKey(receipt.jobId());
            if (bought && !Objects.equals(boughtThrough.get(receipt.jobId()), ranThrough)) {
                lapsed++;
            }
            String kind = bought && Objects.equals(boughtThrough.get(receipt.jobId()), ranThrough) ? BOUGHT
                    : ranThrough != null ? MATCHED : REGISTRATION;
            for (String counted : new String[] {ALL, kind}) {
                jobs.merge(counted, 1, Integer::sum);
                volume.merge(counted, price, BigDecimal::add);
            }
            min = min == null || unitPrice.compareTo(min) < 0 ? unitPrice : min;
            max = max == null || unitPrice.compareTo(max) > 0 ? unitPrice : max;
        }

        Map<String, String> volumeText = new LinkedHashMap<>();
        volume.forEach((kind, amount) -> volumeText.put(kind, Money.format(amount)));
        return new MarketSummary(offersPublished, purchaseOutcomes, lapsed, jobs, volumeText,
                min == null ? null : Money.format(min), max == null ? null : Money.format(max), statsTotalVolume);
    }

    /** True when the coordinator's own figure equals the sum of the receipts the replay verified. */
    boolean statsAgree() {
        BigDecimal stats = ReplayMoney.parse(statsTotalVolume);
        return stats != null && stats.compareTo(new BigDecimal(volume.get(ALL))) == 0;
    }

    Map<String, Object> json() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("offers_published", offersPublished);
        json.put("purchase_outcomes", purchaseOutcomes);
        json.put("lapsed_purchases", lapsedPurchases);
        json.put("jobs", jobs);
        json.put("volume", volume);
        json.put("unit_price_min", minUnitPrice);
        json.put("unit_price_max", maxUnitPrice);
        json.put("stats_total_volume", statsTotalVolume);
        json.put("stats_agree", statsAgree());
        return json;
    }
}
