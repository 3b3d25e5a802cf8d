package io.aitbc.coordinator.receipt.verify;

import org.bouncycastle.math.ec.rfc8032.Ed25519;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * Ed25519 (RFC 8032) with the strict checks a receipt verifier needs beyond the equation itself:
 * 64-byte signatures whose scalar S is reduced (S &lt; L, so {@code S + L} forgeries of a valid
 * signature are refused), and public keys that are canonical points of prime order (the eight
 * small-order points verify signatures on many messages and are refused).
 *
 * <p>Signing and the group equation are BouncyCastle's; the key checks are done here in plain
 * {@link BigInteger} arithmetic so that they are explicit and reviewable.
 */
public final class Ed25519Signatures {

    public static final int KEY_SIZE = 32;
    public static final int SIGNATURE_SIZE = 64;

    private static final BigInteger P = BigInteger.ONE.shiftLeft(255).subtract(BigInteger.valueOf(19));
    private static final BigInteger L = BigInteger.ONE.shiftLeft(252)
            .add(new BigInteger("27742317777372353535851937790883648493"));
    private static final BigInteger D = BigInteger.valueOf(-121665)
            .multiply(BigInteger.valueOf(121666).modInverse(P)).mod(P);
    private static final BigInteger SQRT_MINUS_ONE = BigInteger.TWO.modPow(P.subtract(BigInteger.ONE).shiftRight(2), P);
    private static final SecureRandom RANDOM = new SecureRandom();

    private Ed25519Signatures() {
    }

    /** A fresh 32-byte private key (the RFC 8032 seed). */
    public static byte[] newPrivateKey() {
        byte[] seed = new byte[Ed25519.SECRET_KEY_SIZE];
        Ed25519.generatePrivateKey(RANDOM, seed);
        return seed;
    }

    public static byte[] publicKey(byte[] privateKey) {
        byte[] publicKey = new byte[KEY_SIZE];
        Ed25519.generatePublicKey(privateKey, 0, publicKey, 0);
        return publicKey;
    }

    /** The deterministic RFC 8032 signature: the same key and message always give the same bytes. */
    public static byte[] sign(byte[] privateKey, byte[] message) {
        byte[] signature = new byte[SIGNATURE_SIZE];
        Ed25519.sign(privateKey, 0, message, 0, message.length, signature, 0);
        return signature;
    }

    /**
     * True when {@code signature} is a canonical signature of {@code message} by a valid
     * prime-order {@code publicKey}. Every malformed input answers false.
     */
    public static boolean verify(byte[] publicKey, byte[] message, byte[] signature) {
        if (publicKey == null || signature == null || publicKey.length != KEY_SIZE
                || signature.length != SIGNATURE_SIZE) {
            return false;
        }
        if (!hasCanonicalScalar(signature) || publicKeyProblem(publicKey) != null) {
            return false;
        }
        return Ed25519.verify(signature, 0, publicKey, 0, message, 0, message.length);
    }

    /** True when the scalar S (the last 32 bytes, little-endian) is below the group order L. */
    public static boolean hasCanonicalScalar(byte[] signature) {
        if (signature.length != SIGNATURE_SIZE) {
            return false;
        }
        return littleEndian(Arrays.copyOfRange(signature, 32, 64)).compareTo(L) < 0;
    }

    /**
     * Why {@code publicKey} must not be trusted, or {@code null} when it is a canonical encoding of a
     * point of prime order L.
     */
    public static String publicKeyProblem(byte[] publicKey) {
        if (publicKey == null || publicKey.length != KEY_SIZE) {
            return "public key is not 32 bytes";
        }
        BigInteger[] point = decode(publicKey);
        if (point == null) {
            return "public key is not a canonical encoding of a curve point";
        }
        BigInteger[] multiple = point;
        for (int i = 0; i < 3; i++) {
            multiple = add(multiple, multiple);
        }
        if (multiple[0].signum() == 0 && multiple[1].equals(BigInteger.ONE)) {
            return "public key is a small-order point";
        }
        if (!Ed25519.validatePublicKeyFull(publicKey, 0)) {
            return "public key is not in the prime-order subgroup";
        }
        return null;
    }

    /** Decodes RFC 8032 section 5.1.3; {@code null} for a non-canonical or off-curve encoding. */
    private static BigInteger[] decode(byte[] encoded) {
        byte[] copy = encoded.clone();
        int sign = (copy[31] >> 7) & 1;
        copy[31] &= 0x7f;
        BigInteger y = littleEndian(copy);
        if (y.compareTo(P) >= 0) {
            return null;
        }
        BigInteger ySquared = y.multiply(y).mod(P);
        BigInteger u = ySquared.subtract(BigInteger.ONE).mod(P);
        BigInteger v = D.multiply(ySquared).add(BigInteger.ONE).mod(P);
        BigInteger v3 = v.modPow(BigInteger.valueOf(3), P);
        BigInteger v7 = v.modPow(BigInteger.valueOf(7), P);
        BigInteger x = u.multiply(v3)
                .multiply(u.multiply(v7).modPow(P.subtract(BigInteger.valueOf(5)).shiftRight(3), P)).mod(P);
        BigInteger vxx = v.multiply(x).multiply(x).mod(P);
        if (!vxx.equals(u)) {
            if (!vxx.equals(u.negate().mod(P))) {
                return null;
            }
            x = x.multiply(SQRT_MINUS_ONE).mod(P);
        }
        if (x.signum() == 0 && sign == 1) {
            return null;
        }
        if (x.testBit(0) != (sign == 1)) {
            x = P.subtract(x);
        }
        return new BigInteger[] {x, y};
    }

    /** Twisted Edwards addition with a = -1; complete, so doubling needs no special case. */
    private static BigInteger[] add(BigInteger[] a, BigInteger[] b) {
        BigInteger x1y2 = a[0].multiply(b[1]);
        BigInteger y1x2 = a[1].multiply(b[0]);
        BigInteger x1x2 = a[0].multiply(b[0]);
        BigInteger y1y2 = a[1].multiply(b[1]);
        BigInteger dxxyy = D.multiply(x1x2).multiply(y1y2).mod(P);
        BigInteger x3 = x1y2.add(y1x2).multiply(BigInteger.ONE.add(dxxyy).modInverse(P)).mod(P);
        BigInteger y3 = y1y2.add(x1x2).multiply(BigInteger.ONE.subtract(dxxyy).mod(P).modInverse(P)).mod(P);
        return new BigInteger[] {x3, y3};
    }

    private static BigInteger littleEndian(byte[] bytes) {
        byte[] bigEndian = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            bigEndian[i] = bytes[bytes.length - 1 - i];
        }
        return new BigInteger(1, bigEndian);
    }
}
