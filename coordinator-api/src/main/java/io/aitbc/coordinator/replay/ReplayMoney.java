package io.aitbc.coordinator.replay;

import java.math.BigDecimal;

/** Compares amounts as the coordinator writes them: decimal strings, equal when their values are. */
final class ReplayMoney {

    private ReplayMoney() {
    }

    /** True when {@code text} is a decimal whose value equals {@code amount}; false for anything unreadable. */
    static boolean sameAmount(String text, BigDecimal amount) {
        BigDecimal value = parse(text);
        return value != null && amount != null && value.compareTo(amount) == 0;
    }

    /** The amount, or {@code null} when the text is missing or not a decimal. */
    static BigDecimal parse(String text) {
        if (text == null) {
            return null;
        }
        try {
            return new BigDecimal(text);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
