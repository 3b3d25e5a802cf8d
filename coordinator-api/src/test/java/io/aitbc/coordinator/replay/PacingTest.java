package io.aitbc.coordinator.replay;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PacingTest {

    @Test
    void traceTimeIsDividedByTheSpeed() {
        assertThat(Pacing.scale(Duration.ofSeconds(60), 1)).isEqualTo(Duration.ofSeconds(60));
        assertThat(Pacing.scale(Duration.ofSeconds(60), 10)).isEqualTo(Duration.ofSeconds(6));
        assertThat(Pacing.scale(Duration.ofSeconds(3), 0.5)).isEqualTo(Duration.ofSeconds(6));
        assertThat(Pacing.scale(Duration.ofNanos(1_000), 3)).isEqualTo(Duration.ofNanos(333));
    }

    @Test
    void speedZeroRemovesEveryWait() {
        assertThat(Pacing.scale(Duration.ofHours(1), 0)).isZero();
    }

    @Test
    void aRowIsDueAtTheStartPlusItsScaledArrival() {
        TraceRow row = new TraceRow(7, Duration.ofMillis(4_000), 10, 10);

        assertThat(Pacing.dueAt(1_000L, row, 4)).isEqualTo(1_000L + 1_000_000_000L);
        assertThat(Pacing.dueAt(1_000L, row, 0)).isEqualTo(1_000L);
    }

    @Test
    void aNegativeSpeedIsRefused() {
        assertThatThrownBy(() -> Pacing.scale(Duration.ofSeconds(1), -1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void runTimeIsPrefillThenDecodeAtTheGpusSpeeds() {
        GpuProfile gpu = new GpuProfile("test GPU", 24_576, 4_000, 40, 2, java.math.BigDecimal.ONE);

        // 2,000 prompt tokens at 4,000/s and 100 completion tokens at 40/s
        assertThat(gpu.runTime(2_000, 100)).isEqualTo(Duration.ofMillis(500 + 2_500));
        assertThat(gpu.runTime(0, 0)).isZero();
    }

    @Test
    void everyMinerCountGetsTheWholeMixInTurn() {
        assertThat(GpuProfile.forMiner(0)).isEqualTo(GpuProfile.MIX.get(0));
        assertThat(GpuProfile.forMiner(GpuProfile.MIX.size())).isEqualTo(GpuProfile.MIX.get(0));
        assertThat(GpuProfile.forMiner(1).decodeTokensPerSecond())
                .isNotEqualTo(GpuProfile.forMiner(2).decodeTokensPerSecond());
    }
}
