package io.aitbc.coordinator.receipt;

import io.aitbc.coordinator.receipt.verify.ReceiptFormat;
import io.aitbc.coordinator.receipt.verify.TrustedKey;

import java.time.Instant;

/**
 * One coordinator signing key. It signs the receipts of jobs completed in
 * {@code [validFrom, validUntil)} and, while current, the log's checkpoints.
 *
 * <p>The private key never leaves this class except to the signing calls of this package;
 * {@link #toString()} leaves it out so it cannot reach a log line.
 */
final class SigningKey {

    private final String keyId;
    private final byte[] publicKey;
    private final byte[] privateKey;
    private final Instant validFrom;
    private final Instant validUntil;

    SigningKey(byte[] publicKey, byte[] privateKey, Instant validFrom, Instant validUntil) {
        this.keyId = ReceiptFormat.keyId(publicKey);
        this.publicKey = publicKey.clone();
        this.privateKey = privateKey.clone();
        this.validFrom = validFrom;
        this.validUntil = validUntil;
    }

    String keyId() {
        return keyId;
    }

    byte[] publicKey() {
        return publicKey.clone();
    }

    byte[] privateKey() {
        return privateKey.clone();
    }

    Instant validFrom() {
        return validFrom;
    }

    Instant validUntil() {
        return validUntil;
    }

    boolean isCurrent() {
        return validUntil == null;
    }

    boolean covers(Instant completedAt) {
        return !completedAt.isBefore(validFrom) && (validUntil == null || completedAt.isBefore(validUntil));
    }

    SigningKey retiredAt(Instant until) {
        return new SigningKey(publicKey, privateKey, validFrom, until);
    }

    TrustedKey trusted() {
        return new TrustedKey(keyId, publicKey, validFrom, validUntil);
    }

    SigningKeyView view() {
        return new SigningKeyView(keyId, ReceiptFormat.ALGORITHM, ReceiptFormat.base64(publicKey),
                ReceiptFormat.formatTime(validFrom), validUntil == null ? null : ReceiptFormat.formatTime(validUntil),
                isCurrent());
    }

    @Override
    public String toString() {
        return "SigningKey[" + keyId + ", " + validFrom + " .. " + validUntil + "]";
    }
}
