package io.aitbc.coordinator.gateway.market;

import com.fasterxml.jackson.databind.JsonNode;
import io.aitbc.coordinator.testsupport.CoordinatorTestClient;
import io.aitbc.coordinator.testsupport.CoordinatorTestClient.Key;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.ActiveProfiles;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The matching rules of docs/marketplace.md as a table: one miner registered at 0.1 per job, its
 * offers, one job, one poll; the row states whether the poll gets the job and at what terms.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "coordinator.market.reservation-lease=3s")
@ActiveProfiles("test")
class MatchingRulesIT {

    private static final String REGISTERED_PRICE = "0.1";

    @LocalServerPort
    int port;

    CoordinatorTestClient api;
    Key client;
    Key miner;
    String region;

    @BeforeEach
    void keys() {
        api = new CoordinatorTestClient(port);
        client = api.createKey("client");
        miner = api.createKey("miner");
        region = "match-" + UUID.randomUUID();
        api.json(api.post(miner, "/v1/miners/register", Map.of(
                "capabilities", Map.of(
                        "gpus", List.of(Map.of("name", "NVIDIA A100", "memory_mb", 40960)),
                        "models", List.of("llama-3-8b", "whisper"),
                        "job_types", List.of("ai-inference", "embedding")),
                "concurrency", 4,
                "region", region,
                "price", REGISTERED_PRICE)), 200);
    }

    /**
     * An offer of the row's miner: type, price, unit; {@code state} active, withdrawn or used_up;
     * {@code stated} the requirements it states.
     */
    record Offer(String type, String price, String unit, String state, Map<String, Object> stated) {

        Offer(String type, String price, String unit, String state) {
            this(type, price, unit, state, Map.of());
        }

        static Offer active(String type, String price) {
            return new Offer(type, price, "job", "active");
        }

        static Offer stating(String price, Map<String, Object> stated) {
            return new Offer("ai-inference", price, "job", "active", stated);
        }
    }

    /** What the poll should get: nothing, or the job at a price, unit and (when through an offer) offer. */
    record Expected(boolean matched, String price, String unit, Integer offerIndex) {

        static final Expected NOTHING = new Expected(false, null, null, null);

        static Expected registration() {
            return new Expected(true, REGISTERED_PRICE, "job", null);
        }

        static Expected offer(int index, String price, String unit) {
            return new Expected(true, price, unit, index);
        }
    }

    static Stream<Arguments> rules() {
        Map<String, Object> none = Map.of();
        return Stream.of(
                row("no max_price: registration price", null, none, List.of(), Expected.registration()),
                row("max_price equal to the registration price", "0.1", none, List.of(), Expected.registration()),
                row("max_price below the registration price", "0.09", none, List.of(), Expected.NOTHING),
                row("cheaper offer makes the job eligible", "0.09", none,
                        List.of(Offer.active("ai-inference", "0.08")), Expected.offer(0, "0.08", "job")),
                row("cheapest of two offers prices the job", "0.5", none,
                        List.of(Offer.active("ai-inference", "0.3"), Offer.active("ai-inference", "0.2")),
                        Expected.offer(1, "0.2", "job")),
                row("offer above max_price: its type asks the offer's price", "0.15", none,
                        List.of(Offer.active("ai-inference", "0.2")), Expected.NOTHING),
                row("offer of another type leaves the registration price", "0.15", none,
                        List.of(Offer.active("embedding", "0.01")), Expected.registration()),
                row("withdrawn offer does not count", "0.09", none,
                        List.of(new Offer("ai-inference", "0.05", "job", "withdrawn")), Expected.NOTHING),
                row("used-up offer does not count", "0.09", none,
                        List.of(new Offer("ai-inference", "0.05", "job", "used_up")), Expected.NOTHING),
                row("offer's unit travels with its price", "0.001", none,
                        List.of(new Offer("ai-inference", "0.000002", "tokens", "active")),
                        Expected.offer(0, "0.000002", "tokens")),
                row("region elsewhere", null, Map.of("region", "elsewhere"), List.of(), Expected.NOTHING),
                row("gpu named in part, any case", null, Map.of("gpu", "a100"), List.of(), Expected.registration()),
                row("gpu the miner lacks", null, Map.of("gpu", "H100"), List.of(), Expected.NOTHING),
                row("enough memory", null, Map.of("min_vram_gb", 40), List.of(), Expected.registration()),
                row("too little memory", null, Map.of("min_vram_gb", 41), List.of(), Expected.NOTHING),
                row("models all present", null, Map.of("models", List.of("whisper", "llama-3-8b")), List.of(),
                        Expected.registration()),
                row("a model missing", null, Map.of("models", List.of("whisper", "sdxl")), List.of(),
                        Expected.NOTHING),
                row("offer stating what the job requires sells it", "0.09",
                        Map.of("gpu", "a100", "models", List.of("whisper")),
                        List.of(Offer.stating("0.08", Map.of("gpu", "A100", "models", List.of("whisper")))),
                        Expected.offer(0, "0.08", "job")),
                row("offer stating nothing sells what the registration serves", "0.09",
                        Map.of("gpu", "nvidia", "min_vram_gb", 40, "models", List.of("whisper")),
                        List.of(Offer.active("ai-inference", "0.08")), Expected.offer(0, "0.08", "job")),
                row("offer stating too little memory leaves the registration price", "0.15",
                        Map.of("min_vram_gb", 40), List.of(Offer.stating("0.05", Map.of("min_vram_gb", 16))),
                        Expected.registration()),
                row("offer stating too little memory makes no job eligible below it", "0.09",
                        Map.of("min_vram_gb", 40), List.of(Offer.stating("0.05", Map.of("min_vram_gb", 16))),
                        Expected.NOTHING),
                row("cheapest offer that meets the job sells it", "0.09", Map.of("min_vram_gb", 40), List.of(
                        Offer.stating("0.05", Map.of("min_vram_gb", 16)), Offer.stating("0.08", Map.of())),
                        Expected.offer(1, "0.08", "job")),
                row("offer stating other models does not sell the job", "0.09", Map.of("models", List.of("whisper")),
                        List.of(Offer.stating("0.05", Map.of("models", List.of("llama-3-8b")))), Expected.NOTHING),
                row("offer's gpu narrower than the job's names leaves the registration price", "0.5",
                        Map.of("gpu", "nvidia"), List.of(Offer.stating("0.05", Map.of("gpu", "A100"))),
                        Expected.registration()));
    }

    private static Arguments row(String rule, String maxPrice, Map<String, Object> requirements, List<Offer> offers,
                                 Expected expected) {
        return Arguments.of(rule, maxPrice, requirements, offers, expected);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rules")
    void pollMatchesByTheRules(String rule, String maxPrice, Map<String, Object> requirements, List<Offer> offers,
                               Expected expected) {
        // given
        List<String> offerIds = offers.stream().map(this::publish).toList();
        Map<String, Object> job = new HashMap<>(Map.of("type", "ai-inference"));
        Map<String, Object> required = new HashMap<>(requirements);
        required.putIfAbsent("region", region);
        job.put("requirements", required);
        if (maxPrice != null) {
            job.put("max_price", maxPrice);
        }
        String jobId = api.submitJob(client, job);

        // when
        JsonNode assignment = api.poll(miner, 0);

        // then
        if (!expected.matched()) {
            assertThat(assignment).as(rule).isNull();
            return;
        }
        assertThat(assignment).as(rule).isNotNull();
        assertThat(assignment.get("job_id").asText()).isEqualTo(jobId);
        assertThat(assignment.get("price").asText()).isEqualTo(expected.price());
        assertThat(assignment.get("unit_type").asText()).isEqualTo(expected.unit());
        if (expected.offerIndex() == null) {
            assertThat(assignment.get("offer_id").isNull()).isTrue();
        } else {
            String offerId = offerIds.get(expected.offerIndex());
            assertThat(assignment.get("offer_id").asText()).isEqualTo(offerId);
            assertThat(api.json(api.get(client, "/v1/marketplace/offers/" + offerId), 200).get("jobs_left").asInt())
                    .isEqualTo(4);
        }
    }

    @Test
    void oldestEligibleJobComesFirstAndIneligibleOnesDoNotBlockIt() {
        String tooCheap = submit("0.01");
        String older = submit("0.5");
        String younger = submit(null);

        JsonNode first = api.poll(miner, 0);
        JsonNode second = api.poll(miner, 0);
        JsonNode third = api.poll(miner, 0);

        assertThat(first.get("job_id").asText()).isEqualTo(older);
        assertThat(second.get("job_id").asText()).isEqualTo(younger);
        assertThat(third).isNull();
        assertThat(api.json(api.get(client, "/v1/jobs/" + tooCheap), 200).get("status").asText()).isEqualTo("queued");
    }

    @Test
    void waitingPollIsWokenByAnOfferThatMakesAJobEligible() {
        String jobId = submit("0.05");
        new Thread(() -> {
            sleep(500);
            publish(Offer.active("ai-inference", "0.05"));
        }).start();

        JsonNode assignment = api.poll(miner, 10);

        assertThat(assignment.get("job_id").asText()).isEqualTo(jobId);
        assertThat(assignment.get("price").asText()).isEqualTo("0.05");
    }

    private String submit(String maxPrice) {
        Map<String, Object> job = new HashMap<>(Map.of("type", "ai-inference",
                "requirements", Map.of("region", region)));
        if (maxPrice != null) {
            job.put("max_price", maxPrice);
        }
        return api.submitJob(client, job);
    }

    private String publish(Offer offer) {
        int maxJobs = offer.state().equals("used_up") ? 1 : 5;
        Map<String, Object> body = new HashMap<>(Map.of("job_type", offer.type(), "price", offer.price(),
                "unit_type", offer.unit(), "max_jobs", maxJobs, "duration", 600));
        if (!offer.stated().isEmpty()) {
            body.put("requirements", offer.stated());
        }
        String offerId = api.json(api.post(miner, "/v1/marketplace/offers", body), 201).get("offer_id").asText();
        if (offer.state().equals("withdrawn")) {
            api.json(api.http().delete().uri("/v1/marketplace/offers/" + offerId)
                    .header("X-API-Key", miner.secret()).exchange(), 200);
        } else if (offer.state().equals("used_up")) {
            Key buyer = api.createKey("client");
            String elsewhere = api.submitJob(buyer, Map.of("type", offer.type(), "requirements", Map.of("region",
                    region)));
            api.json(api.post(buyer, "/v1/marketplace/offers/" + offerId + "/accept",
                    Map.of("job_id", elsewhere, "bid_price", offer.price())), 201);
            // the job bought to use the offer up is taken now, so it does not stand in the row's way
            assertThat(api.poll(miner, 0).get("job_id").asText()).isEqualTo(elsewhere);
        }
        return offerId;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
