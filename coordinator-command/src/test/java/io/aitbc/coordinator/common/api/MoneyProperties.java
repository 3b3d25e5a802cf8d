package io.aitbc.coordinator.common.api;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

import java.math.BigDecimal;
import java.math.BigInteger;

import static org.assertj.core.api.Assertions.assertThat;

class MoneyProperties {

    @Property
    void formattedAmountHasNoExponent(@ForAll("amounts") BigDecimal amount) {
        assertThat(Money.format(amount)).matches("-?[0-9]+(\\.[0-9]+)?");
    }

    @Property
    void formattedAmountHasNoTrailingZeros(@ForAll("amounts") BigDecimal amount) {
        String text = Money.format(amount);

        if (text.contains(".")) {
            assertThat(text).doesNotEndWith("0");
        }
    }

    @Property
    void formattedAmountHasNoLeadingZeros(@ForAll("amounts") BigDecimal amount) {
        assertThat(Money.format(amount)).doesNotMatch("-?0[0-9].*");
    }

    @Property
    void formattedAmountKeepsItsValue(@ForAll("amounts") BigDecimal amount) {
        assertThat(new BigDecimal(Money.format(amount))).isEqualByComparingTo(amount);
    }

    @Property
    void equalAmountsReadTheSameWhateverTheirScale(@ForAll("amounts") BigDecimal amount,
                                                   @ForAll @IntRange(min = 0, max = 30) int extraDigits) {
        BigDecimal samePadded = amount.setScale(amount.scale() + extraDigits);

        assertThat(Money.format(samePadded)).isEqualTo(Money.format(amount));
    }

    @Property
    void zeroReadsZeroWhateverItsScale(@ForAll @IntRange(min = -40, max = 40) int scale) {
        assertThat(Money.format(BigDecimal.ZERO.setScale(scale))).isEqualTo("0");
    }

    /** Any sign, up to 30 digits, scales from 10^40 (exponent form) to 10^-40. */
    @Provide
    Arbitrary<BigDecimal> amounts() {
        BigInteger limit = BigInteger.TEN.pow(30);
        return Combinators.combine(Arbitraries.bigIntegers().between(limit.negate(), limit),
                        Arbitraries.integers().between(-40, 40))
                .as(BigDecimal::new);
    }
}
