package io.aitbc.coordinator.replay;

import java.time.Instant;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the replay saw happen, as it happened: which row became which job, which miner was handed
 * which job, and which reports the coordinator accepted. Safe for the submitter and every miner
 * to write at once; the audit reads a snapshot of it afterwards.
 *
 * <p>Times are {@link System#nanoTime()} readings of this process, so latencies do not depend on
 * the clocks of the coordinator.
 */
final class ReplayLedger {

    /**
     * A row the coordinator accepted as a job; {@code sentNanos} is when the request left, and
     * {@code payloadSha256} the digest of the payload sent, as the receipt must carry it.
     */
    record Submission(TraceRow row, String jobId, String payloadSha256, long sentNanos, long acceptedNanos) {
    }

    /** A row the coordinator never accepted, after every retry. */
    record SubmitFailure(TraceRow row, String reason) {
    }

    /**
     * A poll answered with a job, at the unit price and through the offer (or none) the poll named;
     * {@code at} is the wall-clock time the answer arrived, to compare with the coordinator's times.
     */
    record Handout(String jobId, String minerId, int attempt, String unitPrice, String offerId, long atNanos,
                   Instant at) {
    }

    /**
     * A job the client bought through an offer: it is reserved for the offer's miner at its price until
     * {@code reservedUntil} (the coordinator's time; {@code null} when it did not say).
     */
    record Purchase(String jobId, String offerId, String minerId, String unitPrice, Instant reservedUntil) {
    }

    /**
     * A result report the coordinator accepted; {@code unitPrice} is what the miner asked and
     * {@code resultSha256} the digest of the result it sent, both as the receipt must carry them.
     */
    record Completion(String jobId, String minerId, String receiptId, long units, String unitPrice,
                      String resultSha256, long atNanos) {
    }

    /** A result report the coordinator refused. */
    record Rejection(String jobId, String minerId, String reason) {
    }

    record Snapshot(
            List<Submission> submissions,
            List<SubmitFailure> submitFailures,
            List<Handout> handouts,
            List<Completion> completions,
            List<Rejection> rejections,
            List<Purchase> purchases,
            List<String> pricingProblems) {
    }

    private final Queue<Submission> submissions = new ConcurrentLinkedQueue<>();
    private final Queue<SubmitFailure> submitFailures = new ConcurrentLinkedQueue<>();
    private final Queue<Handout> handouts = new ConcurrentLinkedQueue<>();
    private final Queue<Completion> completions = new ConcurrentLinkedQueue<>();
    private final Queue<Rejection> rejections = new ConcurrentLinkedQueue<>();
    private final Queue<Purchase> purchases = new ConcurrentLinkedQueue<>();
    private final Queue<String> pricingProblems = new ConcurrentLinkedQueue<>();
    private final AtomicInteger submitted = new AtomicInteger();
    private final AtomicInteger handedOut = new AtomicInteger();
    private final AtomicInteger completed = new AtomicInteger();
    private final AtomicLong lastChangeNanos = new AtomicLong(System.nanoTime());

    void submitted(TraceRow row, String jobId, String payloadSha256, long sentNanos, long acceptedNanos) {
        submissions.add(new Submission(row, jobId, payloadSha256, sentNanos, acceptedNanos));
        submitted.incrementAndGet();
        touch(acceptedNanos);
    }

    void submitFailed(TraceRow row, String reason) {
        submitFailures.add(new SubmitFailure(row, reason));
        touch(System.nanoTime());
    }

    void handedOut(Handout handout) {
        handouts.add(handout);
        handedOut.incrementAndGet();
        touch(handout.atNanos());
    }

    void purchased(Purchase purchase) {
        purchases.add(purchase);
    }

    /** A job assigned at a price its miner never asked. */
    void mispriced(String problem) {
        pricingProblems.add(problem);
    }

    void completed(Completion completion) {
        completions.add(completion);
        completed.incrementAndGet();
        touch(completion.atNanos());
    }

    void rejected(String jobId, String minerId, String reason) {
        rejections.add(new Rejection(jobId, minerId, reason));
        touch(System.nanoTime());
    }

    /** Marks progress seen from outside the miners, such as a job found expired. */
    void touch(long nanos) {
        lastChangeNanos.accumulateAndGet(nanos, Math::max);
    }

    int submittedCount() {
        return submitted.get();
    }

    int handedOutCount() {
        return handedOut.get();
    }

    int completedCount() {
        return completed.get();
    }

    int submitFailureCount() {
        return submitFailures.size();
    }

    int rejectionCount() {
        return rejections.size();
    }

    long lastChangeNanos() {
        return lastChangeNanos.get();
    }

    Snapshot snapshot() {
        return new Snapshot(
                List.copyOf(submissions),
                List.copyOf(submitFailures),
                List.copyOf(handouts),
                List.copyOf(completions),
                List.copyOf(rejections),
                List.copyOf(purchases),
                List.copyOf(pricingProblems));
    }
}
