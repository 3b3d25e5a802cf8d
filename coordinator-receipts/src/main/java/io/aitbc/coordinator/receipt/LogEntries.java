package io.aitbc.coordinator.receipt;

import io.aitbc.coordinator.receipt.verify.Jcs;

import java.util.List;

/** Consecutive leaves of the log, as {@code GET /v1/receipts/log/entries} answers them. */
public record LogEntries(List<Entry> entries) {

    /**
     * One leaf.
     *
     * @param leafHash {@code SHA-256(0x00 || receipt bytes)} in base64
     * @param receipt  the receipt's canonical text, the leaf's bytes
     */
    public record Entry(long logIndex, String leafHash, String receipt) {
    }

    public LogEntries {
        entries = List.copyOf(entries);
    }

    /** {@code {"entries": [{"log_index", "leaf_hash", "receipt": {…}}]}}, receipts embedded unchanged. */
    public String json() {
        StringBuilder out = new StringBuilder("{\"entries\":[");
        for (int i = 0; i < entries.size(); i++) {
            Entry entry = entries.get(i);
            out.append(i == 0 ? "" : ",")
                    .append("{\"log_index\":").append(entry.logIndex())
                    .append(",\"leaf_hash\":").append(Jcs.quote(entry.leafHash()))
                    .append(",\"receipt\":").append(entry.receipt())
                    .append('}');
        }
        return out.append("]}").toString();
    }
}
