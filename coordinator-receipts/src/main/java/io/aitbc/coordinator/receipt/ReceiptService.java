package io.aitbc.coordinator.receipt;

import io.aitbc.coordinator.common.api.CommandRejectedException;
import io.aitbc.coordinator.receipt.jooq.tables.records.ReceiptRecord;
import io.aitbc.coordinator.receipt.verify.CanonicalizationException;
import io.aitbc.coordinator.receipt.verify.MerkleTree;
import io.aitbc.coordinator.receipt.verify.ReceiptFormat;
import io.aitbc.coordinator.receipt.verify.ReceiptVerdict;
import io.aitbc.coordinator.receipt.verify.ReceiptVerifier;
import io.aitbc.coordinator.receipt.verify.TrustedKey;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

/**
 * What the gateway asks of the receipts module. Every method blocks on the database: call it off
 * the event loop. Receipts are answered as their canonical text ({@link ReceiptDocument#json()}),
 * never as objects to re-serialise.
 *
 * <p>Failures the caller caused raise {@link CommandRejectedException} with the contract's code
 * ({@code VALIDATION_FAILED} for a range outside the log) or {@link CanonicalizationException}
 * (input that is not JSON or has no RFC 8785 form); both mean 400.
 */
public class ReceiptService {

    /** The most entries one {@link #entries(long, long)} call answers. */
    public static final int MAX_ENTRIES = 1000;

    private final ReceiptLog log;
    private final SigningKeys keys;
    private final CheckpointPublisher checkpoints;
    private final ReceiptProperties properties;
    private final Clock clock;

    ReceiptService(ReceiptLog log, SigningKeys keys, CheckpointPublisher checkpoints, ReceiptProperties properties,
            Clock clock) {
        this.log = log;
        this.keys = keys;
        this.checkpoints = checkpoints;
        this.properties = properties;
        this.clock = clock;
    }

    /** The receipt of a job, once the receipts processor has issued it. */
    public Optional<ReceiptDocument> findByJobId(String jobId) {
        return log.receiptOfJob(jobId).map(ReceiptService::document);
    }

    /**
     * The receipt with an inclusion proof against the newest checkpoint; signs a fresh checkpoint
     * when the receipt is newer than the newest one.
     */
    public Optional<ReceiptBundle> findBundle(String jobId) {
        Optional<ReceiptDocument> receipt = findByJobId(jobId);
        if (receipt.isEmpty()) {
            return Optional.empty();
        }
        ReceiptLog.StoredCheckpoint checkpoint = log.latestCheckpoint()
                .filter(latest -> latest.treeSize() > receipt.get().logIndex())
                .orElseGet(checkpoints::publish);
        InclusionProof proof = proof(receipt.get().logIndex(), checkpoint.treeSize());
        return Optional.of(new ReceiptBundle(receipt.get(), proof, checkpoint.note()));
    }

    /** Every key that ever signed, oldest first; the last one is current. */
    public List<SigningKeyView> keys() {
        return keys.all().stream()
                .map(SigningKey::view)
                .toList();
    }

    /** Every published key as the verifier trusts it, with its validity period. */
    public List<TrustedKey> trustedKeys() {
        return keys.all().stream()
                .map(SigningKey::trusted)
                .toList();
    }

    /** Retires the current signing key now and answers the new current key. */
    public SigningKeyView rotateKey() {
        return keys.rotate().view();
    }

    /**
     * Verifies the body of {@code POST /v1/receipts/verify}, {@code {"receipt": {…}}}, with the
     * offline verifier's rules, trusting every published key, checking a miner attestation against
     * the key the miner registered, and the receipt's leaf against the log.
     *
     * @throws CanonicalizationException when the body is not JSON, repeats a member or holds a
     *                                   string with no canonical form
     * @throws CommandRejectedException  {@code VALIDATION_FAILED} when the body has no receipt object
     */
    public ReceiptVerdict verify(String requestBody) {
        String receipt = ReceiptVerifier.parseStrict(requestBody).isObject()
                ? ReceiptVerifier.rawMember(requestBody, "receipt") : null;
        if (receipt == null) {
            throw new CommandRejectedException("VALIDATION_FAILED", "The body needs a receipt object");
        }
        return verifyReceipt(receipt);
    }

    /** Verifies one receipt given as JSON text; see {@link #verify(String)}. */
    public ReceiptVerdict verifyReceipt(String receiptJson) {
        ReceiptVerifier verifier = new ReceiptVerifier(trustedKeys(), log::minerKey, clock);
        return verifier.verify(receiptJson, this::inclusionProblem);
    }

    /** The newest signed checkpoint, signing one first when the log has grown since. */
    public LogCheckpoint checkpoint() {
        return view(checkpoints.publish());
    }

    /** The newest checkpoint the publisher has stored, without signing one. */
    public Optional<LogCheckpoint> latestStoredCheckpoint() {
        return log.latestCheckpoint().map(this::view);
    }

    /** How many receipts the log holds. */
    public long logSize() {
        return log.size();
    }

    /**
     * @throws CommandRejectedException {@code VALIDATION_FAILED} unless
     *                                  {@code 0 <= index < size <= log size}
     */
    public InclusionProof inclusionProof(long index, long size) {
        long logSize = log.size();
        if (index < 0 || index >= size || size > logSize) {
            throw outOfRange("An inclusion proof needs 0 <= index < size <= " + logSize);
        }
        return proof(index, size);
    }

    /**
     * @throws CommandRejectedException {@code VALIDATION_FAILED} unless {@code 0 <= from <= to <= log size}
     */
    public ConsistencyProof consistencyProof(long from, long to) {
        long logSize = log.size();
        if (from < 0 || from > to || to > logSize) {
            throw outOfRange("A consistency proof needs 0 <= from <= to <= " + logSize);
        }
        return new ConsistencyProof(from, to, base64(LogTree.consistencyProof(from, to, log)));
    }

    /**
     * Leaves {@code start} to {@code end}, both included as in RFC 6962's get-entries, at most
     * {@value #MAX_ENTRIES} and never past the log's end.
     *
     * @throws CommandRejectedException {@code VALIDATION_FAILED} unless {@code 0 <= start <= end}
     *                                  and {@code start} is in the log
     */
    public LogEntries entries(long start, long end) {
        long logSize = log.size();
        if (start < 0 || end < start || start >= logSize) {
            throw outOfRange("Entries need 0 <= start <= end and start < " + logSize);
        }
        long last = Math.min(Math.min(end, logSize - 1), start + MAX_ENTRIES - 1);
        List<LogEntries.Entry> entries = log.receipts(start, last).stream()
                .map(row -> new LogEntries.Entry(row.getLogIndex(),
                        ReceiptFormat.base64(MerkleTree.leafHash(row.getBody())),
                        new String(row.getBody(), StandardCharsets.UTF_8)))
                .toList();
        return new LogEntries(entries);
    }

    private LogCheckpoint view(ReceiptLog.StoredCheckpoint checkpoint) {
        return new LogCheckpoint(properties.logOrigin(), checkpoint.treeSize(),
                ReceiptFormat.base64(checkpoint.rootHash()), checkpoint.keyId(),
                ReceiptFormat.formatTime(checkpoint.signedAt()), checkpoint.note());
    }

    private InclusionProof proof(long index, long size) {
        return new InclusionProof(index, size, base64(LogTree.inclusionProof(index, size, log)));
    }

    private String inclusionProblem(long logIndex, byte[] leafHash) {
        byte[] stored = log.leafHash(logIndex);
        if (stored == null) {
            return "the log has no leaf at index " + logIndex;
        }
        return MessageDigest.isEqual(stored, leafHash) ? null : "receipt is not the log's leaf at index " + logIndex;
    }

    private static ReceiptDocument document(ReceiptRecord row) {
        return new ReceiptDocument(row.getJobId(), row.getReceiptId(), row.getClientId(), row.getMinerId(),
                row.getLogIndex(), new String(row.getBody(), StandardCharsets.UTF_8));
    }

    private static List<String> base64(List<byte[]> hashes) {
        return hashes.stream()
                .map(ReceiptFormat::base64)
                .toList();
    }

    private static CommandRejectedException outOfRange(String message) {
        return new CommandRejectedException("VALIDATION_FAILED", message);
    }
}
