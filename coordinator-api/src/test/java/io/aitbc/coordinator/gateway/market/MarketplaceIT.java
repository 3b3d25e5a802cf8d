package io.aitbc.coordinator.gateway.market;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aitbc.coordinator.testsupport.CoordinatorTestClient;
import io.aitbc.coordinator.testsupport.CoordinatorTestClient.Key;
import io.aitbc.coordinator.audit.StoredEvent;
import io.aitbc.coordinator.auditverify.MarketRecomputation;
import io.aitbc.coordinator.query.infra.EventStoreConfiguration;
import io.micrometer.core.instrument.MeterRegistry;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient.ResponseSpec;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The marketplace over HTTP: offers, acceptances, matching by offer price, reservations and their
 * lapse. Reservations last three seconds here, so a lapse can be watched.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "coordinator.market.reservation-lease=3s")
@ActiveProfiles("test")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MarketplaceIT {

    @LocalServerPort
    int port;

    @Autowired
    DSLContext dsl;

    @Autowired
    PlatformTransactionManager transactionManager;

    @Autowired
    MeterRegistry meters;

    /** Long polls block their thread; the common pool may have a single one. */
    final ExecutorService callers = Executors.newCachedThreadPool();

    CoordinatorTestClient api;
    Key client;
    Key seller;
    String region;

    @BeforeEach
    void keys() {
        api = new CoordinatorTestClient(port);
        client = api.createKey("client");
        seller = api.createKey("miner");
        region = "market-" + UUID.randomUUID();
        registerMiner(seller, "0.1", "job", 16);
    }

    @AfterEach
    void stopCallers() {
        callers.shutdownNow();
    }

    @Test
    void publishedOfferIsListedWithItsMinersReputationAndJobsLeft() {
        // given
        String type = uniqueType();
        String cheap = publish(seller, type, "0.2", 3, 3600);
        Key other = api.createKey("miner");
        registerMiner(other, "0.1", "job", 1);
        publish(other, type, "0.9", 1, 3600);

        // when
        JsonNode page = api.json(api.get(client, "/v1/marketplace/offers?job_type=" + type + "&max_price=0.5"), 200);

        // then
        assertThat(page.get("offers")).hasSize(1);
        JsonNode offer = page.get("offers").get(0);
        assertThat(offer.get("offer_id").asText()).isEqualTo(cheap);
        assertThat(offer.get("miner_id").asText()).isEqualTo(seller.principal());
        assertThat(offer.get("price").asText()).isEqualTo("0.2");
        assertThat(offer.get("jobs_left").asInt()).isEqualTo(3);
        assertThat(offer.get("status").asText()).isEqualTo("active");
        assertThat(offer.get("reputation").decimalValue()).isEqualByComparingTo("0.5");
        JsonNode stats = api.json(api.get(client, "/v1/miners/" + seller.principal() + "/stats"), 200);
        assertThat(stats.get("reputation").decimalValue()).isEqualByComparingTo(offer.get("reputation").decimalValue());
    }

    @Test
    void acceptedOfferReservesTheJobForItsMinerAtTheOffersPrice() {
        // given
        String offerId = publish(seller, "ai-inference", "0.2", 2, 3600);
        String jobId = submit("0.5");
        Key cheaper = api.createKey("miner");
        registerMiner(cheaper, "0.01", "job", 4);

        // when
        JsonNode trade = api.json(accept(client, offerId, jobId, "0.3"), 201);
        JsonNode stolen = api.poll(cheaper, 0);
        JsonNode assignment = api.poll(seller, 5);
        JsonNode result = api.json(api.post(seller, "/v1/miners/" + jobId + "/result",
                Map.of("result", Map.of("ok", true))), 200);

        // then
        assertThat(trade.get("transaction_id").asText()).startsWith("txn_");
        assertThat(trade.get("offer_id").asText()).isEqualTo(offerId);
        assertThat(trade.get("job_id").asText()).isEqualTo(jobId);
        assertThat(trade.get("status").asText()).isEqualTo("reserved");
        assertThat(trade.get("created_at").asText()).endsWith("Z");
        assertThat(stolen).isNull();
        assertThat(assignment.get("job_id").asText()).isEqualTo(jobId);
        assertThat(assignment.get("price").asText()).isEqualTo("0.2");
        assertThat(assignment.get("offer_id").asText()).isEqualTo(offerId);
        JsonNode receipt = api.json(api.get(client, "/v1/jobs/" + jobId), 200);
        assertThat(receipt.get("price").asText()).isEqualTo("0.2");
        assertThat(result.get("receipt_id").asText()).isEqualTo(receipt.get("receipt_id").asText());
        assertThat(offer(offerId).get("jobs_left").asInt()).isEqualTo(1);
    }

    @Test
    void offerPricedPerTokenBillsUnitsTimesItsPriceExactly() {
        String offerId = publishBody(seller, Map.of("job_type", "ai-inference", "price", "0.000002",
                "unit_type", "tokens", "max_jobs", 1, "duration", 600));
        String jobId = submit("0.00001");
        api.json(accept(client, offerId, jobId, "0.000002"), 201);

        api.poll(seller, 5);
        api.json(api.post(seller, "/v1/miners/" + jobId + "/result", Map.of("result", Map.of("text", "hi"),
                "metrics", Map.of("units", 1420, "unit_type", "tokens"))), 200);

        JsonNode job = api.json(api.get(client, "/v1/jobs/" + jobId), 200);
        assertThat(job.get("price").asText()).isEqualTo("0.00284");
        assertThat(offer(offerId).get("status").asText()).isEqualTo("used_up");
    }

    static Stream<String> unavailableOffers() {
        return Stream.of("withdrawn", "used_up", "expired");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unavailableOffers")
    void unavailableOfferAnswers410(String state) throws InterruptedException {
        String offerId = publish(seller, "ai-inference", "0.2", 1, state.equals("expired") ? 1 : 3600);
        switch (state) {
            case "withdrawn" -> api.json(api.http().delete().uri("/v1/marketplace/offers/" + offerId)
                    .header("X-API-Key", seller.secret()).exchange(), 200);
            case "used_up" -> api.json(accept(client, offerId, submit("0.5"), "0.2"), 201);
            default -> Thread.sleep(1500);
        }

        JsonNode error = api.json(accept(client, offerId, submit("0.5"), "0.2"), 410);

        assertThat(error.get("error").get("code").asText()).isEqualTo("OFFER_NOT_AVAILABLE");
    }

    @Test
    void expiredOfferEndsByItself() throws InterruptedException {
        String offerId = publish(seller, "ai-inference", "0.2", 1, 1);

        Thread.sleep(1600);

        assertThat(offer(offerId).get("status").asText()).isEqualTo("expired");
    }

    @Test
    void acceptanceRejectionsNameTheProblem() {
        String offerId = publish(seller, "ai-inference", "0.2", 5, 3600);
        String jobId = submit("0.5");
        Key otherClient = api.createKey("client");

        assertThat(code(accept(client, offerId, jobId, "0.1"), 400)).isEqualTo("VALIDATION_FAILED");
        assertThat(code(accept(client, offerId, jobId, "0.6"), 400)).isEqualTo("VALIDATION_FAILED");
        assertThat(code(accept(otherClient, offerId, jobId, "0.3"), 404)).isEqualTo("JOB_NOT_FOUND");
        assertThat(code(accept(seller, offerId, jobId, "0.3"), 403)).isEqualTo("FORBIDDEN");
        assertThat(code(accept(client, "offer_unknown", jobId, "0.3"), 404)).isEqualTo("OFFER_NOT_FOUND");
        String otherType = publish(seller, "embedding", "0.2", 1, 3600);
        assertThat(code(accept(client, otherType, jobId, "0.3"), 400)).isEqualTo("INVALID_JOB_TYPE");
        api.json(accept(client, offerId, jobId, "0.3"), 201);
        assertThat(code(accept(client, offerId, jobId, "0.3"), 409)).isEqualTo("INVALID_STATE");
        Key stranger = api.createKey("miner");
        assertThat(code(api.http().delete().uri("/v1/marketplace/offers/" + offerId)
                .header("X-API-Key", stranger.secret()).exchange(), 403)).isEqualTo("FORBIDDEN");
    }

    @Test
    void twoClientsRacingForTheLastJobOfAnOfferExactlyOneWins() throws Exception {
        // given
        int racers = 8;
        String offerId = publish(seller, "ai-inference", "0.2", 1, 3600);
        List<Key> clients = new ArrayList<>();
        List<String> jobs = new ArrayList<>();
        for (int i = 0; i < racers; i++) {
            Key racer = api.createKey("client");
            clients.add(racer);
            jobs.add(submitAs(racer, "0.5"));
        }

        // when
        List<Integer> statuses = race(racers, i -> accept(clients.get(i), offerId, jobs.get(i), "0.2")
                .returnResult(JsonNode.class).getStatus().value());

        // then
        assertThat(statuses).filteredOn(status -> status == 201).hasSize(1);
        assertThat(statuses).filteredOn(status -> status == 410).hasSize(racers - 1);
        JsonNode offer = offer(offerId);
        assertThat(offer.get("jobs_left").asInt()).isZero();
        assertThat(offer.get("status").asText()).isEqualTo("used_up");
    }

    @Test
    void concurrentPollsHandEachJobOnceAndReservedJobsOnlyToTheirMiner() throws Exception {
        // given: half the jobs reserved for the seller, half open, and three other miners polling too
        String offerId = publish(seller, "ai-inference", "0.2", 10, 3600);
        Map<String, Instant> reservedUntil = new HashMap<>();
        List<String> open = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            String jobId = submit("0.5");
            JsonNode trade = api.json(accept(client, offerId, jobId, "0.2"), 201);
            reservedUntil.put(jobId, Instant.parse(trade.get("reserved_until").asText()));
            open.add(submit("0.5"));
        }
        List<Key> pollers = new ArrayList<>(List.of(seller));
        for (int i = 0; i < 3; i++) {
            Key miner = api.createKey("miner");
            registerMiner(miner, "0.05", "job", 16);
            pollers.add(miner);
        }

        // when: every miner polls concurrently until nothing is left for it
        List<Map<String, String>> taken = race(pollers.size(), i -> {
            Map<String, String> jobsOfMiner = new HashMap<>();
            JsonNode assignment;
            while ((assignment = api.poll(pollers.get(i), 0)) != null) {
                jobsOfMiner.put(assignment.get("job_id").asText(), assignment.get("price").asText());
            }
            return jobsOfMiner;
        });

        // then
        List<String> all = taken.stream().flatMap(jobs -> jobs.keySet().stream()).toList();
        assertThat(all).doesNotHaveDuplicates().hasSize(20).containsAll(open);
        reservedUntil.forEach((jobId, until) -> {
            if (taken.get(0).containsKey(jobId)) {
                assertThat(taken.get(0).get(jobId)).isEqualTo("0.2");
            } else {
                // on a slow machine a reservation may lapse first; only then may another miner take the job
                Instant startedAt = Instant.parse(api.json(api.get(client, "/v1/jobs/" + jobId), 200)
                        .get("started_at").asText());
                assertThat(startedAt).isAfterOrEqualTo(until);
            }
        });
        assertThat(taken.get(0).keySet()).filteredOn(reservedUntil::containsKey).isNotEmpty();
    }

    @Test
    void minersCheapestOfferPricesTheJobsItIsMatchedWith() {
        // given: the registration price is above the job's max_price, the offer's is not
        Key miner = api.createKey("miner");
        registerMiner(miner, "0.9", "job", 4);
        String offerId = publish(miner, "ai-inference", "0.25", 2, 3600);
        publish(miner, "ai-inference", "0.3", 2, 3600);
        String tooCheap = submit("0.2");
        String jobId = submit("0.3");

        // when
        JsonNode assignment = api.poll(miner, 2);
        JsonNode nothing = api.poll(miner, 0);

        // then
        assertThat(assignment.get("job_id").asText()).isEqualTo(jobId);
        assertThat(assignment.get("price").asText()).isEqualTo("0.25");
        assertThat(assignment.get("offer_id").asText()).isEqualTo(offerId);
        assertThat(nothing).isNull();
        assertThat(offer(offerId).get("jobs_left").asInt()).isEqualTo(1);
        assertThat(api.json(api.get(client, "/v1/jobs/" + tooCheap), 200).get("status").asText())
                .isEqualTo("queued");
    }

    @Test
    void offerPutOnSaleWhileItsMinerWaitsWinsItAWaitingJobAtOnce() throws Exception {
        // given: two alike miners wait, too dear for the queued job
        Key older = api.createKey("miner");
        registerMiner(older, "0.9", "job", 1);
        Key younger = api.createKey("miner");
        registerMiner(younger, "0.9", "job", 1);
        String jobId = submit("0.3");
        CompletableFuture<JsonNode> olderPoll = pollOnceWaiting(older);
        CompletableFuture<JsonNode> youngerPoll = pollOnceWaiting(younger);

        // when: the younger one puts a cheaper offer on sale
        publish(younger, "ai-inference", "0.25", 2, 3600);
        long published = System.nanoTime();
        JsonNode assignment = youngerPoll.get(40, TimeUnit.SECONDS);
        long answeredAfterMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - published);

        // then: the older one found nothing, and its fingerprint did not hide the younger's new offer
        assertThat(assignment).isNotNull();
        assertThat(assignment.get("job_id").asText()).isEqualTo(jobId);
        assertThat(answeredAfterMillis).as("answered at once, not at the end of its wait").isLessThan(10_000);
        String olderJob = submit("1");
        assertThat(olderPoll.get(40, TimeUnit.SECONDS).get("job_id").asText()).isEqualTo(olderJob);
    }

    @Test
    void reservationNotTakenInTimeGoesBackToOpenMatchingAndReturnsTheOffersJob() throws InterruptedException {
        // given
        String offerId = publish(seller, "ai-inference", "0.2", 1, 3600);
        String jobId = submit("0.5");
        api.json(accept(client, offerId, jobId, "0.2"), 201);
        Key other = api.createKey("miner");
        registerMiner(other, "0.05", "job", 4);
        assertThat(api.poll(other, 0)).isNull();

        // when: the seller never polls; the reservation lasts three seconds
        JsonNode assignment = api.poll(other, 10);

        // then
        assertThat(assignment.get("job_id").asText()).isEqualTo(jobId);
        assertThat(assignment.get("price").asText()).isEqualTo("0.05");
        assertThat(assignment.get("offer_id").isNull()).isTrue();
        Thread.sleep(300);
        JsonNode offer = offer(offerId);
        assertThat(offer.get("jobs_left").asInt()).isEqualTo(1);
        assertThat(offer.get("status").asText()).isEqualTo("active");
    }

    @Test
    void reservationFallingDueWhileAClaimHoldsItsJobWaitsForTheClaim() throws Exception {
        // given: a reservation of three seconds
        String offerId = publish(seller, "ai-inference", "0.2", 1, 3600);
        String jobId = submit("0.5");
        api.json(accept(client, offerId, jobId, "0.2"), 201);

        // when: a transaction takes the locks a claim of the job takes, in its order (the job's queue row,
        // then the reservation's deadline row), across the moment the reservation falls due
        AtomicReference<Throwable> claimFailure = new AtomicReference<>();
        Thread claim = new Thread(() -> {
            try {
                new TransactionTemplate(transactionManager).executeWithoutResult(status -> {
                    dsl.resultQuery("select job_id from job_queue where job_id = ? for update", jobId).fetch();
                    sleep(4500);
                    dsl.query("delete from market_deadline where job_id = ?", jobId).execute();
                    status.setRollbackOnly();
                });
            } catch (RuntimeException e) {
                claimFailure.set(e);
            }
        });
        claim.start();
        claim.join(15_000);
        Thread.sleep(1500);

        // then: the watcher left the busy job alone instead of closing a lock cycle, and fired afterwards
        assertThat(claimFailure.get()).isNull();
        assertThat(offer(offerId).get("jobs_left").asInt()).isOne();
        assertThat(api.json(api.get(client, "/v1/jobs/" + jobId), 200).get("miner_id").isNull()).isTrue();
    }

    @Test
    void canceledReservedJobReturnsTheOffersJob() throws InterruptedException {
        String offerId = publish(seller, "ai-inference", "0.2", 1, 3600);
        String jobId = submit("0.5");
        api.json(accept(client, offerId, jobId, "0.2"), 201);

        api.json(api.post(client, "/v1/jobs/" + jobId + "/cancel", Map.of()), 200);
        Thread.sleep(600);

        assertThat(offer(offerId).get("jobs_left").asInt()).isEqualTo(1);
    }

    @Test
    void jobSubmittedWithAnOfferIsQueuedAlreadyReservedForTheOffersMiner() {
        // given
        String offerId = publish(seller, "ai-inference", "0.2", 2, 3600);
        Key other = api.createKey("miner");
        registerMiner(other, "0.01", "job", 4);

        // when: no bid_price, so the client bids its max_price
        JsonNode job = api.json(api.post(client, "/v1/jobs", Map.of("type", "ai-inference", "max_price", "0.5",
                "requirements", Map.of("region", region), "offer_id", offerId)), 201);
        String jobId = job.get("job_id").asText();
        JsonNode stolen = api.poll(other, 0);
        JsonNode assignment = api.poll(seller, 5);

        // then
        assertThat(job.get("status").asText()).isEqualTo("queued");
        assertThat(job.get("offer_id").asText()).isEqualTo(offerId);
        assertThat(job.get("miner_id").asText()).isEqualTo(seller.principal());
        assertThat(job.get("unit_price").asText()).isEqualTo("0.2");
        assertThat(job.get("unit_type").asText()).isEqualTo("job");
        assertThat(Instant.parse(job.get("reserved_until").asText())).isAfter(Instant.now().minusSeconds(1));
        assertThat(stolen).isNull();
        assertThat(assignment.get("job_id").asText()).isEqualTo(jobId);
        assertThat(assignment.get("price").asText()).isEqualTo("0.2");
        assertThat(assignment.get("offer_id").asText()).isEqualTo(offerId);
        assertThat(offer(offerId).get("jobs_left").asInt()).isEqualTo(1);
        JsonNode running = api.json(api.get(client, "/v1/jobs/" + jobId), 200);
        assertThat(running.get("reserved_until").isNull()).isTrue();
        assertThat(running.get("miner_id").asText()).isEqualTo(seller.principal());
    }

    @Test
    void submissionWithAnOfferButNoPricesBidsTheOffersPrice() {
        String offerId = publish(seller, "ai-inference", "0.2", 1, 3600);

        JsonNode job = api.json(api.post(client, "/v1/jobs", Map.of("type", "ai-inference",
                "requirements", Map.of("region", region), "offer_id", offerId)), 201);

        assertThat(job.get("offer_id").asText()).isEqualTo(offerId);
        assertThat(job.get("max_price").isNull()).isTrue();
        assertThat(offer(offerId).get("status").asText()).isEqualTo("used_up");
    }

    /** A submission through an offer that the offer refuses, and the answer the acceptance gives too. */
    record Refusal(String rule, Map<String, Object> job, String offerState, int status, String code) {

        @Override
        public String toString() {
            return rule;
        }
    }

    static Stream<Refusal> refusedSubmissions() {
        return Stream.of(
                new Refusal("unknown offer", Map.of("max_price", "0.5"), "unknown", 404, "OFFER_NOT_FOUND"),
                new Refusal("withdrawn offer", Map.of("max_price", "0.5"), "withdrawn", 410, "OFFER_NOT_AVAILABLE"),
                new Refusal("used-up offer", Map.of("max_price", "0.5"), "used_up", 410, "OFFER_NOT_AVAILABLE"),
                new Refusal("offer of another type", Map.of("type", "embedding"), "active", 400, "INVALID_JOB_TYPE"),
                new Refusal("bid below the price", Map.of("bid_price", "0.1"), "active", 400, "VALIDATION_FAILED"),
                new Refusal("bid above max_price", Map.of("max_price", "0.3", "bid_price", "0.4"), "active", 400,
                        "VALIDATION_FAILED"),
                new Refusal("max_price below the price, no bid", Map.of("max_price", "0.15"), "active", 400,
                        "VALIDATION_FAILED"),
                new Refusal("registration cannot meet the job", Map.of("requirements", Map.of("min_vram_gb", 81)),
                        "active", 409, "INVALID_STATE"),
                new Refusal("offer does not state what the job requires",
                        Map.of("requirements", Map.of("gpu", "NVIDIA A100")), "active", 409, "INVALID_STATE"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusedSubmissions")
    void submissionThroughAnOfferTheOfferRefusesStoresNothing(Refusal refusal) {
        // given: an offer stating an A100 in the region, nothing about models
        Key buyer = api.createKey("client");
        String offerId = refusal.offerState().equals("unknown") ? "offer_unknown"
                : publish(seller, "ai-inference", "0.2", 1, 3600);
        if (refusal.offerState().equals("withdrawn")) {
            api.json(api.http().delete().uri("/v1/marketplace/offers/" + offerId)
                    .header("X-API-Key", seller.secret()).exchange(), 200);
        } else if (refusal.offerState().equals("used_up")) {
            api.json(accept(client, offerId, submit("0.5"), "0.2"), 201);
        }
        Map<String, Object> body = new HashMap<>(Map.of("type", "ai-inference", "offer_id", offerId));
        body.putAll(refusal.job());
        Map<String, Object> required = new HashMap<>(Map.of("region", region));
        if (refusal.job().get("requirements") instanceof Map<?, ?> stated) {
            stated.forEach((field, value) -> required.put((String) field, value));
        }
        body.put("requirements", required);

        // when
        JsonNode error = api.json(api.post(buyer, "/v1/jobs", body), refusal.status());

        // then
        assertThat(error.get("error").get("code").asText()).isEqualTo(refusal.code());
        assertThat(api.json(api.get(buyer, "/v1/jobs"), 200).get("total").asInt()).isZero();
        if (refusal.offerState().equals("active")) {
            assertThat(offer(offerId).get("jobs_left").asInt()).isEqualTo(1);
        }
    }

    @Test
    void bidPriceWithoutAnOfferIsRefused() {
        JsonNode error = api.json(api.post(client, "/v1/jobs", Map.of("type", "ai-inference", "bid_price", "0.2")),
                400);

        assertThat(error.get("error").get("code").asText()).isEqualTo("VALIDATION_FAILED");
        assertThat(error.get("error").get("details").get("fields").get(0).get("field").asText())
                .isEqualTo("bid_price");
    }

    @Test
    void clientsRacingToSubmitForTheLastJobOfAnOfferExactlyOneJobExists() throws Exception {
        // given
        int racers = 8;
        String offerId = publish(seller, "ai-inference", "0.2", 1, 3600);
        List<Key> clients = new ArrayList<>();
        for (int i = 0; i < racers; i++) {
            clients.add(api.createKey("client"));
        }

        // when
        List<Integer> statuses = race(racers, i -> api.post(clients.get(i), "/v1/jobs", Map.of("type",
                        "ai-inference", "max_price", "0.5", "requirements", Map.of("region", region),
                        "offer_id", offerId))
                .returnResult(JsonNode.class).getStatus().value());

        // then: the losers' jobs were rolled back with their purchases
        assertThat(statuses).filteredOn(status -> status == 201).hasSize(1);
        assertThat(statuses).filteredOn(status -> status == 410).hasSize(racers - 1);
        int jobs = 0;
        for (Key racer : clients) {
            jobs += api.json(api.get(racer, "/v1/jobs"), 200).get("total").asInt();
        }
        assertThat(jobs).isOne();
        assertThat(offer(offerId).get("status").asText()).isEqualTo("used_up");
    }

    @Test
    void submissionThroughAnOfferWithAnIdempotencyKeyBuysOnce() {
        // given
        String offerId = publish(seller, "ai-inference", "0.2", 5, 3600);
        String key = UUID.randomUUID().toString();
        Map<String, Object> body = Map.of("type", "ai-inference", "max_price", "0.5",
                "requirements", Map.of("region", region), "offer_id", offerId, "bid_price", "0.25");

        // when
        var first = idempotentSubmit(key, body);
        var again = idempotentSubmit(key, body);

        // then
        assertThat(first.getStatus().value()).isEqualTo(201);
        assertThat(again.getStatus().value()).isEqualTo(201);
        assertThat(again.getResponseHeaders().getFirst("Idempotent-Replayed")).isEqualTo("true");
        assertThat(tree(again).get("job_id").asText()).isEqualTo(tree(first).get("job_id").asText());
        assertThat(offer(offerId).get("jobs_left").asInt()).isEqualTo(4);
        assertThat(api.json(api.get(client, "/v1/jobs"), 200).get("total").asInt()).isOne();
    }

    @Test
    void acceptanceOfAnOfferNotStatingWhatTheJobRequiresIsRefused() {
        // given: the registration has the model, the offer states other terms than the job needs
        String offerId = publishBody(seller, Map.of("job_type", "ai-inference", "price", "0.2", "max_jobs", 2,
                "requirements", Map.of("gpu", "A100", "min_vram_gb", 40, "region", region)));
        String bigJob = api.submitJob(client, Map.of("type", "ai-inference", "max_price", "0.5",
                "requirements", Map.of("region", region, "min_vram_gb", 80)));
        String smallJob = api.submitJob(client, Map.of("type", "ai-inference", "max_price", "0.5",
                "requirements", Map.of("region", region, "min_vram_gb", 40, "models", List.of("llama-3-8b"))));

        // when
        JsonNode refused = api.json(accept(client, offerId, bigJob, "0.2"), 409);
        JsonNode trade = api.json(accept(client, offerId, smallJob, "0.2"), 201);

        // then
        assertThat(refused.get("error").get("code").asText()).isEqualTo("INVALID_STATE");
        assertThat(refused.get("error").get("message").asText()).contains("min_vram_gb");
        assertThat(trade.get("job_id").asText()).isEqualTo(smallJob);
        assertThat(offer(offerId).get("jobs_left").asInt()).isEqualTo(1);
    }

    static Stream<Arguments> offersBeyondTheRegistration() {
        return Stream.of(
                Arguments.of("gpu", Map.of("gpu", "H100"), "requirements.gpu"),
                Arguments.of("memory", Map.of("min_vram_gb", 81), "requirements.min_vram_gb"),
                Arguments.of("models", Map.of("models", List.of("llama-3-8b", "sdxl")), "requirements.models"),
                Arguments.of("region", Map.of("region", "elsewhere"), "requirements.region"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("offersBeyondTheRegistration")
    void offerStatingMoreThanItsMinersRegistrationIsRefused(String what, Map<String, Object> stated,
                                                             String field) {
        JsonNode error = api.json(api.post(seller, "/v1/marketplace/offers", Map.of("job_type", "ai-inference",
                "price", "0.2", "requirements", stated)), 400);

        assertThat(error.get("error").get("code").asText()).isEqualTo("VALIDATION_FAILED");
        assertThat(error.get("error").get("details").get("fields")).hasSize(1);
        assertThat(error.get("error").get("details").get("fields").get(0).get("field").asText()).isEqualTo(field);
    }

    @Test
    void offerStatingWhatItsMinerRegisteredIsPublished() {
        String offerId = publishBody(seller, Map.of("job_type", "ai-inference", "price", "0.2",
                "requirements", Map.of("gpu", "a100", "min_vram_gb", 80, "models", List.of("llama-3-8b"),
                        "region", region)));

        assertThat(offer(offerId).get("requirements").get("min_vram_gb").asInt()).isEqualTo(80);
    }

    @Test
    @Order(Integer.MAX_VALUE)
    void statisticsEqualARecomputationFromTheRawEvents() throws Exception {
        // given: besides the other tests' trades, a job per token, a failed job and a canceled one
        String offerId = publishBody(seller, Map.of("job_type", "ai-inference", "price", "0.0000013",
                "unit_type", "tokens", "max_jobs", 2, "duration", 600));
        String perToken = submit("0.001");
        api.json(accept(client, offerId, perToken, "0.0000013"), 201);
        api.poll(seller, 5);
        api.json(api.post(seller, "/v1/miners/" + perToken + "/result", Map.of("result", Map.of("n", 1),
                "metrics", Map.of("units", 777, "unit_type", "tokens"))), 200);
        String failing = submit("0.5");
        JsonNode failed = api.poll(seller, 5);
        api.json(api.post(seller, "/v1/miners/" + failed.get("job_id").asText() + "/fail",
                Map.of("error_code", "OOM", "retryable", false)), 200);
        api.json(api.post(client, "/v1/jobs/" + submit("0.5") + "/cancel", Map.of()), 200);
        assertThat(failed.get("job_id").asText()).isEqualTo(failing);

        // when: a moment when no event arrives between reading the statistics and reading the events
        for (int tryNumber = 1; ; tryNumber++) {
            long before = lastEventIndex();
            JsonNode market = api.json(api.get(client, "/v1/marketplace/stats"), 200);
            MarketRecomputation expected = recompute(before);
            Map<String, JsonNode> miners = new HashMap<>();
            expected.miners().keySet().forEach(minerId -> miners.put(minerId,
                    api.json(api.get(client, "/v1/miners/" + minerId + "/stats"), 200)));
            if (lastEventIndex() != before && tryNumber < 10) {
                Thread.sleep(300);
                continue;
            }

            // then
            MarketRecomputation.Market recomputed = expected.market(Instant.now(), Duration.ofMinutes(10));
            assertThat(market.get("total_jobs").asLong()).isEqualTo(recomputed.totalJobs());
            assertThat(market.get("active_jobs").asLong()).isEqualTo(recomputed.activeJobs());
            assertThat(market.get("completed_jobs").asLong()).isEqualTo(recomputed.completedJobs()).isPositive();
            assertThat(market.get("failed_jobs").asLong()).isEqualTo(recomputed.failedJobs()).isPositive();
            assertThat(market.get("average_completion_time").decimalValue())
                    .isEqualByComparingTo(recomputed.averageCompletionTime());
            assertThat(new BigDecimal(market.get("total_volume").asText()))
                    .isEqualByComparingTo(recomputed.totalVolume());
            assertThat(market.get("active_miners").asLong()).isEqualTo(recomputed.activeMiners());
            assertThat(market.get("open_offers").asLong()).isEqualTo(recomputed.openOffers());
            expected.miners().forEach((minerId, view) -> {
                JsonNode answered = miners.get(minerId);
                assertThat(answered.get("reputation").decimalValue()).as(minerId)
                        .isEqualByComparingTo(view.reputation());
                assertThat(answered.get("total_jobs").asLong()).as(minerId).isEqualTo(view.totalJobs());
                assertThat(new BigDecimal(answered.get("total_earned").asText())).as(minerId)
                        .isEqualByComparingTo(view.totalEarned());
                assertSameDecimal(answered.get("success_rate"), view.successRate(), minerId);
                assertSameDecimal(answered.get("average_completion_time"), view.averageCompletionTime(), minerId);
                assertThat(Instant.parse(answered.get("active_since").asText())).as(minerId)
                        .isEqualTo(view.activeSince());
            });
            assertThat(miners.get(seller.principal()).get("total_earned").asText()).isNotEqualTo("0");
            return;
        }
    }

    // ---- helpers

    private long lastEventIndex() {
        Long last = dsl.resultQuery("select max(global_index) from domain_event_entry").fetchOne(0, Long.class);
        return last == null ? 0 : last;
    }

    /** The recomputation audit-verify makes, fed straight from the event table. */
    private MarketRecomputation recompute(long upToIndex) throws IOException {
        MarketRecomputation recomputation = new MarketRecomputation();
        ObjectMapper events = EventStoreConfiguration.eventObjectMapper()
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
        for (var row : dsl.resultQuery("select payload_type, payload, time_stamp from domain_event_entry"
                + " where global_index <= ? order by global_index", upToIndex).fetch()) {
            recomputation.accept(StoredEvent.shortType(row.get(0, String.class)),
                    events.readTree(row.get(1, byte[].class)), Instant.parse(row.get(2, String.class)));
        }
        return recomputation;
    }

    private static void assertSameDecimal(JsonNode answered, BigDecimal expected, String what) {
        if (expected == null) {
            assertThat(answered == null || answered.isNull()).as(what).isTrue();
        } else {
            assertThat(answered.decimalValue()).as(what).isEqualByComparingTo(expected);
        }
    }

    /** Starts a 30 s poll and returns once it waits, so polls started one after another wait in that order. */
    private CompletableFuture<JsonNode> pollOnceWaiting(Key polling) {
        double waitingBefore = waitingPolls();
        CompletableFuture<JsonNode> poll = CompletableFuture.supplyAsync(() -> api.poll(polling, 30), callers);
        await().atMost(Duration.ofSeconds(20)).until(() -> waitingPolls() > waitingBefore);
        return poll;
    }

    private double waitingPolls() {
        return meters.get("coordinator.polls.waiting").gauge().value();
    }

    private void registerMiner(Key miner, String price, String unitType, int concurrency) {
        api.json(api.post(miner, "/v1/miners/register", Map.of(
                "capabilities", Map.of(
                        "gpus", List.of(Map.of("name", "NVIDIA A100", "memory_mb", 81920)),
                        "models", List.of("llama-3-8b"),
                        "job_types", List.of("ai-inference", "embedding")),
                "concurrency", concurrency,
                "region", region,
                "price", price,
                "unit_type", unitType)), 200);
    }

    private String publish(Key miner, String type, String price, int maxJobs, int durationSeconds) {
        return publishBody(miner, Map.of("job_type", type, "price", price, "max_jobs", maxJobs,
                "duration", durationSeconds, "requirements", Map.of("gpu", "A100", "region", region)));
    }

    private String publishBody(Key miner, Map<String, Object> body) {
        JsonNode created = api.json(api.post(miner, "/v1/marketplace/offers", body), 201);
        assertThat(created.get("status").asText()).isEqualTo("active");
        assertThat(created.get("expires_at").asText()).endsWith("Z");
        return created.get("offer_id").asText();
    }

    private String submit(String maxPrice) {
        return submitAs(client, maxPrice);
    }

    private String submitAs(Key owner, String maxPrice) {
        return api.submitJob(owner, Map.of("type", "ai-inference", "max_price", maxPrice,
                "requirements", Map.of("region", region)));
    }

    private EntityExchangeResult<byte[]> idempotentSubmit(String key, Map<String, Object> body) {
        return api.http().post().uri("/v1/jobs")
                .header("X-API-Key", client.secret())
                .header("Idempotency-Key", key)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body)
                .exchange()
                .expectBody()
                .returnResult();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static JsonNode tree(EntityExchangeResult<byte[]> answer) {
        try {
            return new ObjectMapper().readTree(answer.getResponseBodyContent());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private ResponseSpec accept(Key buyer, String offerId, String jobId, String bid) {
        return api.post(buyer, "/v1/marketplace/offers/" + offerId + "/accept",
                Map.of("job_id", jobId, "bid_price", bid));
    }

    private JsonNode offer(String offerId) {
        return api.json(api.get(client, "/v1/marketplace/offers/" + offerId), 200);
    }

    private String code(ResponseSpec response, int status) {
        return api.json(response, status).get("error").get("code").asText();
    }

    private static String uniqueType() {
        return "t-" + UUID.randomUUID().toString().substring(0, 8);
    }

    interface Racer<T> {
        T run(int index) throws Exception;
    }

    /** Runs one task per thread, all released at once; answers their results in index order. */
    private static <T> List<T> race(int threads, Racer<T> racer) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<T>> futures = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                int index = i;
                Callable<T> task = () -> {
                    start.await();
                    return racer.run(index);
                };
                futures.add(pool.submit(task));
            }
            start.countDown();
            List<T> results = new ArrayList<>();
            for (Future<T> future : futures) {
                results.add(future.get(60, TimeUnit.SECONDS));
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }
}
