package io.aitbc.coordinator.common.api;

import java.math.BigDecimal;

/**
 * Exact decimal amounts in {@code AITBC}. Amounts travel as decimal strings and are never
 * rounded: a price is units times unit price, exactly.
 */
public final class Money {

    public static final String CURRENCY = "AITBC";

    /** The unit of work priced per job, the default when a miner or offer names no other unit. */
    public static final String UNIT_JOB = "job";

    private Money() {
    }

    /** The canonical text of an amount: plain notation, no trailing zeros, {@code "0"} for zero. */
    public static String format(BigDecimal amount) {
        if (amount.signum() == 0) {
            return "0";
        }
        return amount.stripTrailingZeros().toPlainString();
    }

    public static BigDecimal price(BigDecimal units, BigDecimal unitPrice) {
        return units.multiply(unitPrice);
    }
}
