package io.aitbc.coordinator.query.dispatch;

import io.aitbc.coordinator.job.api.JobRequirements;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class CapacityTest {

    private static final Capacity REGISTERED = Capacity.of(new MinerProfile("miner_1", List.of(),
            List.of("nvidia a100", "nvidia l4"), 81920, List.of("llama", "whisper"), "eu", 2, BigDecimal.ONE,
            "job"));

    @Test
    void offerStatingNothingSellsTheRegistration() {
        assertThat(REGISTERED.soldThrough(null)).isEqualTo(REGISTERED);
        assertThat(REGISTERED.soldThrough(JobRequirements.NONE)).isEqualTo(REGISTERED);
    }

    @Test
    void eachStatedFieldReplacesTheRegistrationsAndTheRestStay() {
        Capacity sold = REGISTERED.soldThrough(new JobRequirements("L4", 24, List.of(), null));

        assertThat(sold).isEqualTo(new Capacity(List.of("L4"), 24 * 1024, List.of("llama", "whisper"), "eu"));
    }

    @Test
    void offerStatingEverythingSellsExactlyThat() {
        Capacity sold = REGISTERED.soldThrough(new JobRequirements("A100", 80, List.of("whisper"), "eu"));

        assertThat(sold).isEqualTo(new Capacity(List.of("A100"), 80 * 1024, List.of("whisper"), "eu"));
    }
}
