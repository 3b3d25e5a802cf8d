package io.aitbc.coordinator.job;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.aitbc.coordinator.job.api.CompleteJobCommand;
import io.aitbc.coordinator.job.api.JobAssignedEvent;
import io.aitbc.coordinator.job.api.JobCanceledEvent;
import io.aitbc.coordinator.job.api.JobCompletedEvent;
import io.aitbc.coordinator.job.api.JobExpiredEvent;
import io.aitbc.coordinator.job.api.JobFailedEvent;
import io.aitbc.coordinator.job.api.JobRequeuedEvent;
import io.aitbc.coordinator.job.api.JobRequirements;
import io.aitbc.coordinator.job.api.JobStatus;
import io.aitbc.coordinator.job.api.JobSubmittedEvent;
import org.junit.jupiter.api.Named;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;

/**
 * One job's story on a fixed timeline, shared by the job aggregate's tests: submitted, assigned to
 * {@link #MINER_ID} five seconds later under a one-minute lease, priced per token.
 */
final class JobHistory {

    static final String JOB_ID = "job_01JEX3Q7R5M2K8ZC4W9F6B1T0D";
    static final String CLIENT_ID = "client_01JEX3Q7R5M2K8ZC4W9F6B1T0E";
    static final String MINER_ID = "miner_01JEX3Q7R5M2K8ZC4W9F6B1T0F";
    static final String OTHER_MINER_ID = "miner_01JEX3Q7R5M2K8ZC4W9F6B1T0G";
    static final String OFFER_ID = "offer_01JEX3Q7R5M2K8ZC4W9F6B1T0H";
    static final String RECEIPT_ID = "rcpt_01JEX3Q7R5M2K8ZC4W9F6B1T0J";
    static final String TYPE = "ai-inference";
    static final String PAYLOAD_SHA256 = "aa".repeat(32);
    static final String RESULT_SHA256 = "bb".repeat(32);
    static final String OTHER_RESULT_SHA256 = "cc".repeat(32);
    static final int MAX_ATTEMPTS = 3;

    static final String TOKENS = "token";
    static final BigDecimal PRICE_PER_TOKEN = new BigDecimal("0.0000125");
    static final BigDecimal PRICE_PER_JOB = new BigDecimal("0.25");

    static final Instant SUBMITTED_AT = Instant.parse("2026-12-04T12:00:00.000Z");
    static final Instant EXPIRES_AT = SUBMITTED_AT.plus(Duration.ofMinutes(15));
    static final Duration LEASE = Duration.ofSeconds(60);
    static final Instant ASSIGNED_AT = SUBMITTED_AT.plusSeconds(5);
    static final Instant LEASE_ENDS = ASSIGNED_AT.plus(LEASE);
    /** A moment inside the first lease, when a miner reports. */
    static final Instant DURING_LEASE = ASSIGNED_AT.plusSeconds(30);

    static final JsonNode PAYLOAD = JsonNodeFactory.instance.objectNode().put("prompt", "Say hello");
    static final JsonNode RESULT = JsonNodeFactory.instance.objectNode().put("text", "Hello");

    private JobHistory() {
    }

    static JobSubmittedEvent submitted() {
        return submitted(MAX_ATTEMPTS);
    }

    static JobSubmittedEvent submitted(int maxAttempts) {
        return new JobSubmittedEvent(JOB_ID, CLIENT_ID, TYPE, "greeting", PAYLOAD, PAYLOAD_SHA256,
                JobRequirements.NONE, null, SUBMITTED_AT, EXPIRES_AT, maxAttempts);
    }

    /** The first attempt, taken by {@link #MINER_ID} at {@link #ASSIGNED_AT}, priced per token. */
    static JobAssignedEvent assigned() {
        return assigned(MINER_ID, 1, ASSIGNED_AT);
    }

    static JobAssignedEvent assigned(String minerId, int attempt, Instant at) {
        return new JobAssignedEvent(JOB_ID, minerId, OFFER_ID, PRICE_PER_TOKEN, TOKENS, attempt, at, at.plus(LEASE));
    }

    static JobAssignedEvent assignedPerJob() {
        return new JobAssignedEvent(JOB_ID, MINER_ID, null, PRICE_PER_JOB, "job", 1, ASSIGNED_AT, LEASE_ENDS);
    }

    /** The lease of {@code attempt}, taken by {@link #MINER_ID}, lapsed at {@code at}. */
    static JobRequeuedEvent leaseLapsed(int attempt, Instant at) {
        return new JobRequeuedEvent(JOB_ID, MINER_ID, attempt, JobRequeuedEvent.LEASE_EXPIRED, "LEASE_EXPIRED",
                "Miner " + MINER_ID + " did not renew its lease", at);
    }

    static JobCompletedEvent completed() {
        return new JobCompletedEvent(JOB_ID, RECEIPT_ID, CLIENT_ID, MINER_ID, OFFER_ID, TYPE, 1,
                new BigDecimal("300"), TOKENS, PRICE_PER_TOKEN, new BigDecimal("0.0037500"), ASSIGNED_AT,
                DURING_LEASE, PAYLOAD_SHA256, RESULT_SHA256, RESULT, metrics(new BigDecimal("300")), null);
    }

    static JobFailedEvent failed() {
        return new JobFailedEvent(JOB_ID, MINER_ID, 1, "OUT_OF_MEMORY", "CUDA out of memory", DURING_LEASE);
    }

    static JobCanceledEvent canceledWhileRunning() {
        return new JobCanceledEvent(JOB_ID, MINER_ID, JobStatus.RUNNING, CLIENT_ID, DURING_LEASE);
    }

    static JobExpiredEvent expiredWhileRunning() {
        return new JobExpiredEvent(JOB_ID, MINER_ID, JobStatus.RUNNING, DURING_LEASE);
    }

    /** The assigned miner's report of {@code units} tokens with {@link #RESULT}. */
    static CompleteJobCommand completion(BigDecimal units, String unitType) {
        return new CompleteJobCommand(JOB_ID, MINER_ID, RESULT, RESULT_SHA256, units, unitType, metrics(units),
                null);
    }

    static JsonNode metrics(BigDecimal units) {
        return JsonNodeFactory.instance.objectNode().put("units", units).put("unit_type", TOKENS);
    }

    /** Histories of a job that {@link #MINER_ID} was running when it reached a final state. */
    static Stream<Named<List<Object>>> finishedJobs() {
        return Stream.of(
                Named.of("completed", List.of(submitted(), assigned(), completed())),
                Named.of("failed", List.of(submitted(), assigned(), failed())),
                Named.of("canceled", List.of(submitted(), assigned(), canceledWhileRunning())),
                Named.of("expired", List.of(submitted(), assigned(), expiredWhileRunning())));
    }

    /** Like {@link #finishedJobs()}, without the completed one: these never produced a result. */
    static Stream<Named<List<Object>>> jobsEndedWithoutResult() {
        return finishedJobs().filter(history -> !history.getName().equals("completed"));
    }
}
