package io.aitbc.coordinator.gateway.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import io.aitbc.coordinator.receipt.verify.CanonicalizationException;
import io.aitbc.coordinator.receipt.verify.Jcs;
import org.springframework.http.HttpStatus;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/** Digests of JSON values as receipts state them: hex SHA-256 of the RFC 8785 form. */
public final class Digests {

    private Digests() {
    }

    /**
     * The digest of {@code value} ({@code null} counts as JSON null), refusing with 400 a value that
     * has no canonical form or whose canonical form is longer than {@code maxBytes}.
     */
    public static String canonicalSha256(String field, JsonNode value, int maxBytes) {
        byte[] canonical;
        try {
            canonical = Jcs.canonicalize(value == null ? NullNode.getInstance() : value);
        } catch (CanonicalizationException e) {
            throw invalid(field, "cannot be canonicalised (RFC 8785): " + e.getMessage());
        }
        if (canonical.length > maxBytes) {
            throw new ApiException(HttpStatus.PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE",
                    field + " is larger than " + maxBytes + " bytes");
        }
        return sha256Hex(canonical);
    }

    public static String sha256Hex(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    private static ApiException invalid(String field, String problem) {
        return new ApiException(HttpStatus.BAD_REQUEST, "VALIDATION_FAILED", field + " " + problem,
                Map.of("fields", List.of(Map.of("field", field, "problem", problem))));
    }
}
