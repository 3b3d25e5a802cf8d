package io.aitbc.coordinator.query.stats;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * A miner's reputation, 0 to 1, from its record (see docs/marketplace.md):
 * {@code 0.5 × success + 0.3 × reliability + 0.2 × timeliness}, where
 * <ul>
 *   <li>success = (completed + 1) / (completed + failures + lease expiries + 2),</li>
 *   <li>reliability = (assignments − lease expiries + 1) / (assignments + reservation lapses + 2),</li>
 *   <li>timeliness = (timely completions + 1) / (completed + 2),</li>
 * </ul>
 * each smoothed so that a miner without history starts at 0.5 and a few events move it gradually.
 * Rounded half-even to four decimals, so the projection and any recomputation agree exactly.
 */
public final class Reputation {

    private static final MathContext EXACT_ENOUGH = MathContext.DECIMAL128;
    private static final BigDecimal SUCCESS_WEIGHT = new BigDecimal("0.5");
    private static final BigDecimal RELIABILITY_WEIGHT = new BigDecimal("0.3");
    private static final BigDecimal TIMELINESS_WEIGHT = new BigDecimal("0.2");

    private Reputation() {
    }

    public static BigDecimal of(MinerRecord record) {
        BigDecimal success = ratio(record.completed() + 1L,
                (long) record.completed() + record.failures() + record.leaseExpiries() + 2);
        BigDecimal reliability = ratio((long) record.assignments() - record.leaseExpiries() + 1,
                (long) record.assignments() + record.reservationLapses() + 2);
        BigDecimal timeliness = ratio(record.timely() + 1L, record.completed() + 2L);
        return SUCCESS_WEIGHT.multiply(success)
                .add(RELIABILITY_WEIGHT.multiply(reliability))
                .add(TIMELINESS_WEIGHT.multiply(timeliness))
                .setScale(4, RoundingMode.HALF_EVEN);
    }

    /** Completed over ended attempts, four decimals; {@code null} before any attempt ended. */
    public static BigDecimal successRate(MinerRecord record) {
        long ended = (long) record.completed() + record.failures() + record.leaseExpiries();
        return ended == 0 ? null : BigDecimal.valueOf(record.completed())
                .divide(BigDecimal.valueOf(ended), 4, RoundingMode.HALF_EVEN);
    }

    /** Mean seconds to the millisecond, {@code null} for no samples. */
    public static BigDecimal averageSeconds(long totalMillis, long samples) {
        return samples == 0 ? null : BigDecimal.valueOf(totalMillis)
                .divide(BigDecimal.valueOf(samples * 1000L), 3, RoundingMode.HALF_EVEN);
    }

    private static BigDecimal ratio(long numerator, long denominator) {
        return BigDecimal.valueOf(numerator).divide(BigDecimal.valueOf(denominator), EXACT_ENOUGH);
    }
}
