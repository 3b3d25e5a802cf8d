package io.aitbc.coordinator.replay;

import org.junit.jupiter.api.Test;

import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LatencySummaryTest {

    @Test
    void percentilesUseTheNearestRank() {
        long[] sorted = LongStream.rangeClosed(1, 100).toArray();

        assertThat(LatencySummary.percentile(sorted, 50)).isEqualTo(50);
        assertThat(LatencySummary.percentile(sorted, 90)).isEqualTo(90);
        assertThat(LatencySummary.percentile(sorted, 99)).isEqualTo(99);
        assertThat(LatencySummary.percentile(sorted, 100)).isEqualTo(100);
    }

    @Test
    void aPercentileIsAlwaysAnObservedSample() {
        long[] sorted = {10, 20, 30};

        assertThat(LatencySummary.percentile(sorted, 50)).isEqualTo(20);
        assertThat(LatencySummary.percentile(sorted, 90)).isEqualTo(30);
        assertThat(LatencySummary.percentile(new long[] {7}, 1)).isEqualTo(7);
    }

    @Test
    void summaryIsInMillisecondsWithOneDecimalWhateverTheSampleOrder() {
        long[] nanos = {3_000_000, 1_250_000, 2_000_000, 40_000_000};

        LatencySummary summary = LatencySummary.ofNanos(nanos);

        assertThat(summary).isEqualTo(new LatencySummary(4, 2.0, 40.0, 40.0, 40.0));
        assertThat(nanos).as("the samples are left as they were").containsExactly(
                3_000_000, 1_250_000, 2_000_000, 40_000_000);
    }

    @Test
    void noSamplesGiveZeroes() {
        assertThat(LatencySummary.ofNanos(new long[0])).isEqualTo(LatencySummary.EMPTY);
        assertThatThrownBy(() -> LatencySummary.percentile(new long[0], 50))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
