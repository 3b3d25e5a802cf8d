package io.aitbc.coordinator.receipt;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aitbc.coordinator.common.api.Money;
import io.aitbc.coordinator.job.api.JobCompletedEvent;
import io.aitbc.coordinator.job.api.JobStatus;
import io.aitbc.coordinator.receipt.verify.Ed25519Signatures;
import io.aitbc.coordinator.receipt.verify.Jcs;
import io.aitbc.coordinator.receipt.verify.ReceiptFormat;

import java.util.Base64;

/**
 * Writes and signs the receipt of one completion, as {@link ReceiptFormat} defines it. The result
 * depends only on the event, its log index, the signing key and the miner's registered key, so
 * signing the same event again yields the same bytes.
 */
final class ReceiptSigner {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private ReceiptSigner() {
    }

    /**
     * @param minerKey the raw key the miner registered, or {@code null}
     * @throws io.aitbc.coordinator.receipt.verify.CanonicalizationException when a value has no
     *                                                                        canonical form
     * @throws IllegalArgumentException when the event lacks a fact the receipt must state
     */
    static IssuedReceipt sign(JobCompletedEvent event, String eventId, long logIndex, SigningKey key,
            byte[] minerKey) {
        ObjectNode receipt = body(event, eventId, logIndex);
        byte[] signature = Ed25519Signatures.sign(key.privateKey(), Jcs.canonicalize(receipt));
        receipt.putObject(ReceiptFormat.SIGNATURE)
                .put("alg", ReceiptFormat.ALGORITHM)
                .put("key_id", key.keyId())
                .put("public_key", ReceiptFormat.base64(key.publicKey()))
                .put("sig", ReceiptFormat.base64Url(signature));
        ObjectNode attestation = minerAttestation(event, minerKey);
        if (attestation != null) {
            receipt.putArray(ReceiptFormat.ATTESTATIONS).add(attestation);
        }
        return new IssuedReceipt(event.jobId(), event.receiptId(), eventId, event.clientId(), event.minerId(),
                key.keyId(), event.completedAt(), logIndex, ReceiptFormat.leafBytes(receipt), attestation != null);
    }

    /** The signed members, in the contract's order (the canonical form sorts them anyway). */
    static ObjectNode body(JobCompletedEvent event, String eventId, long logIndex) {
        ObjectNode receipt = NODES.objectNode();
        receipt.put("receipt_id", required(event.receiptId(), "receipt_id"));
        receipt.put("version", ReceiptFormat.VERSION);
        receipt.put("job_id", required(event.jobId(), "job_id"));
        receipt.put("job_type", required(event.type(), "job_type"));
        receipt.put("client_id", required(event.clientId(), "client_id"));
        receipt.put("miner_id", required(event.minerId(), "miner_id"));
        receipt.put("status", JobStatus.COMPLETED.wireName());
        receipt.put("units", Money.format(required(event.units(), "units")));
        receipt.put("unit_type", event.unitType() == null ? Money.UNIT_JOB : event.unitType());
        receipt.put("unit_price", Money.format(required(event.unitPrice(), "unit_price")));
        receipt.put("price", Money.format(required(event.price(), "price")));
        receipt.put("currency", Money.CURRENCY);
        receipt.put("started_at", ReceiptFormat.formatTime(required(event.startedAt(), "started_at")));
        receipt.put("completed_at", ReceiptFormat.formatTime(required(event.completedAt(), "completed_at")));
        receipt.put("payload_sha256", required(event.payloadSha256(), "payload_sha256"));
        receipt.put("result_sha256", required(event.resultSha256(), "result_sha256"));
        receipt.put("event_id", required(eventId, "event_id"));
        receipt.put(ReceiptFormat.LOG_INDEX, logIndex);
        return receipt;
    }

    /**
     * The miner's attestation when it registered a key and its signature over
     * {@link ReceiptFormat#minerAttestationMessage} verifies under that key; otherwise none. The
     * miner sends standard base64 (base64url is accepted too); the receipt carries base64url.
     */
    static ObjectNode minerAttestation(JobCompletedEvent event, byte[] minerKey) {
        if (minerKey == null || event.minerSignature() == null || event.minerSignature().isBlank()) {
            return null;
        }
        byte[] signature = decodeEitherBase64(event.minerSignature());
        byte[] message = ReceiptFormat.minerAttestationMessage(event.jobId(), event.resultSha256());
        if (signature == null || !Ed25519Signatures.verify(minerKey, message, signature)) {
            return null;
        }
        ObjectNode attestation = NODES.objectNode();
        attestation.put("type", ReceiptFormat.MINER_ATTESTATION);
        attestation.put("key_id", ReceiptFormat.keyId(minerKey));
        attestation.put("public_key", ReceiptFormat.base64(minerKey));
        attestation.put("sig", ReceiptFormat.base64Url(signature));
        return attestation;
    }

    private static byte[] decodeEitherBase64(String text) {
        String trimmed = text.trim();
        try {
            return Base64.getDecoder().decode(trimmed);
        } catch (IllegalArgumentException e) {
            try {
                return Base64.getUrlDecoder().decode(trimmed);
            } catch (IllegalArgumentException again) {
                return null;
            }
        }
    }

    private static <T> T required(T value, String name) {
        if (value == null) {
            throw new IllegalArgumentException("The completion has no " + name);
        }
        return value;
    }
}
