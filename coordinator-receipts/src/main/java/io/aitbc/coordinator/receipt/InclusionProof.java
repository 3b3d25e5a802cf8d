package io.aitbc.coordinator.receipt;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/**
 * An RFC 6962 audit path from the leaf at {@code logIndex} to the root of the tree of
 * {@code treeSize} leaves, leaf side first, each hash in base64.
 */
public record InclusionProof(
        @JsonProperty("log_index") long logIndex,
        @JsonProperty("tree_size") long treeSize,
        @JsonProperty("hashes") List<String> hashes) {

    public InclusionProof {
        hashes = List.copyOf(hashes);
    }
}
