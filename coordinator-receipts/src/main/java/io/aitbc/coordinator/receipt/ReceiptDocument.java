package io.aitbc.coordinator.receipt;

/**
 * A stored receipt. {@code json} is its RFC 8785 text, exactly the bytes that were signed and
 * logged: send it as it is, never re-serialised, or its canonical form is lost.
 *
 * @param clientId the client the job ran for, so the gateway can hide it from other clients
 * @param minerId  the miner that ran it
 */
public record ReceiptDocument(String jobId, String receiptId, String clientId, String minerId, long logIndex,
        String json) {
}
