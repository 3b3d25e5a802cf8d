package io.aitbc.coordinator.replay;

import io.aitbc.coordinator.replay.ReplayAudit.Findings;
import io.aitbc.coordinator.replay.ReplayLedger.Completion;
import io.aitbc.coordinator.replay.ReplayLedger.Handout;
import io.aitbc.coordinator.replay.ReplayLedger.Purchase;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ReplayAuditTest {

    private static final long MS = 1_000_000L;
    private static final Instant RESERVED_UNTIL = Instant.parse("2026-01-05T10:01:00Z");

    private final ReplayLedger ledger = new ReplayLedger();
    private final Map<String, FinalState> finalStates = new HashMap<>();
    private final Map<String, ReceiptOutcome> receipts = new HashMap<>();

    @Test
    void jobsThatEachCompletedOnceWithAValidReceiptPass() {
        // given
        completedOnce("job_a", 1, 0, 10, 25);
        completedOnce("job_b", 2, 5, 35, 60);

        // when
        Findings findings = audit();

        // then
        assertThat(findings.ok()).isTrue();
        assertThat(findings.submitted()).isEqualTo(2);
        assertThat(findings.count("completed")).isEqualTo(2);
        assertThat(findings.receiptsVerified()).isEqualTo(2);
        assertThat(findings.queueWait()).isEqualTo(new LatencySummary(2, 10.0, 30.0, 30.0, 30.0));
        assertThat(findings.endToEnd()).isEqualTo(new LatencySummary(2, 25.0, 55.0, 55.0, 55.0));
    }

    @Test
    void aJobTheCoordinatorNoLongerKnowsIsLost() {
        submit("job_a", 1, 0);
        finalStates.put("job_a", FinalState.notFound("job_a"));

        Findings findings = audit();

        assertThat(findings.ok()).isFalse();
        assertThat(findings.lost()).containsExactly("job_a: accepted, then unknown to the coordinator");
    }

    @Test
    void aJobWithoutAnyFinalStateAnsweredCountsAsLost() {
        submit("job_a", 1, 0);

        assertThat(audit().lost()).hasSize(1);
    }

    @Test
    void aRowTheCoordinatorNeverAcceptedIsLost() {
        ledger.submitFailed(row(9), "500 INTERNAL_ERROR: boom");

        Findings findings = audit();

        assertThat(findings.ok()).isFalse();
        assertThat(findings.lost()).containsExactly("line 9: never accepted (500 INTERNAL_ERROR: boom)");
        assertThat(findings.rows()).isEqualTo(1);
    }

    @Test
    void aJobStillQueuedOrRunningIsUnfinished() {
        submit("job_a", 1, 0);
        submit("job_b", 2, 0);
        finalStates.put("job_a", new FinalState("job_a", "queued", null, null));
        finalStates.put("job_b", new FinalState("job_b", "running", "miner_1", null));

        Findings findings = audit();

        assertThat(findings.unfinished()).containsExactly("job_a: still queued", "job_b: still running");
        assertThat(findings.ok()).isFalse();
    }

    @Test
    void expiredFailedAndCanceledJobsAreFinishedAndNeedNoReceipt() {
        submit("job_a", 1, 0);
        submit("job_b", 2, 0);
        submit("job_c", 3, 0);
        finalStates.put("job_a", new FinalState("job_a", "expired", null, null));
        finalStates.put("job_b", new FinalState("job_b", "failed", null, null));
        finalStates.put("job_c", new FinalState("job_c", "canceled", null, null));

        Findings findings = audit();

        assertThat(findings.ok()).isTrue();
        assertThat(findings.count("expired")).isEqualTo(1);
        assertThat(findings.count("failed")).isEqualTo(1);
        assertThat(findings.count("canceled")).isEqualTo(1);
    }

    @Test
    void oneAttemptHandedToTwoMinersIsADuplicate() {
        completedOnce("job_a", 1, 0, 10, 25);
        handOut("job_a", "miner_2", 1, 12 * MS);

        Findings findings = audit();

        assertThat(findings.duplicated())
                .containsExactly("job_a: attempt 1 handed out twice, the second time to miner_2");
        assertThat(findings.ok()).isFalse();
    }

    @Test
    void aJobHandedOutAgainAfterItCompletedIsADuplicate() {
        completedOnce("job_a", 1, 0, 10, 25);
        handOut("job_a", "miner_2", 2, 30 * MS);

        assertThat(audit().duplicated()).containsExactly("job_a: handed out to miner_2 after it was completed");
    }

    @Test
    void aNewAttemptAfterALapsedLeaseIsAllowedAndCounted() {
        submit("job_a", 1, 0);
        handOut("job_a", "miner_1", 1, 10 * MS);
        handOut("job_a", "miner_2", 2, 70_000 * MS);
        complete("job_a", "miner_2", "rcpt_a", 70_010 * MS);
        finalStates.put("job_a", new FinalState("job_a", "completed", "miner_2", "rcpt_a"));
        receipts.put("job_a", new ReceiptOutcome("job_a", true, List.of()));

        Findings findings = audit();

        assertThat(findings.ok()).isTrue();
        assertThat(findings.reassigned()).isEqualTo(1);
        assertThat(findings.queueWait().maxMs()).isEqualTo(10.0);
    }

    @Test
    void aJobCompletedByTwoMinersIsADuplicate() {
        completedOnce("job_a", 1, 0, 10, 25);
        handOut("job_a", "miner_2", 2, 20 * MS);
        complete("job_a", "miner_2", "rcpt_other", 26 * MS);

        assertThat(audit().duplicated()).singleElement().asString().startsWith("job_a: completed 2 times");
    }

    @Test
    void twoRowsAnsweredWithOneJobAreADuplicate() {
        completedOnce("job_a", 1, 0, 10, 25);
        ledger.submitted(row(2), "job_a", "digest", 1 * MS, 2 * MS);

        assertThat(audit().duplicated()).containsExactly("job_a: accepted for lines 1 and 2");
    }

    @Test
    void aCompletedJobWithoutAValidReceiptFails() {
        completedOnce("job_a", 1, 0, 10, 25);
        completedOnce("job_b", 2, 0, 10, 25);
        receipts.put("job_a", ReceiptOutcome.missing("job_a"));
        receipts.put("job_b", new ReceiptOutcome("job_b", true, List.of("signature does not verify")));

        Findings findings = audit();

        assertThat(findings.ok()).isFalse();
        assertThat(findings.receiptsIssued()).isEqualTo(1);
        assertThat(findings.receiptsVerified()).isZero();
        assertThat(findings.receiptProblems()).containsExactlyInAnyOrder(
                "job_a: no receipt was issued", "job_b: signature does not verify");
    }

    @Test
    void finalStatesThatContradictTheAcceptedReportsAreMismatches() {
        completedOnce("job_a", 1, 0, 10, 25);
        finalStates.put("job_a", new FinalState("job_a", "failed", "miner_1", null));
        submit("job_b", 2, 0);
        finalStates.put("job_b", new FinalState("job_b", "completed", "miner_9", "rcpt_b"));
        receipts.put("job_b", new ReceiptOutcome("job_b", true, List.of()));
        completedOnce("job_c", 3, 0, 10, 25);
        finalStates.put("job_c", new FinalState("job_c", "completed", "miner_9", "rcpt_c"));

        Findings findings = audit();

        assertThat(findings.mismatched()).containsExactlyInAnyOrder(
                "job_a: its result was accepted, yet it ended failed",
                "job_b: completed, but no miner of the replay completed it",
                "job_c: completed by miner_1 but shows miner miner_9");
    }

    @Test
    void aBoughtJobMustReachTheOffersMinerAtTheOffersPrice() {
        // given
        submit("job_a", 1, 0);
        ledger.purchased(new Purchase("job_a", "offer_1", "miner_1", "0.0000021", RESERVED_UNTIL));
        ledger.handedOut(new Handout("job_a", "miner_1", 1, "0.00000210", "offer_1", 10 * MS,
                RESERVED_UNTIL.minusSeconds(50)));
        complete("job_a", "miner_1", "rcpt_a", 20 * MS);
        finalStates.put("job_a", new FinalState("job_a", "completed", "miner_1", "rcpt_a"));
        receipts.put("job_a", new ReceiptOutcome("job_a", true, List.of()));
        submit("job_b", 2, 0);
        ledger.purchased(new Purchase("job_b", "offer_1", "miner_1", "0.0000021", RESERVED_UNTIL));
        ledger.handedOut(new Handout("job_b", "miner_2", 1, "0.000006", null, 10 * MS,
                RESERVED_UNTIL.minusSeconds(1)));
        complete("job_b", "miner_2", "rcpt_b", 20 * MS);
        finalStates.put("job_b", new FinalState("job_b", "completed", "miner_2", "rcpt_b"));
        receipts.put("job_b", new ReceiptOutcome("job_b", true, List.of()));

        // when
        Findings findings = audit();

        // then
        assertThat(findings.mismatched()).containsExactly("job_b: bought through offer_1 of miner_1 at 0.0000021,"
                + " but handed to miner_2 through null at 0.000006");
    }

    @Test
    void aBoughtJobMayGoElsewhereOnceItsReservationLapsed() {
        // given
        submit("job_a", 1, 0);
        ledger.purchased(new Purchase("job_a", "offer_1", "miner_1", "0.0000021", RESERVED_UNTIL));
        ledger.handedOut(new Handout("job_a", "miner_2", 1, "0.000003", "offer_2", 10 * MS,
                RESERVED_UNTIL.plusMillis(300)));
        complete("job_a", "miner_2", "rcpt_a", 20 * MS);
        finalStates.put("job_a", new FinalState("job_a", "completed", "miner_2", "rcpt_a"));
        receipts.put("job_a", new ReceiptOutcome("job_a", true, List.of()));

        // when
        Findings findings = audit();

        // then
        assertThat(findings.mismatched()).isEmpty();
    }

    @Test
    void aJobAssignedAtAPriceItsMinerNeverAskedFails() {
        completedOnce("job_a", 1, 0, 10, 25);
        ledger.mispriced("job_a: assigned to miner_1 at 0.1 without an offer; it registered at 0.000002");

        assertThat(audit().mismatched()).containsExactly(
                "job_a: assigned to miner_1 at 0.1 without an offer; it registered at 0.000002");
    }

    @Test
    void jobsTheReplayDidNotSubmitAreCountedApart() {
        handOut("job_old", "miner_1", 1, 5 * MS);

        Findings findings = audit();

        assertThat(findings.foreign()).isEqualTo(1);
        assertThat(findings.ok()).isTrue();
    }

    private Findings audit() {
        return ReplayAudit.audit(ledger.snapshot(), finalStates, receipts);
    }

    /** A job submitted at {@code sentMs}, handed to miner_1 at {@code handedMs}, completed at {@code doneMs}. */
    private void completedOnce(String jobId, int line, long sentMs, long handedMs, long doneMs) {
        submit(jobId, line, sentMs);
        handOut(jobId, "miner_1", 1, handedMs * MS);
        complete(jobId, "miner_1", "rcpt_" + jobId, doneMs * MS);
        finalStates.put(jobId, new FinalState(jobId, "completed", "miner_1", "rcpt_" + jobId));
        receipts.put(jobId, new ReceiptOutcome(jobId, true, List.of()));
    }

    private void handOut(String jobId, String minerId, int attempt, long atNanos) {
        ledger.handedOut(new Handout(jobId, minerId, attempt, "0.000002", null, atNanos, Instant.EPOCH));
    }

    private void submit(String jobId, int line, long sentMs) {
        ledger.submitted(row(line), jobId, "digest", sentMs * MS, sentMs * MS + 1);
    }

    private void complete(String jobId, String minerId, String receiptId, long atNanos) {
        ledger.completed(new Completion(jobId, minerId, receiptId, 54, "0.000002", "digest", atNanos));
    }

    private static TraceRow row(int line) {
        return new TraceRow(line, Duration.ofMillis(line), 50, 4);
    }
}
