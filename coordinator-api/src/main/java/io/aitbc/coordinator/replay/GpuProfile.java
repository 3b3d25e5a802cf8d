package io.aitbc.coordinator.replay;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;

/**
 * A simulated GPU: its memory, how fast it reads a prompt (prefill) and writes a completion
 * (decode), how many requests it serves at once, and what its miner asks per token.
 *
 * <p>The speeds are round figures of the right order for serving a mid-sized open model on one
 * card; they give the replay a realistic spread of run times, not a benchmark of the cards.
 */
record GpuProfile(
        String name,
        int memoryMb,
        int prefillTokensPerSecond,
        int decodeTokensPerSecond,
        int concurrency,
        BigDecimal unitPrice) {

    /** The mix the simulated miners are drawn from, fastest and dearest first. */
    static final List<GpuProfile> MIX = List.of(
            new GpuProfile("NVIDIA H100 80GB HBM3", 81_920, 12_000, 90, 8, new BigDecimal("0.000004")),
            new GpuProfile("NVIDIA A100-SXM4-80GB", 81_920, 8_000, 60, 8, new BigDecimal("0.000003")),
            new GpuProfile("NVIDIA L40S", 46_068, 5_000, 45, 4, new BigDecimal("0.000002")),
            new GpuProfile("NVIDIA GeForce RTX 4090", 24_564, 4_000, 40, 2, new BigDecimal("0.0000015")));

    /** The GPU of the {@code index}-th miner (from zero): the mix repeats, so any count gets every kind. */
    static GpuProfile forMiner(int index) {
        return MIX.get(index % MIX.size());
    }

    /** How long this GPU takes for one request at full speed: the prompt, then the completion. */
    Duration runTime(int contextTokens, int generatedTokens) {
        long prefillNanos = contextTokens * 1_000_000_000L / prefillTokensPerSecond;
        long decodeNanos = generatedTokens * 1_000_000_000L / decodeTokensPerSecond;
        return Duration.ofNanos(prefillNanos + decodeNanos);
    }
}
