package io.aitbc.coordinator.gateway.idempotency;

import io.aitbc.coordinator.common.api.Ids;
import org.springframework.web.server.ServerWebExchange;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Optional;

/**
 * The request being run under an {@code Idempotency-Key}, for handlers that need a second run of the
 * same request to find what the first one made rather than make it again.
 *
 * @param firstSeenAt when this use of the key began; kept when the request runs again after its node died
 */
public record IdempotentRequest(String principal, String key, Instant firstSeenAt) {

    private static final String ATTRIBUTE = IdempotentRequest.class.getName();

    /** The idempotent request this exchange runs, if it carries an {@code Idempotency-Key}. */
    public static Optional<IdempotentRequest> of(ServerWebExchange exchange) {
        return Optional.ofNullable(exchange.getAttribute(ATTRIBUTE));
    }

    static void remember(ServerWebExchange exchange, IdempotentRequest request) {
        exchange.getAttributes().put(ATTRIBUTE, request);
    }

    /**
     * An identifier that every run of this request derives alike: the time part is when the key was
     * first used, the rest comes from the principal and the key, so different callers' keys never meet.
     */
    public String derivedId(String prefix) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest((prefix + "\n" + principal + "\n" + key).getBytes(StandardCharsets.UTF_8));
            return Ids.newId(prefix, firstSeenAt, digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
