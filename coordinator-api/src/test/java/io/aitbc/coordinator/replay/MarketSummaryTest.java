package io.aitbc.coordinator.replay;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.aitbc.coordinator.replay.ReplayLedger.Completion;
import io.aitbc.coordinator.replay.ReplayLedger.Handout;
import io.aitbc.coordinator.replay.ReplayLedger.Purchase;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class MarketSummaryTest {

    private final ReplayLedger ledger = new ReplayLedger();

    @Test
    void volumeIsTheExactSumOfVerifiedReceiptPricesByHowEachJobWasSold() {
        // given: one job bought through an offer, one matched to an offer, one at registration price
        sold("job_a", "offer_1", "0.0000021");
        ledger.purchased(new Purchase("job_a", "offer_1", "miner_1", "0.0000021", Instant.EPOCH));
        sold("job_b", "offer_2", "0.0000028");
        sold("job_c", null, "0.000012");
        Map<String, ReceiptOutcome> receipts = Map.of(
                "job_a", receipt("job_a", "0.0000021", "0.0002121"),
                "job_b", receipt("job_b", "0.0000028", "0.0000028"),
                "job_c", receipt("job_c", "0.000012", "0.012"));

        // when
        MarketSummary summary = MarketSummary.of(ledger.snapshot(), receipts, 5, Map.of("accepted", 1L),
                "0.0122149");

        // then
        assertThat(summary.jobs()).containsExactly(Map.entry("all", 3), Map.entry("bought_through_offer", 1),
                Map.entry("matched_to_offer", 1), Map.entry("at_registration_price", 1));
        assertThat(summary.volume()).containsEntry("all", "0.0122149")
                .containsEntry("bought_through_offer", "0.0002121")
                .containsEntry("at_registration_price", "0.012");
        assertThat(summary.minUnitPrice()).isEqualTo("0.0000021");
        assertThat(summary.maxUnitPrice()).isEqualTo("0.000012");
        assertThat(summary.statsAgree()).isTrue();
    }

    @Test
    void aBoughtJobThatRanThroughAnotherOfferCountsAsMatchedAndLapsed() {
        // given: bought through offer_1, whose reservation lapsed; another miner's offer_2 ran it
        sold("job_a", "offer_2", "0.0000028");
        ledger.purchased(new Purchase("job_a", "offer_1", "miner_9", "0.0000021", Instant.EPOCH));
        Map<String, ReceiptOutcome> receipts = Map.of("job_a", receipt("job_a", "0.0000028", "0.0000028"));

        // when
        MarketSummary summary = MarketSummary.of(ledger.snapshot(), receipts, 2, Map.of("bought", 1L), "0.0000028");

        // then
        assertThat(summary.lapsedPurchases()).isOne();
        assertThat(summary.jobs()).containsEntry("bought_through_offer", 0).containsEntry("matched_to_offer", 1);
    }

    @Test
    void receiptsThatFailedVerificationCountForNothing() {
        sold("job_a", null, "0.000012");
        Map<String, ReceiptOutcome> receipts = Map.of("job_a",
                new ReceiptOutcome("job_a", true, List.of("signature does not verify"), "0.000012", "0.012"));

        MarketSummary summary = MarketSummary.of(ledger.snapshot(), receipts, 0, Map.of(), "0.012");

        assertThat(summary.volume()).containsEntry("all", "0");
        assertThat(summary.statsAgree()).isFalse();
    }

    @Test
    void theJsonFormCarriesVolumesAsDecimalStrings() throws Exception {
        sold("job_a", null, "0.000012");
        MarketSummary summary = MarketSummary.of(ledger.snapshot(),
                Map.of("job_a", receipt("job_a", "0.000012", "0.012")), 1, Map.of(), null);

        String json = new ObjectMapper().writeValueAsString(summary.json());

        assertThat(json).contains("\"volume\":{\"all\":\"0.012\"", "\"stats_agree\":false");
    }

    @Test
    void onDemandPricesLieAboveEveryOfferAndTheBudgetBetween() {
        BigDecimal budget = GpuProfile.marketBudget();

        for (int miner = 0; miner < 20; miner++) {
            GpuProfile gpu = GpuProfile.forMiner(miner);
            assertThat(gpu.offerPrice(miner)).isLessThan(gpu.unitPrice()).isLessThanOrEqualTo(budget);
            assertThat(gpu.onDemandPrice()).isGreaterThan(budget);
        }
        assertThat(GpuProfile.forMiner(0).offerPrice(0)).isNotEqualByComparingTo(GpuProfile.forMiner(4).offerPrice(4));
    }

    @Test
    void onlyActiveOffersWithJobsLeftWithinTheBudgetAreBought() throws Exception {
        var page = new ObjectMapper().readTree("""
                {"offers": [
                  {"offer_id": "o1", "miner_id": "m1", "price": "0.0000021", "unit_type": "tokens",
                   "status": "active", "jobs_left": 3},
                  {"offer_id": "o2", "miner_id": "m2", "price": "0.000001", "unit_type": "tokens",
                   "status": "sold_out", "jobs_left": 0},
                  {"offer_id": "o3", "miner_id": "m3", "price": "0.000001", "unit_type": "tokens",
                   "status": "active", "jobs_left": 0},
                  {"offer_id": "o4", "miner_id": "m4", "price": "0.5", "unit_type": "tokens",
                   "status": "active", "jobs_left": 9},
                  {"offer_id": "o5", "miner_id": "m5", "price": "0.0000001", "unit_type": "job",
                   "status": "active", "jobs_left": 9}]}""");

        assertThat(OfferBuyer.listed(page)).containsExactly(
                new OfferBuyer.Listed("o1", "m1", new BigDecimal("0.0000021")));
    }

    private void sold(String jobId, String offerId, String unitPrice) {
        ledger.submitted(new TraceRow(2, Duration.ZERO, 100, 1), jobId, "digest", 0, 1);
        ledger.handedOut(new Handout(jobId, "miner_1", 1, unitPrice, offerId, 2, Instant.EPOCH));
        ledger.completed(new Completion(jobId, "miner_1", "rcpt_" + jobId, 101, unitPrice, "digest", 3));
    }

    private static ReceiptOutcome receipt(String jobId, String unitPrice, String price) {
        return new ReceiptOutcome(jobId, true, List.of(), unitPrice, price);
    }
}
