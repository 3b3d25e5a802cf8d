package io.aitbc.coordinator.receipt;

import java.time.Instant;

/**
 * A signed receipt ready to be logged.
 *
 * @param body      the RFC 8785 bytes of the whole receipt: the log leaf's bytes
 * @param minerAttested true when the receipt carries a verified miner attestation
 */
record IssuedReceipt(String jobId, String receiptId, String eventId, String clientId, String minerId, String keyId,
        Instant completedAt, long logIndex, byte[] body, boolean minerAttested) {
}
