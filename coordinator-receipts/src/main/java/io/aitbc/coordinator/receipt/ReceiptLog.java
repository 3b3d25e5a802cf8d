package io.aitbc.coordinator.receipt;

import io.aitbc.coordinator.receipt.jooq.tables.records.ReceiptRecord;
import org.jooq.DSLContext;
import org.jooq.Record1;
import org.jooq.Row2;
import org.jooq.impl.DSL;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static io.aitbc.coordinator.receipt.jooq.Tables.RECEIPT;
import static io.aitbc.coordinator.receipt.jooq.Tables.RECEIPT_LOG_CHECKPOINT;
import static io.aitbc.coordinator.receipt.jooq.Tables.RECEIPT_LOG_NODE;
import static io.aitbc.coordinator.receipt.jooq.Tables.RECEIPT_MINER_KEY;
import static io.aitbc.coordinator.receipt.jooq.Tables.RECEIPT_REFUSAL;

/**
 * The receipts and their transparency log in PostgreSQL. Appends run in the receipts processor's
 * transaction, together with its token update; reads see committed leaves only, and a node never
 * changes once committed, so a proof computed over several statements stays consistent.
 */
final class ReceiptLog implements LogTree.Nodes {

    /** A stored checkpoint. */
    record StoredCheckpoint(long treeSize, byte[] rootHash, String keyId, String note, Instant signedAt) {
    }

    private final DSLContext dsl;

    ReceiptLog(DSLContext dsl) {
        this.dsl = dsl;
    }

    /** How many leaves the log has; the next receipt takes this index. */
    long size() {
        Long last = dsl.select(DSL.max(RECEIPT.LOG_INDEX))
                .from(RECEIPT)
                .fetchOne(Record1::value1);
        return last == null ? 0 : last + 1;
    }

    boolean isSettled(String jobId) {
        return dsl.fetchExists(RECEIPT, RECEIPT.JOB_ID.eq(jobId))
                || dsl.fetchExists(RECEIPT_REFUSAL, RECEIPT_REFUSAL.JOB_ID.eq(jobId));
    }

    /** Stores the receipt and its leaf at {@code index}, with every subtree the leaf completes. */
    void append(IssuedReceipt receipt, long index, byte[] leafHash) {
        dsl.insertInto(RECEIPT)
                .set(RECEIPT.JOB_ID, receipt.jobId())
                .set(RECEIPT.RECEIPT_ID, receipt.receiptId())
                .set(RECEIPT.EVENT_ID, receipt.eventId())
                .set(RECEIPT.LOG_INDEX, index)
                .set(RECEIPT.CLIENT_ID, receipt.clientId())
                .set(RECEIPT.MINER_ID, receipt.minerId())
                .set(RECEIPT.KEY_ID, receipt.keyId())
                .set(RECEIPT.COMPLETED_AT, receipt.completedAt().atOffset(ZoneOffset.UTC))
                .set(RECEIPT.BODY, receipt.body())
                .execute();
        Map<LogTree.NodeKey, byte[]> siblings = load(LogTree.appendSiblings(index));
        var insert = dsl.insertInto(RECEIPT_LOG_NODE, RECEIPT_LOG_NODE.HEIGHT, RECEIPT_LOG_NODE.IDX,
                RECEIPT_LOG_NODE.HASH);
        for (Map.Entry<LogTree.NodeKey, byte[]> node : LogTree.appendNodes(index, leafHash, siblings).entrySet()) {
            insert = insert.values((short) node.getKey().height(), node.getKey().index(), node.getValue());
        }
        insert.execute();
    }

    void refuse(String jobId, String eventId, String reason) {
        dsl.insertInto(RECEIPT_REFUSAL)
                .set(RECEIPT_REFUSAL.JOB_ID, jobId)
                .set(RECEIPT_REFUSAL.EVENT_ID, eventId)
                .set(RECEIPT_REFUSAL.REASON, reason)
                .onConflictDoNothing()
                .execute();
    }

    @Override
    public Map<LogTree.NodeKey, byte[]> load(Collection<LogTree.NodeKey> keys) {
        Map<LogTree.NodeKey, byte[]> found = new HashMap<>();
        if (keys.isEmpty()) {
            return found;
        }
        List<Row2<Short, Long>> wanted = keys.stream()
                .map(key -> DSL.row((short) key.height(), key.index()))
                .toList();
        dsl.select(RECEIPT_LOG_NODE.HEIGHT, RECEIPT_LOG_NODE.IDX, RECEIPT_LOG_NODE.HASH)
                .from(RECEIPT_LOG_NODE)
                .where(DSL.row(RECEIPT_LOG_NODE.HEIGHT, RECEIPT_LOG_NODE.IDX).in(wanted))
                .forEach(row -> found.put(new LogTree.NodeKey(row.value1(), row.value2()), row.value3()));
        return found;
    }

    byte[] leafHash(long index) {
        return dsl.select(RECEIPT_LOG_NODE.HASH)
                .from(RECEIPT_LOG_NODE)
                .where(RECEIPT_LOG_NODE.HEIGHT.eq((short) 0))
                .and(RECEIPT_LOG_NODE.IDX.eq(index))
                .fetchOne(Record1::value1);
    }

    Optional<ReceiptRecord> receiptOfJob(String jobId) {
        return dsl.selectFrom(RECEIPT)
                .where(RECEIPT.JOB_ID.eq(jobId))
                .fetchOptional();
    }

    /** Receipts with {@code start <= log_index <= end}, in log order. */
    List<ReceiptRecord> receipts(long start, long end) {
        return dsl.selectFrom(RECEIPT)
                .where(RECEIPT.LOG_INDEX.between(start, end))
                .orderBy(RECEIPT.LOG_INDEX)
                .fetch();
    }

    Optional<StoredCheckpoint> latestCheckpoint() {
        return dsl.selectFrom(RECEIPT_LOG_CHECKPOINT)
                .orderBy(RECEIPT_LOG_CHECKPOINT.TREE_SIZE.desc())
                .limit(1)
                .fetchOptional(row -> new StoredCheckpoint(row.getTreeSize(), row.getRootHash(), row.getKeyId(),
                        row.getNote(), row.getSignedAt().toInstant()));
    }

    /** Keeps the first checkpoint of a size: another node may have signed the same size meanwhile. */
    void saveCheckpoint(StoredCheckpoint checkpoint) {
        dsl.insertInto(RECEIPT_LOG_CHECKPOINT)
                .set(RECEIPT_LOG_CHECKPOINT.TREE_SIZE, checkpoint.treeSize())
                .set(RECEIPT_LOG_CHECKPOINT.ROOT_HASH, checkpoint.rootHash())
                .set(RECEIPT_LOG_CHECKPOINT.KEY_ID, checkpoint.keyId())
                .set(RECEIPT_LOG_CHECKPOINT.NOTE, checkpoint.note())
                .set(RECEIPT_LOG_CHECKPOINT.SIGNED_AT, checkpoint.signedAt().atOffset(ZoneOffset.UTC))
                .onConflictDoNothing()
                .execute();
    }

    Optional<StoredCheckpoint> checkpointOfSize(long treeSize) {
        return dsl.selectFrom(RECEIPT_LOG_CHECKPOINT)
                .where(RECEIPT_LOG_CHECKPOINT.TREE_SIZE.eq(treeSize))
                .fetchOptional(row -> new StoredCheckpoint(row.getTreeSize(), row.getRootHash(), row.getKeyId(),
                        row.getNote(), row.getSignedAt().toInstant()));
    }

    void saveMinerKey(String minerId, byte[] publicKey) {
        dsl.insertInto(RECEIPT_MINER_KEY)
                .set(RECEIPT_MINER_KEY.MINER_ID, minerId)
                .set(RECEIPT_MINER_KEY.PUBLIC_KEY, publicKey)
                .onConflict(RECEIPT_MINER_KEY.MINER_ID)
                .doUpdate()
                .set(RECEIPT_MINER_KEY.PUBLIC_KEY, publicKey)
                .execute();
    }

    /** The key the miner registered last, or {@code null}. */
    byte[] minerKey(String minerId) {
        return dsl.select(RECEIPT_MINER_KEY.PUBLIC_KEY)
                .from(RECEIPT_MINER_KEY)
                .where(RECEIPT_MINER_KEY.MINER_ID.eq(minerId))
                .fetchOptional(Record1::value1)
                .orElse(null);
    }

    /** Empties every table for a rebuild from the events; TRUNCATE passes the append-only triggers. */
    void truncate() {
        dsl.truncate(RECEIPT).execute();
        dsl.truncate(RECEIPT_LOG_NODE).execute();
        dsl.truncate(RECEIPT_LOG_CHECKPOINT).execute();
        dsl.truncate(RECEIPT_MINER_KEY).execute();
        dsl.truncate(RECEIPT_REFUSAL).execute();
    }
}
