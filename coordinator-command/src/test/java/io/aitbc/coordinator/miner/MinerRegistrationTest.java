package io.aitbc.coordinator.miner;

import io.aitbc.coordinator.miner.api.MinerCapabilities;
import io.aitbc.coordinator.miner.api.MinerRegisteredEvent;
import io.aitbc.coordinator.miner.api.RegisterMinerCommand;
import org.axonframework.test.aggregate.AggregateTestFixture;
import org.axonframework.test.aggregate.FixtureConfiguration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

import static io.aitbc.coordinator.common.api.Rejections.rejectedWith;

class MinerRegistrationTest {

    private static final String MINER_ID = "miner_01JEX3Q7R5M2K8ZC4W9F6B1T0F";
    private static final String PUBLIC_KEY = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
    private static final Instant REGISTERED_AT = Instant.parse("2026-12-04T12:00:00.000Z");
    private static final MinerCapabilities ONE_GPU = new MinerCapabilities(
            List.of(new MinerCapabilities.Gpu("RTX 4090", 24_576)), List.of("llama-3-8b"), "12.4",
            List.of("ai-inference"));
    private static final MinerCapabilities TWO_GPUS = new MinerCapabilities(
            List.of(new MinerCapabilities.Gpu("A100", 81_920), new MinerCapabilities.Gpu("A100", 81_920)),
            List.of("llama-3-70b"), "12.4", List.of());
    private static final BigDecimal PRICE_PER_TOKEN = new BigDecimal("0.0000125");

    private FixtureConfiguration<MinerAggregate> fixture;

    @BeforeEach
    void createFixture() {
        fixture = new AggregateTestFixture<>(MinerAggregate.class);
    }

    @Test
    void newMinerIsRegistered() {
        fixture.givenCurrentTime(REGISTERED_AT)
                .when(new RegisterMinerCommand(MINER_ID, ONE_GPU, 2, "eu", PUBLIC_KEY, PRICE_PER_TOKEN, "token"))
                .expectSuccessfulHandlerExecution()
                .expectEvents(new MinerRegisteredEvent(MINER_ID, ONE_GPU, 2, "eu", PUBLIC_KEY, PRICE_PER_TOKEN,
                        "token", REGISTERED_AT));
    }

    @Test
    void registeringAgainRecordsTheWholeNewRegistration() {
        Instant later = REGISTERED_AT.plusSeconds(3600);

        fixture.givenCurrentTime(REGISTERED_AT)
                .andGiven(new MinerRegisteredEvent(MINER_ID, ONE_GPU, 2, "eu", PUBLIC_KEY, PRICE_PER_TOKEN, "token",
                        REGISTERED_AT))
                .andGivenCurrentTime(later)
                .when(new RegisterMinerCommand(MINER_ID, TWO_GPUS, 8, "us", null, new BigDecimal("0.5"), "job"))
                .expectEvents(new MinerRegisteredEvent(MINER_ID, TWO_GPUS, 8, "us", null, new BigDecimal("0.5"),
                        "job", later));
    }

    @Test
    void registrationTimeIsKeptToTheMillisecond() {
        fixture.givenCurrentTime(REGISTERED_AT.plusNanos(987_654_321))
                .when(new RegisterMinerCommand(MINER_ID, ONE_GPU, 1, "eu", null, null, "job"))
                .expectEvents(new MinerRegisteredEvent(MINER_ID, ONE_GPU, 1, "eu", null, null, "job",
                        REGISTERED_AT.plusMillis(987)));
    }

    @Test
    void minerMayWorkForFree() {
        fixture.givenCurrentTime(REGISTERED_AT)
                .when(new RegisterMinerCommand(MINER_ID, ONE_GPU, 1, "eu", null, BigDecimal.ZERO, "job"))
                .expectEvents(new MinerRegisteredEvent(MINER_ID, ONE_GPU, 1, "eu", null, BigDecimal.ZERO, "job",
                        REGISTERED_AT));
    }

    @Test
    void concurrencyBelowOneIsRejected() {
        fixture.givenCurrentTime(REGISTERED_AT)
                .when(new RegisterMinerCommand(MINER_ID, ONE_GPU, 0, "eu", null, PRICE_PER_TOKEN, "token"))
                .expectNoEvents()
                .expectException(rejectedWith("VALIDATION_FAILED"))
                .expectExceptionMessage("concurrency must be at least 1");
    }

    @Test
    void negativePriceIsRejected() {
        fixture.givenCurrentTime(REGISTERED_AT)
                .when(new RegisterMinerCommand(MINER_ID, ONE_GPU, 1, "eu", null, new BigDecimal("-0.0001"), "token"))
                .expectNoEvents()
                .expectException(rejectedWith("VALIDATION_FAILED"))
                .expectExceptionMessage("price must not be negative");
    }

    @Test
    void invalidReRegistrationKeepsTheFormerRegistration() {
        fixture.givenCurrentTime(REGISTERED_AT)
                .andGiven(new MinerRegisteredEvent(MINER_ID, ONE_GPU, 2, "eu", PUBLIC_KEY, PRICE_PER_TOKEN, "token",
                        REGISTERED_AT))
                .andGivenCurrentTime(REGISTERED_AT.plusSeconds(60))
                .when(new RegisterMinerCommand(MINER_ID, ONE_GPU, 0, "eu", PUBLIC_KEY, PRICE_PER_TOKEN, "token"))
                .expectNoEvents()
                .expectException(rejectedWith("VALIDATION_FAILED"));
    }
}
