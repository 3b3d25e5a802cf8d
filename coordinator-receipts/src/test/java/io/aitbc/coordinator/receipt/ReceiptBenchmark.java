package io.aitbc.coordinator.receipt;

import io.aitbc.coordinator.common.api.Ids;
import io.aitbc.coordinator.job.api.JobCompletedEvent;
import io.aitbc.coordinator.receipt.verify.Ed25519Signatures;
import io.aitbc.coordinator.receipt.verify.MerkleTree;
import io.aitbc.coordinator.receipt.verify.ReceiptFormat;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.UUID;

/**
 * Measures, in one run on one thread: receipts signed per second (build the receipt, RFC 8785 form,
 * Ed25519 signature, leaf bytes) against raw BouncyCastle Ed25519 signatures of a message of the same
 * size; then inclusion-proof generation and verification in a log of one million leaves held in
 * memory. Not a test: run it as the module README says.
 *
 * <p>Arguments (optional): {@code [signatures] [leaves] [proofs]}, defaults 20000, 1000000, 20000.
 */
public final class ReceiptBenchmark {

    private ReceiptBenchmark() {
    }

    public static void main(String[] args) {
        int signatures = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        int leaves = args.length > 1 ? Integer.parseInt(args[1]) : 1_000_000;
        int proofs = args.length > 2 ? Integer.parseInt(args[2]) : 20_000;
        System.out.printf("Java %s on %d cores%n", Runtime.version(), Runtime.getRuntime().availableProcessors());

        SigningKey key = SampleReceipts.key(Instant.EPOCH, null);
        Instant completedAt = Instant.parse("2026-12-04T12:00:00.000Z");
        JobCompletedEvent event = SampleReceipts.completion(completedAt, null, Ids.newId("job", completedAt));
        String eventId = UUID.randomUUID().toString();
        byte[] message = ReceiptFormat.signedBytes(ReceiptSigner.body(event, eventId, 41));

        // warm both paths up so the JIT has compiled them before anything is timed
        rawSignatures(key, message, signatures / 4);
        receiptSignatures(key, event, eventId, signatures / 4);
        double raw = rawSignatures(key, message, signatures);
        double receipts = receiptSignatures(key, event, eventId, signatures);
        System.out.printf("raw BouncyCastle Ed25519 signatures (%d-byte message): %,.0f per second%n",
                message.length, raw);
        System.out.printf("receipts signed (build + RFC 8785 + Ed25519 + leaf bytes): %,.0f per second (%.0f%%)%n",
                receipts, 100 * receipts / raw);

        MemoryLog log = new MemoryLog();
        long start = System.nanoTime();
        ByteBuffer leaf = ByteBuffer.allocate(8);
        for (long i = 0; i < leaves; i++) {
            log.append(MerkleTree.leafHash(leaf.putLong(0, i).array()));
        }
        double buildSeconds = (System.nanoTime() - start) / 1e9;
        byte[] root = log.root();
        System.out.printf("built a log of %,d leaves in %.2f s%n", leaves, buildSeconds);

        Random random = new Random(42);
        for (int i = 0; i < proofs / 4; i++) {
            LogTree.inclusionProof(random.nextInt(leaves), leaves, log);
        }
        long[] indexes = random.longs(proofs, 0, leaves).toArray();
        start = System.nanoTime();
        int pathLength = 0;
        for (long index : indexes) {
            pathLength += LogTree.inclusionProof(index, leaves, log).size();
        }
        double proofMicros = (System.nanoTime() - start) / 1e3 / proofs;
        start = System.nanoTime();
        for (long index : indexes) {
            List<byte[]> proof = LogTree.inclusionProof(index, leaves, log);
            if (!MerkleTree.verifyInclusion(index, leaves, log.leafHash(index), proof, root)) {
                throw new IllegalStateException("proof of leaf " + index + " does not verify");
            }
        }
        double proveAndVerifyMicros = (System.nanoTime() - start) / 1e3 / proofs;
        System.out.printf("inclusion proof in a log of %,d leaves: %.1f us to build (%d hashes), "
                + "%.1f us to build and verify%n", leaves, proofMicros, pathLength / proofs, proveAndVerifyMicros);
    }

    private static double rawSignatures(SigningKey key, byte[] message, int count) {
        byte[] privateKey = key.privateKey();
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            // vary one byte so no layer can reuse a previous signature
            message[message.length - 2] = (byte) i;
            Ed25519Signatures.sign(privateKey, message);
        }
        return count / ((System.nanoTime() - start) / 1e9);
    }

    private static double receiptSignatures(SigningKey key, JobCompletedEvent event, String eventId, int count) {
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            ReceiptSigner.sign(event, eventId, i, key, null);
        }
        return count / ((System.nanoTime() - start) / 1e9);
    }
}
