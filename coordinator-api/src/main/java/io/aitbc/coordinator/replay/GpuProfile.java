package io.aitbc.coordinator.replay;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;

/**
 * A simulated GPU: its memory, how fast it reads a prompt (prefill) and writes a completion
 * (decode), how many requests it serves at once, and what its miner asks per token.
 *
 * <p>In marketplace mode a miner sells on two terms, as GPU clouds do: an on-demand price at
 * registration ({@link #ON_DEMAND_MARKUP} times the base price), and offers at a discount that
 * differs from miner to miner. The markup puts every on-demand price above every offer, so a job
 * whose {@code max_price} is the market budget can only be served through an offer.
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

    static final BigDecimal ON_DEMAND_MARKUP = new BigDecimal("3");

    /** The GPU of the {@code index}-th miner (from zero): the mix repeats, so any count gets every kind. */
    static GpuProfile forMiner(int index) {
        return MIX.get(index % MIX.size());
    }

    /** The most a marketplace client pays per token: the base price of the dearest GPU, above every offer. */
    static BigDecimal marketBudget() {
        return MIX.stream().map(GpuProfile::unitPrice).max(BigDecimal::compareTo).orElseThrow();
    }

    /** What the miner asks per token when a job comes without an offer, in marketplace mode. */
    BigDecimal onDemandPrice() {
        return unitPrice.multiply(ON_DEMAND_MARKUP);
    }

    /**
     * The price of the {@code index}-th miner's offers: 70 to 90 percent of the base price, so
     * miners with the same GPU compete on price too.
     */
    BigDecimal offerPrice(int minerIndex) {
        BigDecimal discount = new BigDecimal("0.70").add(new BigDecimal("0.05")
                .multiply(BigDecimal.valueOf(minerIndex / MIX.size() % 5)));
        return unitPrice.multiply(discount).stripTrailingZeros();
    }

    /** How long this GPU takes for one request at full speed: the prompt, then the completion. */
    Duration runTime(int contextTokens, int generatedTokens) {
        long prefillNanos = contextTokens * 1_000_000_000L / prefillTokensPerSecond;
        long decodeNanos = generatedTokens * 1_000_000_000L / decodeTokensPerSecond;
        return Duration.ofNanos(prefillNanos + decodeNanos);
    }
}
