package io.aitbc.coordinator.gateway.auth;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Turns an API key into a {@link Caller}. Answers are remembered for at most one second, so a hot
 * key costs one database read a second per node, and a revoked or regenerated key stops working
 * on every node within a second. The memory is bounded: past {@value #MAX_REMEMBERED} keys it is
 * dropped and rebuilt.
 *
 * <p>The operator's key from {@code COORDINATOR_ADMIN_KEY} is never stored; it is compared in
 * constant time with the configured value and acts as principal {@code admin}.
 */
@Component
public class Authenticator {

    static final String OPERATOR_KEY_ID = "key_operator";
    private static final int MAX_REMEMBERED = 10_000;
    private static final long REMEMBER_MILLIS = 1_000;

    private final ApiKeyStore store;
    private final Clock clock;
    private final byte[] operatorKeyHash;
    private final ConcurrentHashMap<String, Remembered> remembered = new ConcurrentHashMap<>();

    Authenticator(ApiKeyStore store, Clock clock, @Value("${coordinator.admin-key:}") String operatorKey) {
        this.store = store;
        this.clock = clock;
        this.operatorKeyHash = operatorKey.isBlank() ? null : ApiKeyStore.hash(operatorKey);
    }

    private record Remembered(Optional<Caller> caller, long until) {
    }

    /** Blocking: may read the database. */
    public Optional<Caller> authenticate(String secret) {
        if (operatorKeyHash != null && MessageDigest.isEqual(operatorKeyHash, ApiKeyStore.hash(secret))) {
            return Optional.of(new Caller(OPERATOR_KEY_ID, "admin", Role.ADMIN, Plan.ENTERPRISE));
        }
        String cacheKey = new String(ApiKeyStore.hash(secret), StandardCharsets.ISO_8859_1);
        long now = clock.millis();
        Remembered known = remembered.get(cacheKey);
        if (known != null && known.until() > now) {
            return known.caller();
        }
        Optional<Caller> caller = store.authenticate(secret)
                .map(key -> new Caller(key.keyId(), key.principal(), key.role(), key.plan()));
        if (remembered.size() >= MAX_REMEMBERED) {
            remembered.clear();
        }
        remembered.put(cacheKey, new Remembered(caller, now + REMEMBER_MILLIS));
        return caller;
    }

    /** Whether the answer for this secret is remembered, so checking it needs no database read. */
    public Optional<Optional<Caller>> rememberedAnswer(String secret) {
        if (operatorKeyHash != null && MessageDigest.isEqual(operatorKeyHash, ApiKeyStore.hash(secret))) {
            return Optional.of(authenticate(secret));
        }
        Remembered known = remembered.get(new String(ApiKeyStore.hash(secret), StandardCharsets.ISO_8859_1));
        return known != null && known.until() > clock.millis() ? Optional.of(known.caller()) : Optional.empty();
    }

    /** Forgets everything remembered on this node, for a key change made here. */
    public void forgetAll() {
        remembered.clear();
    }
}
