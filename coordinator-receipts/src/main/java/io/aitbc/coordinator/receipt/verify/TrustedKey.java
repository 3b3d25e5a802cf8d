package io.aitbc.coordinator.receipt.verify;

import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;

/**
 * A coordinator signing key the verifier trusts, with the period of job completions it may sign.
 *
 * @param keyId      {@link ReceiptFormat#keyId(byte[])} of the key
 * @param publicKey  the raw 32-byte Ed25519 public key
 * @param validFrom  the earliest {@code completed_at} the key may sign, or {@code null} for no bound
 * @param validUntil the first {@code completed_at} the key may no longer sign, or {@code null} while
 *                   it is the current key
 */
public record TrustedKey(String keyId, byte[] publicKey, Instant validFrom, Instant validUntil) {

    public TrustedKey {
        Objects.requireNonNull(keyId, "keyId");
        Objects.requireNonNull(publicKey, "publicKey");
        publicKey = publicKey.clone();
    }

    /** A pinned key without a known validity period; its id is derived from the key. */
    public static TrustedKey pinned(byte[] publicKey) {
        return new TrustedKey(ReceiptFormat.keyId(publicKey), publicKey, null, null);
    }

    @Override
    public byte[] publicKey() {
        return publicKey.clone();
    }

    /** True when a job completed at {@code time} lies in this key's validity period. */
    public boolean covers(Instant time) {
        return (validFrom == null || !time.isBefore(validFrom)) && (validUntil == null || time.isBefore(validUntil));
    }

    boolean sameKey(byte[] other) {
        return Arrays.equals(publicKey, other);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof TrustedKey key && keyId.equals(key.keyId) && Arrays.equals(publicKey, key.publicKey)
                && Objects.equals(validFrom, key.validFrom) && Objects.equals(validUntil, key.validUntil);
    }

    @Override
    public int hashCode() {
        return Objects.hash(keyId, Arrays.hashCode(publicKey), validFrom, validUntil);
    }

    @Override
    public String toString() {
        return "TrustedKey[" + keyId + ", " + validFrom + " .. " + validUntil + "]";
    }
}
