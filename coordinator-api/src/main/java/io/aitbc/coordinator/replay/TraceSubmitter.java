package io.aitbc.coordinator.replay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aitbc.coordinator.common.api.Money;
import io.aitbc.coordinator.replay.CoordinatorClient.Answer;
import io.aitbc.coordinator.replay.CoordinatorClient.Call;

import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The client side of the replay: submits each row as an {@code ai-inference} job when it is due.
 * Requests go out asynchronously, so a slow answer never delays the next row; a bound on the
 * requests in flight keeps a speed-zero replay from burying the coordinator in connections.
 *
 * <p>Each submission carries an {@code Idempotency-Key} made of the run and the row, so a retry
 * after a lost answer can never create a second job for one row.
 *
 * <p>In marketplace mode every second row goes to the market: its job names the market budget as
 * {@code max_price} and is submitted through the cheapest offer on sale ({@link OfferBuyer}).
 */
final class TraceSubmitter {

    /** The body of {@code POST /v1/jobs}. */
    record SubmitJob(String type, String name, JsonNode payload, String maxPrice, Integer ttlSeconds) {
    }

    static final int IN_FLIGHT_AT_FULL_SPEED = 16;
    static final int IN_FLIGHT_PACED = 64;

    private final CoordinatorClient client;
    private final ReplayLedger ledger;
    private final String apiKey;
    private final String runId;
    private final String traceName;
    private final double speed;
    private final Integer ttlSeconds;
    private final OfferBuyer buyer;
    private final Semaphore inFlight;
    private final AtomicInteger lagSamples = new AtomicInteger();
    private final long[] lagNanos;

    /** @param buyer submits every second job through an offer, or {@code null} outside marketplace mode */
    TraceSubmitter(CoordinatorClient client, ReplayLedger ledger, String apiKey, String runId, String traceName,
                   double speed, Integer ttlSeconds, OfferBuyer buyer, int rows) {
        this.client = client;
        this.ledger = ledger;
        this.apiKey = apiKey;
        this.runId = runId;
        this.traceName = traceName;
        this.speed = speed;
        this.ttlSeconds = ttlSeconds;
        this.buyer = buyer;
        this.inFlight = new Semaphore(speed == 0 ? IN_FLIGHT_AT_FULL_SPEED : IN_FLIGHT_PACED);
        this.lagNanos = new long[rows];
    }

    /** Submits every row at its time and answers once the coordinator answered them all. */
    void submitAll(List<TraceRow> rows, long startNanos) throws InterruptedException {
        List<TraceRow> byArrival = rows.stream()
                .sorted(Comparator.comparing(TraceRow::arrival))
                .toList();
        for (TraceRow row : byArrival) {
            long due = Pacing.dueAt(startNanos, row, speed);
            long wait = due - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
            inFlight.acquire();
            submit(row, due);
        }
        int permits = speed == 0 ? IN_FLIGHT_AT_FULL_SPEED : IN_FLIGHT_PACED;
        inFlight.acquire(permits);
        inFlight.release(permits);
    }

    /** How late each request left against its scheduled time. */
    LatencySummary lag() {
        return LatencySummary.ofNanos(Arrays.copyOf(lagNanos, lagSamples.get()));
    }

    private void submit(TraceRow row, long dueNanos) {
        ObjectNode payload = payload(row);
        String payloadSha256 = Digests.sha256(payload);
        boolean toMarket = buyer != null && row.line() % 2 == 0;
        String maxPrice = toMarket ? Money.format(GpuProfile.marketBudget()) : null;
        SubmitJob job = new SubmitJob(SimulatedMiner.JOB_TYPE, traceName + " line " + row.line(), payload, maxPrice,
                ttlSeconds);
        String idempotencyKey = runId + "-" + row.line();
        long sent = System.nanoTime();
        recordLag(sent - dueNanos);
        CompletableFuture<Answer> answer;
        try {
            answer = toMarket ? buyer.submit(job, idempotencyKey)
                    : client.sendAsync(Call.post("/v1/jobs", "POST /v1/jobs", apiKey, job)
                            .withIdempotencyKey(idempotencyKey));
        } catch (RuntimeException e) {
            answer = CompletableFuture.failedFuture(e);
        }
        answer.handle((value, error) -> accept(row, payloadSha256, sent, value, error))
                .whenComplete((done, error) -> inFlight.release());
    }

    /** Records the answer; answers the job's id when the coordinator accepted the row. */
    private String accept(TraceRow row, String payloadSha256, long sent, Answer answer, Throwable error) {
        if (error != null) {
            ledger.submitFailed(row, String.valueOf(error.getCause() == null ? error : error.getCause()));
            return null;
        }
        String jobId = answer.body().path("job_id").asText(null);
        if (answer.status() != 201 || jobId == null) {
            ledger.submitFailed(row, answer.describe());
            return null;
        }
        ledger.submitted(row, jobId, payloadSha256, sent, System.nanoTime());
        return jobId;
    }

    /** The job's payload: the request's size, and where it came from, for whoever reads the job later. */
    ObjectNode payload(TraceRow row) {
        ObjectNode payload = client.json().createObjectNode();
        payload.put("model", SimulatedMiner.MODEL);
        payload.put("context_tokens", row.contextTokens());
        payload.put("generated_tokens", row.generatedTokens());
        payload.put("trace", traceName);
        payload.put("trace_line", row.line());
        payload.put("arrival_ms", row.arrival().toMillis());
        return payload;
    }

    private void recordLag(long nanos) {
        int index = lagSamples.getAndIncrement();
        if (index < lagNanos.length) {
            lagNanos[index] = Math.max(0, nanos);
        }
    }
}
