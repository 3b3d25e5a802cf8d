package io.aitbc.coordinator.receipt;

import io.aitbc.coordinator.job.api.JobCompletedEvent;
import io.aitbc.coordinator.miner.api.MinerRegisteredEvent;
import io.aitbc.coordinator.receipt.verify.MerkleTree;
import io.aitbc.coordinator.receipt.verify.ReceiptFormat;
import org.axonframework.common.stream.BlockingStream;
import org.axonframework.config.EventProcessingConfiguration;
import org.axonframework.eventhandling.TrackedEventMessage;
import org.axonframework.eventhandling.TrackingEventProcessor;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.MessageDigest;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeoutException;

/**
 * Derives the receipts and the log from the events alone, either to compare with the stored log
 * ({@link #compareWithEvents()}, harmless while serving) or to replace it ({@link #rebuild(Duration)}).
 * Because a receipt's key follows from its completion time and Ed25519 signing is deterministic,
 * the derived log is the stored log, leaf for leaf, as long as the signing keys are the same.
 */
public class ReceiptLogRebuilder {

    private static final Logger logger = LoggerFactory.getLogger(ReceiptLogRebuilder.class);

    private final ReceiptLog log;
    private final SigningKeys keys;
    private final EventStore eventStore;
    private final EventProcessingConfiguration processing;
    private final CheckpointPublisher checkpoints;

    ReceiptLogRebuilder(ReceiptLog log, SigningKeys keys, EventStore eventStore,
            EventProcessingConfiguration processing, CheckpointPublisher checkpoints) {
        this.log = log;
        this.keys = keys;
        this.eventStore = eventStore;
        this.processing = processing;
        this.checkpoints = checkpoints;
    }

    /** Derives the log from every event in memory and compares it with the stored log. */
    public RebuildReport compareWithEvents() {
        long storedSize = log.size();
        MemoryLog derived = derive();
        long firstDifference = -1;
        long common = Math.min(storedSize, derived.size());
        for (long index = 0; index < common && firstDifference < 0; index++) {
            if (!MessageDigest.isEqual(log.leafHash(index), derived.leafHash(index))) {
                firstDifference = index;
            }
        }
        if (firstDifference < 0 && storedSize > derived.size()) {
            firstDifference = derived.size();
        }
        String storedRoot = ReceiptFormat.base64(LogTree.root(storedSize, log));
        String derivedRoot = ReceiptFormat.base64(LogTree.root(common, derived));
        return new RebuildReport(storedSize, derived.size(), storedRoot, derivedRoot, firstDifference);
    }

    /**
     * Empties the receipts and the log and lets the receipts processor issue them again from the
     * first event, then compares the result with the events. While it runs, receipts and proofs
     * are missing; checkpoints resume when it is done.
     *
     * @throws TimeoutException when the processor has not caught up within {@code timeout}
     */
    public RebuildReport rebuild(Duration timeout) throws TimeoutException, InterruptedException {
        TrackingEventProcessor processor = processing
                .eventProcessor(ReceiptIssuer.PROCESSING_GROUP, TrackingEventProcessor.class)
                .orElseThrow(() -> new IllegalStateException("The receipts processor is not a tracking processor"));
        logger.info("Rebuilding the receipts and the transparency log from the events");
        checkpoints.pause(true);
        try {
            processor.shutDown();
            processor.resetTokens();
            processor.start();
            awaitCaughtUp(processor, timeout);
        } finally {
            checkpoints.pause(false);
        }
        RebuildReport report = compareWithEvents();
        logger.info("Rebuilt the transparency log: [{}] leaves, root [{}], identical to the events [{}]",
                report.storedSize(), report.storedRoot(), report.identical());
        return report;
    }

    private static void awaitCaughtUp(TrackingEventProcessor processor, Duration timeout)
            throws TimeoutException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (processor.isReplaying() || !caughtUp(processor)) {
            if (System.nanoTime() > deadline) {
                throw new TimeoutException("The receipts processor did not catch up within " + timeout);
            }
            Thread.sleep(50);
        }
    }

    private static boolean caughtUp(TrackingEventProcessor processor) {
        return !processor.processingStatus().isEmpty()
                && processor.processingStatus().values().stream().allMatch(status -> status.isCaughtUp());
    }

    private MemoryLog derive() {
        MemoryLog derived = new MemoryLog();
        Map<String, byte[]> minerKeys = new HashMap<>();
        Set<String> settled = new HashSet<>();
        try (BlockingStream<TrackedEventMessage<?>> events = eventStore.openStream(null)) {
            while (events.hasNextAvailable()) {
                TrackedEventMessage<?> message = events.nextAvailable();
                Object payload = message.getPayload();
                if (payload instanceof MinerRegisteredEvent registered) {
                    minerKeys.put(registered.minerId(), ReceiptIssuer.usableMinerKey(registered.publicKey()));
                } else if (payload instanceof JobCompletedEvent completed && settled.add(completed.jobId())) {
                    append(derived, completed, message.getIdentifier(), minerKeys.get(completed.minerId()));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while reading the events", e);
        }
        return derived;
    }

    private void append(MemoryLog derived, JobCompletedEvent event, String eventId, byte[] minerKey) {
        long index = derived.size();
        IssuedReceipt receipt;
        try {
            receipt = keys.withKeyFor(event.completedAt(),
                    key -> ReceiptSigner.sign(event, eventId, index, key, minerKey));
        } catch (IllegalArgumentException e) {
            // refused at issuance as well: no leaf
            return;
        }
        derived.append(MerkleTree.leafHash(receipt.body()));
    }
}
