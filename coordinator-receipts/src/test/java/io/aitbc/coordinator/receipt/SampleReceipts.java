package io.aitbc.coordinator.receipt;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.aitbc.coordinator.common.api.Ids;
import io.aitbc.coordinator.job.api.JobCompletedEvent;
import io.aitbc.coordinator.receipt.verify.Ed25519Signatures;
import io.aitbc.coordinator.receipt.verify.MerkleTree;
import io.aitbc.coordinator.receipt.verify.ReceiptFormat;
import io.aitbc.coordinator.receipt.verify.SignedCheckpoint;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Receipts signed the way the issuer signs them, without a database, for verifier tests. */
final class SampleReceipts {

    static final String ORIGIN = "aitbc-coordinator/receipts";
    static final Instant EPOCH = Instant.parse("2026-12-01T00:00:00.000Z");

    private static final ObjectMapper JSON = new ObjectMapper();

    private SampleReceipts() {
    }

    static SigningKey key(Instant validFrom, Instant validUntil) {
        byte[] privateKey = Ed25519Signatures.newPrivateKey();
        return new SigningKey(Ed25519Signatures.publicKey(privateKey), privateKey, validFrom, validUntil);
    }

    static JobCompletedEvent completion(Instant completedAt, String minerSignature, String jobId) {
        return new JobCompletedEvent(jobId, Ids.newId("rcpt", completedAt), "client_7", "miner_3", null,
                "ai-inference", 1, new BigDecimal("1420"), "tokens", new BigDecimal("0.000002"),
                new BigDecimal("0.00284"), completedAt.minusSeconds(3), completedAt,
                "a".repeat(64), "b".repeat(64), JSON.createObjectNode().put("text", "hi"),
                JSON.createObjectNode(), minerSignature);
    }

    static String receipt(SigningKey key, Instant completedAt, long logIndex) {
        return text(ReceiptSigner.sign(completion(completedAt, null, Ids.newId("job", completedAt)),
                UUID.randomUUID().toString(), logIndex, key, null));
    }

    /** A receipt with a miner attestation by {@code minerPrivateKey}. */
    static String attestedReceipt(SigningKey key, Instant completedAt, byte[] minerPrivateKey) {
        String jobId = Ids.newId("job", completedAt);
        String signature = ReceiptFormat.base64(Ed25519Signatures.sign(minerPrivateKey,
                ReceiptFormat.minerAttestationMessage(jobId, "b".repeat(64))));
        return text(ReceiptSigner.sign(completion(completedAt, signature, jobId), UUID.randomUUID().toString(), 0,
                key, Ed25519Signatures.publicKey(minerPrivateKey)));
    }

    /** A log of {@code size} receipts signed by {@code key}, with a checkpoint over all of them. */
    static SampleLog log(SigningKey key, int size) {
        MemoryLog log = new MemoryLog();
        List<String> receipts = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            String receipt = receipt(key, EPOCH.plusSeconds(60 + i), i);
            receipts.add(receipt);
            log.append(MerkleTree.leafHash(receipt.getBytes(StandardCharsets.UTF_8)));
        }
        String checkpoint = SignedCheckpoint.sign(ORIGIN, size, log.root(), ORIGIN, key.privateKey());
        return new SampleLog(log, receipts, checkpoint);
    }

    /** Receipts in a log, with a checkpoint of the whole log. */
    record SampleLog(MemoryLog log, List<String> receipts, String checkpoint) {

        String bundle(int index) {
            return bundle(index, index);
        }

        /**
         * A bundle of the receipt at {@code receiptIndex} whose proof states that index but holds the
         * audit path of the leaf at {@code pathIndex}.
         */
        String bundle(int receiptIndex, int pathIndex) {
            return bundle(receiptIndex, pathIndex, checkpoint);
        }

        String bundle(int receiptIndex, int pathIndex, String note) {
            List<String> hashes = LogTree.inclusionProof(pathIndex, log.size(), log).stream()
                    .map(ReceiptFormat::base64)
                    .toList();
            ReceiptDocument document = new ReceiptDocument("job", "rcpt", "client_7", "miner_3", receiptIndex,
                    receipts.get(receiptIndex));
            return new ReceiptBundle(document, new InclusionProof(receiptIndex, log.size(), hashes), note).json();
        }
    }

    private static String text(IssuedReceipt receipt) {
        return new String(receipt.body(), StandardCharsets.UTF_8);
    }
}
