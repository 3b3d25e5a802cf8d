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
import org.axonframework.messaging.unitofwork.CurrentUnitOfWork;
import org.axonframework.messaging.unitofwork.UnitOfWork;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Issues one signed receipt and one log leaf per completed job, from the {@link JobCompletedEvent}
 * alone. Runs in the {@value #PROCESSING_GROUP} tracking processor, so receipts follow the global
 * event order, and each batch commits its receipts, log nodes and token in one transaction: a crash
 * repeats the batch, never half of it. A completion that already has a receipt (a batch repeated by
 * another node, a token lost) is skipped, and the unique constraints on job, event and log index
 * stop anything that slips past that check.
 *
 * <p>The handlers only note the batch's events, in order; just before the batch commits, the whole
 * batch is settled with a handful of statements (which jobs already have receipts, the miners'
 * keys, the log's right edge) and written with one insert per table, so issuing is bound by signing
 * rather than by round trips to the database.
 */
@ProcessingGroup(ReceiptIssuer.PROCESSING_GROUP)
final class ReceiptIssuer {

    static final String PROCESSING_GROUP = "receipts";

    private static final Logger logger = LoggerFactory.getLogger(ReceiptIssuer.class);
    private static final String BATCH = ReceiptIssuer.class.getName() + ".batch";

    private final ReceiptLog log;
    private final SigningKeys keys;

    ReceiptIssuer(ReceiptLog log, SigningKeys keys) {
        this.log = log;
        this.keys = keys;
    }

    /** Remembers the miner's key as of this point in the event order; a key that is no key counts as none. */
    @EventHandler
    void on(MinerRegisteredEvent event) {
        byte[] publicKey = usableMinerKey(event.publicKey());
        if (publicKey == null && event.publicKey() != null) {
            logger.warn("Miner [{}] registered an unusable Ed25519 key; its results will not be attested",
                    event.minerId());
        }
        batch().add(new Registration(event.minerId(), publicKey));
    }

    @EventHandler
    void on(JobCompletedEvent event, EventMessage<?> message) {
        batch().add(new Completion(event, message.getIdentifier()));
    }

    /** A replay rebuilds the receipts and the log from the first event. */
    @ResetHandler
    void reset() {
        logger.info("Emptying the receipts and the transparency log to rebuild them from the events");
        log.truncate();
    }

    /** The raw key of a registration, or {@code null} when it is absent, not base64, or a weak point. */
    static byte[] usableMinerKey(String publicKey) {
        byte[] key = publicKey == null ? null : ReceiptFormat.decodeBase64(publicKey.trim());
        return key != null && Ed25519Signatures.publicKeyProblem(key) == null ? key : null;
    }

    /** The events of the current batch, written when it is about to commit. */
    private List<Object> batch() {
        UnitOfWork<?> unitOfWork = CurrentUnitOfWork.get().root();
        return unitOfWork.getOrComputeResource(BATCH, name -> {
            List<Object> events = new ArrayList<>();
            unitOfWork.onPrepareCommit(committing -> write(events));
            return events;
        });
    }

    private void write(List<Object> events) {
        Set<String> settled = new HashSet<>(log.settledAmong(events.stream()
                .filter(Completion.class::isInstance)
                .map(event -> ((Completion) event).event().jobId())
                .toList()));
        Map<String, byte[]> minerKeys = log.minerKeys(events.stream()
                .filter(Completion.class::isInstance)
                .map(event -> ((Completion) event).event().minerId())
                .toList());
        Map<String, byte[]> registered = new LinkedHashMap<>();
        long size = log.size();
        Map<LogTree.NodeKey, byte[]> edge = new HashMap<>(log.load(LogTree.rightEdge(size)));
        List<IssuedReceipt> issued = new ArrayList<>();
        Map<LogTree.NodeKey, byte[]> nodes = new LinkedHashMap<>();
        List<ReceiptLog.Refusal> refusals = new ArrayList<>();
        for (Object pending : events) {
            if (pending instanceof Registration registration) {
                minerKeys.put(registration.minerId(), registration.publicKey());
                registered.put(registration.minerId(), registration.publicKey());
            } else if (pending instanceof Completion completion && settled.add(completion.event().jobId())) {
                IssuedReceipt receipt = issue(completion, size, minerKeys.get(completion.event().minerId()), refusals);
                if (receipt != null) {
                    Map<LogTree.NodeKey, byte[]> created = LogTree.appendNodes(size,
                            MerkleTree.leafHash(receipt.body()), edge);
                    edge.putAll(created);
                    nodes.putAll(created);
                    issued.add(receipt);
                    size++;
                }
            } else if (pending instanceof Completion completion) {
                logger.debug("Job [{}] already has its receipt; skipping event [{}]", completion.event().jobId(),
                        completion.eventId());
            }
        }
        log.saveMinerKeys(registered);
        log.appendAll(issued, nodes);
        log.refuseAll(refusals);
    }

    private IssuedReceipt issue(Completion completion, long index, byte[] minerKey,
            List<ReceiptLog.Refusal> refusals) {
        JobCompletedEvent event = completion.event();
        MDC.put("job_id", event.jobId());
        try {
            IssuedReceipt receipt = keys.withKeyFor(event.completedAt(),
                    key -> ReceiptSigner.sign(event, completion.eventId(), index, key, minerKey));
            if (event.minerSignature() != null && !receipt.minerAttested()) {
                logger.warn("The miner signature on job [{}] {}; the receipt carries no attestation", event.jobId(),
                        minerKey == null ? "comes from a miner without a registered key"
                                : "does not verify under the miner's registered key");
            }
            logger.debug("Issued receipt [{}] for job [{}] at log index [{}] with key [{}]", receipt.receiptId(),
                    event.jobId(), index, receipt.keyId());
            return receipt;
        } catch (IllegalArgumentException e) {
            // a CanonicalizationException or a missing fact: signing again would fail the same way
            logger.error("Refusing to sign the receipt of job [{}]: [{}]", event.jobId(), e.getMessage());
            refusals.add(new ReceiptLog.Refusal(event.jobId(), completion.eventId(), e.getMessage()));
            return null;
        } finally {
            MDC.remove("job_id");
        }
    }

    private record Registration(String minerId, byte[] publicKey) {
    }

    private record Completion(JobCompletedEvent event, String eventId) {
    }
}
