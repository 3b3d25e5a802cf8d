package io.aitbc.coordinator.replay;

import java.util.List;

/**
 * What the replay found when it checked a completed job's receipt.
 *
 * @param issued   whether the coordinator had a receipt for the job before the wait ran out
 * @param problems why the receipt is not valid; empty for a receipt that checked out
 * @param unitPrice the receipt's unit price as written, {@code null} without a receipt
 * @param price     the receipt's price as written, {@code null} without a receipt
 */
record ReceiptOutcome(String jobId, boolean issued, List<String> problems, String unitPrice, String price) {

    ReceiptOutcome {
        problems = List.copyOf(problems);
    }

    ReceiptOutcome(String jobId, boolean issued, List<String> problems) {
        this(jobId, issued, problems, null, null);
    }

    static ReceiptOutcome missing(String jobId) {
        return new ReceiptOutcome(jobId, false, List.of("no receipt was issued"));
    }

    boolean verified() {
        return issued && problems.isEmpty();
    }
}
