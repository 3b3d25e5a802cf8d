package io.aitbc.coordinator.job;

import io.aitbc.coordinator.job.api.CompleteJobCommand;
import io.aitbc.coordinator.job.api.JobAssignedEvent;
import io.aitbc.coordinator.job.api.JobCompletedEvent;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.axonframework.test.aggregate.AggregateTestFixture;

import java.math.BigDecimal;
import java.math.BigInteger;

import static io.aitbc.coordinator.job.FixtureMatchers.onlyEvent;
import static io.aitbc.coordinator.job.JobHistory.ASSIGNED_AT;
import static io.aitbc.coordinator.job.JobHistory.DURING_LEASE;
import static io.aitbc.coordinator.job.JobHistory.JOB_ID;
import static io.aitbc.coordinator.job.JobHistory.LEASE_ENDS;
import static io.aitbc.coordinator.job.JobHistory.MINER_ID;
import static io.aitbc.coordinator.job.JobHistory.OFFER_ID;
import static io.aitbc.coordinator.job.JobHistory.RESULT;
import static io.aitbc.coordinator.job.JobHistory.RESULT_SHA256;
import static io.aitbc.coordinator.job.JobHistory.SUBMITTED_AT;
import static io.aitbc.coordinator.job.JobHistory.TOKENS;
import static io.aitbc.coordinator.job.JobHistory.submitted;
import static org.assertj.core.api.Assertions.assertThat;

class JobPriceProperties {

    @Property(tries = 200)
    void priceIsUnitsTimesUnitPriceExactly(@ForAll("units") BigDecimal units,
                                           @ForAll("unitPrices") BigDecimal unitPrice) {
        // computed from the unscaled digits, apart from BigDecimal.multiply, so rounding anywhere shows
        BigDecimal exactProduct = new BigDecimal(units.unscaledValue().multiply(unitPrice.unscaledValue()),
                units.scale() + unitPrice.scale());

        new AggregateTestFixture<>(JobAggregate.class)
                .givenCurrentTime(SUBMITTED_AT)
                .andGiven(submitted(), assignedAt(unitPrice, TOKENS))
                .andGivenCurrentTime(DURING_LEASE)
                .when(new CompleteJobCommand(JOB_ID, MINER_ID, RESULT, RESULT_SHA256, units, TOKENS, null, null))
                .expectEventsMatching(onlyEvent(JobCompletedEvent.class, event -> {
                    assertThat(event.units()).isEqualByComparingTo(units);
                    assertThat(event.unitPrice()).isEqualByComparingTo(unitPrice);
                    assertThat(event.price()).isEqualByComparingTo(exactProduct);
                }));
    }

    @Property(tries = 50)
    void jobSoldPerJobCostsItsUnitPriceWhateverTheMinerCounted(@ForAll("units") BigDecimal units,
                                                               @ForAll("unitPrices") BigDecimal unitPrice) {
        new AggregateTestFixture<>(JobAggregate.class)
                .givenCurrentTime(SUBMITTED_AT)
                .andGiven(submitted(), assignedAt(unitPrice, "job"))
                .andGivenCurrentTime(DURING_LEASE)
                .when(new CompleteJobCommand(JOB_ID, MINER_ID, RESULT, RESULT_SHA256, units, TOKENS, null, null))
                .expectEventsMatching(onlyEvent(JobCompletedEvent.class,
                        event -> assertThat(event.price()).isEqualByComparingTo(unitPrice)));
    }

    /** Counts of work: whole or fractional (seconds, GPU hours), up to 10^15, also in exponent form. */
    @Provide
    Arbitrary<BigDecimal> units() {
        return decimals(BigInteger.TEN.pow(15), -3, 9);
    }

    /** Prices per unit, down to 10^-18 AITBC. */
    @Provide
    Arbitrary<BigDecimal> unitPrices() {
        return decimals(BigInteger.TEN.pow(12), -2, 18);
    }

    private static Arbitrary<BigDecimal> decimals(BigInteger maxUnscaled, int minScale, int maxScale) {
        return Combinators.combine(Arbitraries.bigIntegers().between(BigInteger.ZERO, maxUnscaled),
                        Arbitraries.integers().between(minScale, maxScale))
                .as(BigDecimal::new);
    }

    private static JobAssignedEvent assignedAt(BigDecimal unitPrice, String unitType) {
        return new JobAssignedEvent(JOB_ID, MINER_ID, OFFER_ID, unitPrice, unitType, 1, ASSIGNED_AT, LEASE_ENDS);
    }
}
