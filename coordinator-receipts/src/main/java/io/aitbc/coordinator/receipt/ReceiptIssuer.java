package io.aitbc.coordinator.receipt;

import io.aitbc.coordinator.job.api.JobCompletedEvent;
import io.aitbc.coordinator.miner.api.MinerRegisteredEvent;
import io.aitbc.coordinator.receipt.verify.Ed25519Signatures;
import io.aitbc.coordinator.receipt.verify.MerkleTree;
import io.aitbc.coordinator.receipt.verify.ReceiptFormat;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.eventhandling.ResetHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Issues one signed receipt and one log leaf per completed job, from the {@link JobCompletedEvent}
 * alone. Runs in the {@value #PROCESSING_GROUP} tracking processor, so receipts follow the global
 * event order, and each batch commits its receipts, log nodes and token in one transaction: a crash
 * repeats the batch, never half of it. A completion that already has a receipt (a batch repeated by
 * another node, a token lost) is skipped, and the unique constraints on job, event and log index
 * stop anything that slips past that check.
 */
@ProcessingGroup(ReceiptIssuer.PROCESSING_GROUP)
final class ReceiptIssuer {

    static final String PROCESSING_GROUP = "receipts";

    private static final Logger logger = LoggerFactory.getLogger(ReceiptIssuer.class);

    private final ReceiptLog log;
    private final SigningKeys keys;

    ReceiptIssuer(ReceiptLog log, SigningKeys keys) {
        this.log = log;
        this.keys = keys;
    }

    /** Remembers the miner's key as of this point in the event order; a key that is no key is ignored. */
    @EventHandler
    void on(MinerRegisteredEvent event) {
        byte[] publicKey = usableMinerKey(event.publicKey());
        if (publicKey == null && event.publicKey() != null) {
            logger.warn("Miner [{}] registered an unusable Ed25519 key; its results will not be attested",
                    event.minerId());
        }
        log.saveMinerKey(event.minerId(), publicKey);
    }

    /** The raw key of a registration, or {@code null} when it is absent, not base64, or a weak point. */
    static byte[] usableMinerKey(String publicKey) {
        byte[] key = publicKey == null ? null : ReceiptFormat.decodeBase64(publicKey.trim());
        return key != null && Ed25519Signatures.publicKeyProblem(key) == null ? key : null;
    }

    @EventHandler
    void on(JobCompletedEvent event, EventMessage<?> message) {
        MDC.put("job_id", event.jobId());
        try {
            issue(event, message.getIdentifier());
        } finally {
            MDC.remove("job_id");
        }
    }

    /** A replay rebuilds the receipts and the log from the first event. */
    @ResetHandler
    void reset() {
        logger.info("Emptying the receipts and the transparency log to rebuild them from the events");
        log.truncate();
    }

    private void issue(JobCompletedEvent event, String eventId) {
        if (log.isSettled(event.jobId())) {
            logger.debug("Job [{}] already has its receipt; skipping event [{}]", event.jobId(), eventId);
            return;
        }
        long index = log.size();
        byte[] minerKey = log.minerKey(event.minerId());
        IssuedReceipt receipt;
        try {
            receipt = keys.withKeyFor(event.completedAt(),
                    key -> ReceiptSigner.sign(event, eventId, index, key, minerKey));
        } catch (IllegalArgumentException e) {
            // a CanonicalizationException or a missing fact: signing again would fail the same way
            logger.error("Refusing to sign the receipt of job [{}]: [{}]", event.jobId(), e.getMessage());
            log.refuse(event.jobId(), eventId, e.getMessage());
            return;
        }
        if (event.minerSignature() != null && !receipt.minerAttested()) {
            logger.warn("The miner signature on job [{}] {}; the receipt carries no attestation", event.jobId(),
                    minerKey == null ? "comes from a miner without a registered key"
                            : "does not verify under the miner's registered key");
        }
        log.append(receipt, index, MerkleTree.leafHash(receipt.body()));
        logger.debug("Issued receipt [{}] for job [{}] at log index [{}] with key [{}]", receipt.receiptId(),
                event.jobId(), index, receipt.keyId());
    }
}
