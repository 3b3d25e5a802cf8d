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

    /** A completion that got no receipt, and why. */
    record Refusal(String jobId, String eventId, String reason) {
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

    /** The jobs among {@code jobIds} that already have a receipt or a refusal. */
    List<String> settledAmong(Collection<String> jobIds) {
        if (jobIds.isEmpty()) {
            return List.of();
        }
        return dsl.select(RECEIPT.JOB_ID)
                .from(RECEIPT)
                .where(RECEIPT.JOB_ID.in(jobIds))
                .unionAll(dsl.select(RECEIPT_REFUSAL.JOB_ID)
                        .from(RECEIPT_REFUSAL)
                        .where(RECEIPT_REFUSAL.JOB_ID.in(jobIds)))
                .fetch(Record1::value1);
    }

    /**
     * Stores receipts, whose log indexes follow on from the log's size, with the nodes their leaves
     * create; one insert per table.
     */
    void appendAll(List<IssuedReceipt> receipts, Map<LogTree.NodeKey, byte[]> nodes) {
        if (receipts.isEmpty()) {
            return;
        }
        var receiptInsert = dsl.insertInto(RECEIPT, RECEIPT.JOB_ID, RECEIPT.RECEIPT_ID, RECEIPT.EVENT_ID,
                RECEIPT.LOG_INDEX, RECEIPT.CLIENT_ID, RECEIPT.MINER_ID, RECEIPT.KEY_ID, RECEIPT.COMPLETED_AT,
                RECEIPT.BODY);
        for (IssuedReceipt receipt : receipts) {
            receiptInsert = receiptInsert.values(receipt.jobId(), receipt.receiptId(), receipt.eventId(),
                    receipt.logIndex(), receipt.clientId(), receipt.minerId(), receipt.keyId(),
                    receipt.completedAt().atOffset(ZoneOffset.UTC), receipt.body());
        }
        receiptInsert.execute();
        var nodeInsert = dsl.insertInto(RECEIPT_LOG_NODE, RECEIPT_LOG_NODE.HEIGHT, RECEIPT_LOG_NODE.IDX,
                RECEIPT_LOG_NODE.HASH);
        for (Map.Entry<LogTree.NodeKey, byte[]> node : nodes.entrySet()) {
            nodeInsert = nodeInsert.values((short) node.getKey().height(), node.getKey().index(), node.getValue());
        }
        nodeInsert.execute();
    }

    void refuseAll(List<Refusal> refusals) {
        for (Refusal refusal : refusals) {
            dsl.insertInto(RECEIPT_REFUSAL)
                    .set(RECEIPT_REFUSAL.JOB_ID, refusal.jobId())
                    .set(RECEIPT_REFUSAL.EVENT_ID, refusal.eventId())
                    .set(RECEIPT_REFUSAL.REASON, refusal.reason())
                    .onConflictDoNothing()
                    .execute();
        }
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

    /** Each miner's newest registered key, {@code null} for none. */
    void saveMinerKeys(Map<String, byte[]> keys) {
        keys.forEach((minerId, publicKey) -> dsl.insertInto(RECEIPT_MINER_KEY)
                .set(RECEIPT_MINER_KEY.MINER_ID, minerId)
                .set(RECEIPT_MINER_KEY.PUBLIC_KEY, publicKey)
                .onConflict(RECEIPT_MINER_KEY.MINER_ID)
                .doUpdate()
                .set(RECEIPT_MINER_KEY.PUBLIC_KEY, publicKey)
                .execute());
    }

    /** The registered keys of {@code minerIds}; a miner without a key maps to {@code null} or is absent. */
    Map<String, byte[]> minerKeys(Collection<String> minerIds) {
        Map<String, byte[]> keys = new HashMap<>();
        if (minerIds.isEmpty()) {
            return keys;
        }
        dsl.select(RECEIPT_MINER_KEY.MINER_ID, RECEIPT_MINER_KEY.PUBLIC_KEY)
                .from(RECEIPT_MINER_KEY)
                .where(RECEIPT_MINER_KEY.MINER_ID.in(minerIds))
                .forEach(row -> keys.put(row.value1(), row.value2()));
        return keys;
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
