package io.aitbc.coordinator.receipt;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The newest signed checkpoint of the transparency log.
 *
 * @param checkpoint the C2SP signed note; the other members repeat what it states, for convenience
 * @param rootHash   the RFC 6962 root in base64
 * @param keyId      the coordinator key that signed it
 */
public record LogCheckpoint(
        @JsonProperty("origin") String origin,
        @JsonProperty("tree_size") long treeSize,
        @JsonProperty("root_hash") String rootHash,
        @JsonProperty("key_id") String keyId,
        @JsonProperty("signed_at") String signedAt,
        @JsonProperty("checkpoint") String checkpoint) {
}
