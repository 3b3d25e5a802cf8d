package io.aitbc.coordinator.receipt;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/**
 * An RFC 6962 consistency proof that the tree of {@code from} leaves is a prefix of the tree of
 * {@code to} leaves, each hash in base64. Empty when the sizes are equal or {@code from} is 0.
 */
public record ConsistencyProof(
        @JsonProperty("from") long from,
        @JsonProperty("to") long to,
        @JsonProperty("hashes") List<String> hashes) {

    public ConsistencyProof {
        hashes = List.copyOf(hashes);
    }
}
