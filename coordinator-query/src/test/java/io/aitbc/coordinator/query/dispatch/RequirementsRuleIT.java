package io.aitbc.coordinator.query.dispatch;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.aitbc.coordinator.common.api.Ids;
import io.aitbc.coordinator.job.api.JobRequirements;
import io.aitbc.coordinator.job.api.SubmitJobCommand;
import io.aitbc.coordinator.query.QueryTestApplication;
import io.aitbc.coordinator.query.infra.EventStoreConfiguration;
import io.aitbc.coordinator.query.offer.OfferTerms;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The requirements rule as tables, against the real PostgreSQL: each row is checked both as a single
 * pair (what acceptances and offers use) and by the locking query that matches a poll, which must agree.
 */
@SpringBootTest(classes = QueryTestApplication.class)
class RequirementsRuleIT {

    private static final ObjectMapper JSON = EventStoreConfiguration.eventObjectMapper();
    private static final Capacity A100 = new Capacity(List.of("nvidia a100-sxm4-80gb", "nvidia l4"), 81920,
            List.of("llama-3-8b", "whisper"), "eu-west");

    @Autowired
    CommandGateway commands;

    @Autowired
    DispatchRepository dispatch;

    @Autowired
    PlatformTransactionManager transactionManager;

    static Stream<Arguments> rule() {
        Capacity bare = new Capacity(List.of(), 0, List.of(), null);
        return Stream.of(
                row("nothing required is met by anything", bare, JobRequirements.NONE, List.of()),
                row("region equal", A100, required(null, null, List.of(), "eu-west"), List.of()),
                row("region elsewhere", A100, required(null, null, List.of(), "us-east"), List.of("region")),
                row("region required of a capacity with none", bare, required(null, null, List.of(), "eu-west"),
                        List.of("region")),
                row("memory equal to the largest GPU's", A100, required(null, 80, List.of(), null), List.of()),
                row("memory above the largest GPU's", A100, required(null, 81, List.of(), null),
                        List.of("min_vram_gb")),
                row("models all present", A100, required(null, null, List.of("whisper", "llama-3-8b"), null),
                        List.of()),
                row("a model missing", A100, required(null, null, List.of("whisper", "sdxl"), null),
                        List.of("models")),
                row("models required of a capacity with none", bare, required(null, null, List.of("whisper"), null),
                        List.of("models")),
                row("gpu a part of a name, any case", A100, required("A100-SXM4", null, List.of(), null), List.of()),
                row("gpu a part of the second GPU's name", A100, required("L4", null, List.of(), null), List.of()),
                row("gpu no part of any name", A100, required("H100", null, List.of(), null), List.of("gpu")),
                row("gpu is a part, not a pattern", A100, required("a_00", null, List.of(), null), List.of("gpu")),
                row("gpu required of a capacity without GPUs", bare, required("A100", null, List.of(), null),
                        List.of("gpu")),
                row("every requirement unmet, each named", bare, required("A100", 1, List.of("whisper"), "eu-west"),
                        List.of("gpu", "min_vram_gb", "models", "region")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rule")
    void ruleJudgesAPairAsMatchingJudgesTheQueue(String rule, Capacity capacity, JobRequirements required,
                                                 List<String> unmet) {
        // given
        String type = uniqueType();
        submit(type, required, null);

        // when
        List<String> judged = dispatch.unmetRequirements(capacity, required);
        Optional<ClaimableJob> matched = lock(miner(capacity, "0"), type, List.of());

        // then
        assertThat(judged).as(rule).isEqualTo(unmet);
        assertThat(matched.isPresent()).as(rule).isEqualTo(unmet.isEmpty());
    }

    /** An offer of the row's miner, by price; {@code type} null means the job's type. */
    record Offer(String price, String type, JobRequirements stated) {
    }

    static Stream<Arguments> offers() {
        JobRequirements bigJob = required("A100", 60, List.of("whisper"), "eu-west");
        return Stream.of(
                sale("an offer stating nothing sells what the registration serves", bigJob, "0.09",
                        List.of(new Offer("0.05", null, null)), 0),
                sale("an offer stating NONE sells what the registration serves", bigJob, "0.09",
                        List.of(new Offer("0.05", null, JobRequirements.NONE)), 0),
                sale("an offer stating less memory leaves the registration's price", bigJob, "0.5",
                        List.of(new Offer("0.05", null, required(null, 40, List.of(), null))), null),
                sale("which the max_price must then cover", bigJob, "0.09",
                        List.of(new Offer("0.05", null, required(null, 40, List.of(), null))), -1),
                sale("the cheapest offer that meets the job sells it", bigJob, "0.09", List.of(
                        new Offer("0.05", null, required(null, 40, List.of(), null)),
                        new Offer("0.06", null, required(null, null, List.of("llama-3-8b"), null)),
                        new Offer("0.07", null, required("a100", 80, List.of(), "eu-west")),
                        new Offer("0.08", null, null)), 2),
                sale("an offer's gpu narrower than the job's asks nothing of it", required("nvidia", null,
                        List.of(), null), "0.5", List.of(new Offer("0.05", null, required("A100", null,
                        List.of(), null))), null),
                sale("an offer of another type does not sell the job", bigJob, "0.09",
                        List.of(new Offer("0.05", "embedding", null)), -1),
                sale("no max_price takes the cheapest offer that meets the job", bigJob, null, List.of(
                        new Offer("0.01", null, required(null, null, List.of("llama-3-8b"), null)),
                        new Offer("0.02", null, required(null, null, List.of("whisper"), null))), 1));
    }

    /**
     * @param soldBy index of the offer that sells the job; {@code null} for the registration price,
     *               -1 for no match at all
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("offers")
    void askComesOnlyFromOffersWhoseStatedRequirementsMeetTheJob(String rule, JobRequirements required,
                                                                 String maxPrice, List<Offer> offers,
                                                                 Integer soldBy) {
        // given: a miner registered at 0.1 that can run the job
        String type = uniqueType();
        submit(type, required, maxPrice == null ? null : new BigDecimal(maxPrice));
        List<OfferTerms> terms = new ArrayList<>();
        for (Offer offer : offers) {
            terms.add(new OfferTerms(Ids.newId("offer"), offer.type() == null ? type : offer.type(),
                    new BigDecimal(offer.price()), "job", offer.stated()));
        }

        // when
        Optional<ClaimableJob> matched = lock(miner(A100, "0.1"), type, terms);

        // then
        if (soldBy != null && soldBy < 0) {
            assertThat(matched).as(rule).isEmpty();
            return;
        }
        assertThat(matched).as(rule).isPresent();
        assertThat(matched.get().offerId()).as(rule).isEqualTo(soldBy == null ? null : terms.get(soldBy).offerId());
    }

    private static Arguments row(String rule, Capacity capacity, JobRequirements required, List<String> unmet) {
        return Arguments.of(rule, capacity, required, unmet);
    }

    private static Arguments sale(String rule, JobRequirements required, String maxPrice, List<Offer> offers,
                                  Integer soldBy) {
        return Arguments.of(rule, required, maxPrice, offers, soldBy);
    }

    private static JobRequirements required(String gpu, Integer minVramGb, List<String> models, String region) {
        return new JobRequirements(gpu, minVramGb, models, region);
    }

    private static MinerProfile miner(Capacity capacity, String price) {
        return new MinerProfile(Ids.newId("miner"), List.of(), capacity.gpuNames(), capacity.maxVramMb(),
                capacity.models(), capacity.region(), 1, new BigDecimal(price), "job");
    }

    /** Locks the job the miner would be handed, in a transaction of its own that leaves it queued. */
    private Optional<ClaimableJob> lock(MinerProfile miner, String type, List<OfferTerms> offers) {
        return new TransactionTemplate(transactionManager)
                .execute(status -> dispatch.lockNextClaimable(miner, List.of(type), offers));
    }

    private void submit(String type, JobRequirements required, BigDecimal maxPrice) {
        commands.sendAndWait(new SubmitJobCommand(Ids.newId("job"), Ids.newId("client"), type, "rule",
                JSON.createObjectNode(), "ab".repeat(32), required, maxPrice, Instant.now().plusSeconds(600), 1));
    }

    private static String uniqueType() {
        return "rule-" + UUID.randomUUID();
    }
}
