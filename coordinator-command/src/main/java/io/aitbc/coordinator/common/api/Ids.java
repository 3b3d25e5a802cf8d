package io.aitbc.coordinator.common.api;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.Arrays;

/**
 * Opaque identifiers with a type prefix and a time-ordered random part, for example
 * {@code job_01JEX3Q7R5M2K8ZC4W9F6B1T0D}.
 *
 * <p>The part after the prefix is 26 characters of Crockford base32: 48 bits of milliseconds since
 * the epoch followed by 80 random bits, so identifiers sort by creation time and never collide in
 * practice.
 */
public final class Ids {

    private static final char[] ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();

    private Ids() {
    }

    public static String newId(String prefix) {
        return newId(prefix, Instant.now());
    }

    public static String newId(String prefix, Instant time) {
        byte[] random = new byte[10];
        RANDOM.nextBytes(random);
        return prefix + "_" + encode(time.toEpochMilli(), random);
    }

    /**
     * An identifier whose last 80 bits are the first ten bytes of {@code seed} instead of random ones:
     * the same time and seed always give the same identifier.
     */
    public static String newId(String prefix, Instant time, byte[] seed) {
        if (seed.length < 10) {
            throw new IllegalArgumentException("An identifier's seed needs at least 10 bytes");
        }
        return prefix + "_" + encode(time.toEpochMilli(), Arrays.copyOf(seed, 10));
    }

    /** True when {@code id} has the given prefix and a well-formed time-ordered part. */
    public static boolean isWellFormed(String id, String prefix) {
        if (id == null || !id.startsWith(prefix + "_") || id.length() != prefix.length() + 27) {
            return false;
        }
        for (int i = prefix.length() + 1; i < id.length(); i++) {
            if (indexOf(id.charAt(i)) < 0) {
                return false;
            }
        }
        return true;
    }

    private static String encode(long millis, byte[] random) {
        char[] out = new char[26];
        for (int i = 9; i >= 0; i--) {
            out[i] = ALPHABET[(int) (millis & 31)];
            millis >>>= 5;
        }
        // 80 random bits are exactly 16 base32 characters
        long high = 0;
        for (int i = 0; i < 5; i++) {
            high = (high << 8) | (random[i] & 0xff);
        }
        long low = 0;
        for (int i = 5; i < 10; i++) {
            low = (low << 8) | (random[i] & 0xff);
        }
        for (int i = 17; i >= 10; i--) {
            out[i] = ALPHABET[(int) (high & 31)];
            high >>>= 5;
        }
        for (int i = 25; i >= 18; i--) {
            out[i] = ALPHABET[(int) (low & 31)];
            low >>>= 5;
        }
        return new String(out);
    }

    private static int indexOf(char c) {
        for (int i = 0; i < ALPHABET.length; i++) {
            if (ALPHABET[i] == c) {
                return i;
            }
        }
        return -1;
    }
}
