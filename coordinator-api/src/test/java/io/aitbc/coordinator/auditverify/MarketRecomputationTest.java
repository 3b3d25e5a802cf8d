package io.aitbc.coordinator.auditverify;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class MarketRecomputationTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant T = Instant.parse("2026-01-05T10:00:00Z");

    private final MarketRecomputation recomputation = new MarketRecomputation();

    @Test
    void minerWithoutHistoryStartsAtHalf() {
        feed("MinerRegistered", T, "miner_id", "m1", "registered_at", T.toString());

        var figures = recomputation.miners().get("m1");

        assertThat(figures.reputation()).isEqualByComparingTo("0.5");
        assertThat(figures.successRate()).isNull();
        assertThat(figures.averageCompletionTime()).isNull();
        assertThat(figures.totalEarned()).isEqualByComparingTo("0");
        assertThat(figures.activeSince()).isEqualTo(T);
    }

    @Test
    void reputationWeighsSuccessReliabilityAndTimeliness() {
        // given: one completion within the first lease, one lapsed lease, one reservation not taken
        feed("MinerRegistered", T, "miner_id", "m1", "registered_at", T.toString());
        feed("JobSubmitted", T, "job_id", "j1", "submitted_at", T.toString());
        feed("JobAssigned", T, "job_id", "j1", "miner_id", "m1", "assigned_at", at(1), "lease_expires_at", at(61));
        feed("JobCompleted", T, "job_id", "j1", "miner_id", "m1", "price", "0.2", "started_at", at(1),
                "completed_at", at(11));
        feed("JobSubmitted", T, "job_id", "j2", "submitted_at", at(2));
        feed("JobAssigned", T, "job_id", "j2", "miner_id", "m1", "assigned_at", at(3), "lease_expires_at", at(63));
        feed("JobRequeued", T, "job_id", "j2", "miner_id", "m1", "reason", "lease_expired", "requeued_at", at(64));
        feed("JobReservationLapsed", T, "job_id", "j2", "miner_id", "m1", "lapsed_at", at(70));

        // when
        var figures = recomputation.miners().get("m1");
        var market = recomputation.market(T.plusSeconds(80), Duration.ofMinutes(10));

        // then: 0.5 × 2/4 + 0.3 × 2/5 + 0.2 × 2/3
        assertThat(figures.reputation()).isEqualByComparingTo("0.5033");
        assertThat(figures.successRate()).isEqualByComparingTo("0.5");
        assertThat(figures.totalJobs()).isEqualTo(2);
        assertThat(figures.averageCompletionTime()).isEqualByComparingTo("10");
        assertThat(market.totalJobs()).isEqualTo(2);
        assertThat(market.activeJobs()).isEqualTo(1);
        assertThat(market.completedJobs()).isEqualTo(1);
        assertThat(market.averageCompletionTime()).isEqualByComparingTo("11");
        assertThat(market.totalVolume()).isEqualByComparingTo(new BigDecimal("0.2"));
        assertThat(market.activeMiners()).isEqualTo(1);
        assertThat(recomputation.market(T.plusSeconds(700), Duration.ofMinutes(10)).activeMiners()).isZero();
    }

    @Test
    void offerIsOpenWhileOnSaleWithJobsLeftAndBeforeItsTime() {
        feed("OfferPublished", T, "offer_id", "o1", "miner_id", "m1", "published_at", T.toString(),
                "expires_at", at(100));
        assertThat(open(50)).isOne();
        assertThat(open(100)).isZero();

        feed("OfferUsedUp", T, "offer_id", "o1");
        assertThat(open(50)).isZero();

        feed("OfferSlotReleased", T, "offer_id", "o1");
        assertThat(open(50)).isOne();

        feed("OfferWithdrawn", T, "offer_id", "o1");
        assertThat(open(50)).isZero();
    }

    private long open(int secondsAfter) {
        return recomputation.market(T.plusSeconds(secondsAfter), Duration.ofMinutes(10)).openOffers();
    }

    private void feed(String type, Instant timestamp, String... fields) {
        ObjectNode data = JSON.createObjectNode();
        for (int i = 0; i < fields.length; i += 2) {
            data.put(fields[i], fields[i + 1]);
        }
        recomputation.accept(type, data, timestamp);
    }

    private static String at(int secondsAfter) {
        return T.plusSeconds(secondsAfter).toString();
    }
}
