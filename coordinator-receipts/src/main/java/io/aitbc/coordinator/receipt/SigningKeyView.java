package io.aitbc.coordinator.receipt;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A published coordinator signing key, as {@code GET /v1/receipts/keys} lists it. Every key that
 * ever signed stays listed.
 *
 * @param keyId      the first 16 hex digits of SHA-256 over the raw public key
 * @param publicKey  the raw 32-byte Ed25519 key in base64
 * @param validFrom  the earliest job completion time the key signs
 * @param validUntil when the next key took over, {@code null} for the current key
 * @param current    true for the key that signs new receipts and checkpoints
 */
public record SigningKeyView(
        @JsonProperty("key_id") String keyId,
        @JsonProperty("alg") String alg,
        @JsonProperty("public_key") String publicKey,
        @JsonProperty("valid_from") String validFrom,
        @JsonProperty("valid_until") String validUntil,
        @JsonProperty("current") boolean current) {
}
