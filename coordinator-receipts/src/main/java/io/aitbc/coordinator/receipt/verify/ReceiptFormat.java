package io.aitbc.coordinator.receipt.verify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * The receipt format, version {@code "2"}: which bytes are signed, which bytes are logged, and how
 * keys, signatures and times are written. Everything here is part of what outsiders verify, so it
 * never changes for version 2.
 *
 * <p>A receipt is a JSON object of strings and one integer ({@code log_index}):
 * {@code receipt_id, version, job_id, job_type, client_id, miner_id, status, units, unit_type,
 * unit_price, price, currency, started_at, completed_at, payload_sha256, result_sha256, event_id,
 * log_index}, plus {@code signature} and optionally {@code attestations}.
 * <ul>
 *   <li><b>Signed bytes</b>: the RFC 8785 form of the receipt without {@code signature} and
 *       {@code attestations}, signed with Ed25519.</li>
 *   <li><b>Leaf bytes</b>: the RFC 8785 form of the whole receipt, signature and attestations
 *       included; the log leaf is {@code SHA-256(0x00 || leaf bytes)} (RFC 6962).</li>
 *   <li><b>Key id</b>: the first 16 hex digits of SHA-256 over the raw 32-byte public key.</li>
 *   <li><b>Encodings</b>: public keys in standard base64 with padding, signatures in base64url
 *       without padding, digests in lowercase hex, times RFC 3339 UTC with milliseconds and
 *       {@code Z}, amounts as decimal strings.</li>
 *   <li><b>Miner attestation</b>: {@code {"type": "miner", "key_id", "public_key", "sig"}}; the miner
 *       signs the ASCII bytes of {@link #minerAttestationMessage(String, String)}.</li>
 * </ul>
 */
public final class ReceiptFormat {

    public static final String VERSION = "2";
    public static final String ALGORITHM = "Ed25519";
    public static final String MINER_ATTESTATION = "miner";
    public static final String MINER_ATTESTATION_PREFIX = "aitbc-result-v1:";

    /** Members whose value is a string, in the order the contract lists them. */
    public static final List<String> STRING_FIELDS = List.of("receipt_id", "version", "job_id", "job_type",
            "client_id", "miner_id", "status", "units", "unit_type", "unit_price", "price", "currency",
            "started_at", "completed_at", "payload_sha256", "result_sha256", "event_id");
    public static final String LOG_INDEX = "log_index";
    public static final String SIGNATURE = "signature";
    public static final String ATTESTATIONS = "attestations";

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    private ReceiptFormat() {
    }

    /** The bytes the coordinator signs: RFC 8785 of the receipt without signature and attestations. */
    public static byte[] signedBytes(JsonNode receipt) {
        ObjectNode body = ((ObjectNode) receipt).deepCopy();
        body.remove(SIGNATURE);
        body.remove(ATTESTATIONS);
        return Jcs.canonicalize(body);
    }

    /** The bytes of the receipt's log leaf: RFC 8785 of the whole receipt. */
    public static byte[] leafBytes(JsonNode receipt) {
        return Jcs.canonicalize(receipt);
    }

    /**
     * What a miner signs to attest its result: the ASCII bytes of
     * {@code "aitbc-result-v1:" + job_id + ":" + result_sha256}, with {@code result_sha256} the
     * lowercase hex SHA-256 of the RFC 8785 form of the result object it reported. The prefix keeps a
     * miner's signature from being replayed as any other kind of statement; the job id binds it to one
     * job.
     */
    public static byte[] minerAttestationMessage(String jobId, String resultSha256) {
        return (MINER_ATTESTATION_PREFIX + jobId + ":" + resultSha256).getBytes(StandardCharsets.UTF_8);
    }

    /** The first 16 hex digits of SHA-256 over the raw public key. */
    public static String keyId(byte[] publicKey) {
        return HexFormat.of().formatHex(sha256(publicKey), 0, 8);
    }

    /** RFC 3339 UTC with exactly three fraction digits and {@code Z}. */
    public static String formatTime(Instant time) {
        return TIME.format(time.truncatedTo(ChronoUnit.MILLIS));
    }

    /** The inverse of {@link #formatTime}; {@code null} for any other text, so a variant cannot pass. */
    public static Instant parseTime(String text) {
        if (text == null || !text.matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z")) {
            return null;
        }
        try {
            Instant time = Instant.parse(text);
            return formatTime(time).equals(text) ? time : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    public static String base64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    public static String base64Url(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** Strict standard base64: {@code null} unless the text is exactly the canonical encoding. */
    public static byte[] decodeBase64(String text) {
        try {
            byte[] bytes = Base64.getDecoder().decode(text);
            return base64(bytes).equals(text) ? bytes : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** Strict unpadded base64url: {@code null} unless the text is exactly the canonical encoding. */
    public static byte[] decodeBase64Url(String text) {
        try {
            byte[] bytes = Base64.getUrlDecoder().decode(text);
            return base64Url(bytes).equals(text) ? bytes : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    public static byte[] sha256(byte[]... parts) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (byte[] part : parts) {
                digest.update(part);
            }
            return digest.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("Every Java runtime provides SHA-256", e);
        }
    }
}
