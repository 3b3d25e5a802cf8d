package io.aitbc.coordinator.replay;

import io.aitbc.coordinator.replay.ReplayLedger.Completion;
import io.aitbc.coordinator.replay.ReplayLedger.Handout;
import io.aitbc.coordinator.replay.ReplayLedger.Purchase;
import io.aitbc.coordinator.replay.ReplayLedger.Snapshot;
import io.aitbc.coordinator.replay.ReplayLedger.Submission;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Compares what the replay saw with what the coordinator answers at the end, and names every job
 * that was lost, duplicated, left unfinished or lacks a valid receipt.
 *
 * <p>A job handed out again with a higher attempt after its holder went quiet is a lease that
 * lapsed, which the contract allows; handed out twice for the same attempt, or again after its
 * holder completed it, it is a duplicate.
 */
final class ReplayAudit {

    private ReplayAudit() {
    }

    /**
     * The verdict of a replay.
     *
     * @param statuses             final status of each accepted job, counted (including {@code not_found})
     * @param lost                 accepted jobs the coordinator no longer knows, and rows it never accepted
     * @param duplicated           jobs accepted for two rows, handed out twice, or completed twice
     * @param unfinished           jobs still queued or running at the end
     * @param mismatched           jobs whose final state contradicts the reports the coordinator accepted
     * @param reassigned           handouts after a lapsed lease: allowed, but worth knowing
     * @param foreign              jobs the miners were handed that this replay did not submit
     * @param receiptProblems      one line per completed job without a valid receipt
     */
    record Findings(
            int rows,
            int submitted,
            Map<String, Integer> statuses,
            List<String> lost,
            List<String> duplicated,
            List<String> unfinished,
            List<String> mismatched,
            int reassigned,
            int foreign,
            int receiptsIssued,
            int receiptsVerified,
            List<String> receiptProblems,
            LatencySummary queueWait,
            LatencySummary endToEnd) {

        boolean ok() {
            return lost.isEmpty() && duplicated.isEmpty() && unfinished.isEmpty() && mismatched.isEmpty()
                    && receiptProblems.isEmpty();
        }

        int count(String status) {
            return statuses.getOrDefault(status, 0);
        }
    }

    static Findings audit(Snapshot ledger, Map<String, FinalState> finalStates, Map<String, ReceiptOutcome> receipts) {
        List<String> lost = new ArrayList<>();
        List<String> duplicated = new ArrayList<>();
        List<String> unfinished = new ArrayList<>();
        List<String> mismatched = new ArrayList<>();

        ledger.submitFailures().forEach(failure ->
                lost.add("line " + failure.row().line() + ": never accepted (" + failure.reason() + ")"));
        Map<String, Submission> submissions = new LinkedHashMap<>();
        for (Submission submission : ledger.submissions()) {
            Submission earlier = submissions.putIfAbsent(submission.jobId(), submission);
            if (earlier != null) {
                duplicated.add(submission.jobId() + ": accepted for lines " + earlier.row().line()
                        + " and " + submission.row().line());
            }
        }
        Map<String, List<Handout>> handouts = groupHandouts(ledger.handouts());
        Map<String, List<Completion>> completions = groupCompletions(ledger.completions());

        int reassigned = 0;
        for (var entry : handouts.entrySet()) {
            reassigned += checkHandouts(entry.getKey(), entry.getValue(),
                    completions.getOrDefault(entry.getKey(), List.of()), duplicated);
        }
        completions.forEach((jobId, reports) -> checkCompletions(jobId, reports, duplicated));
        mismatched.addAll(ledger.pricingProblems());
        ledger.purchases().forEach(purchase -> checkPurchase(purchase, handouts.getOrDefault(purchase.jobId(),
                List.of()), mismatched));

        Map<String, Integer> statuses = new TreeMap<>();
        int receiptsIssued = 0;
        int receiptsVerified = 0;
        List<String> receiptProblems = new ArrayList<>();
        for (String jobId : submissions.keySet()) {
            FinalState state = finalStates.getOrDefault(jobId, FinalState.notFound(jobId));
            statuses.merge(state.status(), 1, Integer::sum);
            if (state.status().equals(FinalState.NOT_FOUND)) {
                lost.add(jobId + ": accepted, then unknown to the coordinator");
                continue;
            }
            if (!state.isFinal()) {
                unfinished.add(jobId + ": still " + state.status());
            }
            checkAgainstReports(state, completions.getOrDefault(jobId, List.of()), mismatched);
            if (state.status().equals("completed")) {
                ReceiptOutcome receipt = receipts.getOrDefault(jobId, ReceiptOutcome.missing(jobId));
                receiptsIssued += receipt.issued() ? 1 : 0;
                receiptsVerified += receipt.verified() ? 1 : 0;
                if (!receipt.verified()) {
                    receiptProblems.add(jobId + ": " + String.join("; ", receipt.problems()));
                }
            }
        }

        Set<String> foreign = new HashSet<>(handouts.keySet());
        foreign.removeAll(submissions.keySet());
        return new Findings(
                submissions.size() + ledger.submitFailures().size(),
                submissions.size(),
                statuses,
                lost,
                duplicated,
                unfinished,
                mismatched,
                reassigned,
                foreign.size(),
                receiptsIssued,
                receiptsVerified,
                receiptProblems,
                queueWait(submissions, handouts),
                endToEnd(submissions, completions));
    }

    /** Answers how many handouts were lapsed-lease reassignments; adds the duplicates it finds. */
    private static int checkHandouts(String jobId, List<Handout> handouts, List<Completion> completions,
                                     List<String> duplicated) {
        int reassigned = 0;
        Set<Integer> attempts = new HashSet<>();
        long firstCompletion = completions.stream().mapToLong(Completion::atNanos).min().orElse(Long.MAX_VALUE);
        for (Handout handout : handouts) {
            if (!attempts.add(handout.attempt())) {
                duplicated.add(jobId + ": attempt " + handout.attempt() + " handed out twice, the second time to "
                        + handout.minerId());
            } else if (handout.atNanos() > firstCompletion) {
                duplicated.add(jobId + ": handed out to " + handout.minerId() + " after it was completed");
            } else if (attempts.size() > 1) {
                reassigned++;
            }
        }
        return reassigned;
    }

    /**
     * A job bought through an offer must go to the offer's miner at the offer's price, unless its
     * reservation lapsed first: then it is open to every miner again, as the contract says.
     */
    private static void checkPurchase(Purchase purchase, List<Handout> handouts, List<String> mismatched) {
        for (Handout handout : handouts) {
            boolean afterLapse = purchase.reservedUntil() != null && handout.at() != null
                    && handout.at().isAfter(purchase.reservedUntil());
            boolean asBought = handout.minerId().equals(purchase.minerId())
                    && Objects.equals(handout.offerId(), purchase.offerId())
                    && new BigDecimal(handout.unitPrice()).compareTo(new BigDecimal(purchase.unitPrice())) == 0;
            if (!asBought && !afterLapse) {
                mismatched.add(purchase.jobId() + ": bought through " + purchase.offerId() + " of "
                        + purchase.minerId() + " at " + purchase.unitPrice() + ", but handed to " + handout.minerId()
                        + " through " + handout.offerId() + " at " + handout.unitPrice());
            }
        }
    }

    private static void checkCompletions(String jobId, List<Completion> reports, List<String> duplicated) {
        Set<String> distinct = new HashSet<>();
        for (Completion report : reports) {
            distinct.add(report.minerId() + "/" + report.receiptId());
        }
        if (distinct.size() > 1) {
            duplicated.add(jobId + ": completed " + distinct.size() + " times (" + String.join(", ", distinct) + ")");
        }
    }

    private static void checkAgainstReports(FinalState state, List<Completion> reports, List<String> mismatched) {
        boolean reported = !reports.isEmpty();
        boolean completed = state.status().equals("completed");
        if (completed && !reported) {
            mismatched.add(state.jobId() + ": completed, but no miner of the replay completed it");
        } else if (!completed && reported) {
            mismatched.add(state.jobId() + ": its result was accepted, yet it ended " + state.status());
        } else if (completed && !reports.get(0).minerId().equals(state.minerId())) {
            mismatched.add(state.jobId() + ": completed by " + reports.get(0).minerId()
                    + " but shows miner " + state.minerId());
        }
    }

    private static Map<String, List<Handout>> groupHandouts(List<Handout> handouts) {
        Map<String, List<Handout>> byJob = new HashMap<>();
        handouts.stream()
                .sorted(Comparator.comparingLong(Handout::atNanos))
                .forEach(handout -> byJob.computeIfAbsent(handout.jobId(), id -> new ArrayList<>()).add(handout));
        return byJob;
    }

    private static Map<String, List<Completion>> groupCompletions(List<Completion> completions) {
        Map<String, List<Completion>> byJob = new HashMap<>();
        completions.stream()
                .sorted(Comparator.comparingLong(Completion::atNanos))
                .forEach(report -> byJob.computeIfAbsent(report.jobId(), id -> new ArrayList<>()).add(report));
        return byJob;
    }

    private static LatencySummary queueWait(Map<String, Submission> submissions,
                                            Map<String, List<Handout>> handouts) {
        return LatencySummary.ofNanos(submissions.values().stream()
                .filter(submission -> handouts.containsKey(submission.jobId()))
                .mapToLong(submission -> Math.max(0,
                        handouts.get(submission.jobId()).get(0).atNanos() - submission.sentNanos()))
                .toArray());
    }

    private static LatencySummary endToEnd(Map<String, Submission> submissions,
                                           Map<String, List<Completion>> completions) {
        return LatencySummary.ofNanos(submissions.values().stream()
                .filter(submission -> completions.containsKey(submission.jobId()))
                .mapToLong(submission -> Math.max(0,
                        completions.get(submission.jobId()).get(0).atNanos() - submission.sentNanos()))
                .toArray());
    }
}
