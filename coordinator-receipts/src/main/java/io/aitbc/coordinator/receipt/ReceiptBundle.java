package io.aitbc.coordinator.receipt;

import io.aitbc.coordinator.receipt.verify.Jcs;

/**
 * A receipt with the proof that it is in the log: what {@code GET /v1/receipts/{job_id}?proof=true}
 * answers and what {@code receipt-verifier.jar verify --bundle} reads.
 *
 * @param checkpoint the signed note whose tree size the proof is for
 */
public record ReceiptBundle(ReceiptDocument receipt, InclusionProof inclusionProof, String checkpoint) {

    /**
     * The bundle as JSON text, embedding the receipt's canonical text unchanged:
     * {@code {"receipt": {…}, "inclusion_proof": {log_index, tree_size, hashes}, "checkpoint": "…"}}.
     */
    public String json() {
        StringBuilder hashes = new StringBuilder();
        for (String hash : inclusionProof.hashes()) {
            hashes.append(hashes.isEmpty() ? "" : ",").append(Jcs.quote(hash));
        }
        return "{\"receipt\":" + receipt.json()
                + ",\"inclusion_proof\":{\"log_index\":" + inclusionProof.logIndex()
                + ",\"tree_size\":" + inclusionProof.treeSize()
                + ",\"hashes\":[" + hashes + "]}"
                + ",\"checkpoint\":" + Jcs.quote(checkpoint) + "}";
    }
}
