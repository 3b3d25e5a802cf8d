package io.aitbc.coordinator.gateway.auth;

import io.aitbc.coordinator.common.api.Ids;
import org.jooq.DSLContext;
import org.springframework.stereotype.Repository;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

import static io.aitbc.coordinator.gateway.jooq.Tables.API_KEY;

/**
 * API keys, stored only as SHA-256 hashes of their secrets. A secret reads
 * {@code aitbc_<id>_<random>}: the id part finds the row, and the hash of the whole secret is then
 * compared in constant time, so a lookup never reveals how much of a guess was right.
 */
@Repository
public class ApiKeyStore {

    private static final String SECRET_PREFIX = "aitbc_";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final DSLContext dsl;
    private final Clock clock;

    ApiKeyStore(DSLContext dsl, Clock clock) {
        this.dsl = dsl;
        this.clock = clock;
    }

    /** A key as listed: everything but the secret. */
    public record StoredKey(String keyId, Role role, Plan plan, String principal, String name,
                            Instant createdAt, Instant rotatedAt, Instant revokedAt) {
    }

    /** A key just created or regenerated, with its secret, which is shown this once. */
    public record IssuedKey(StoredKey key, String secret) {
    }

    public IssuedKey create(Role role, Plan plan, String principal, String name) {
        String keyId = Ids.newId("key");
        String secret = newSecret(keyId);
        Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        dsl.insertInto(API_KEY)
                .set(API_KEY.KEY_ID, keyId)
                .set(API_KEY.SECRET_HASH, hash(secret))
                .set(API_KEY.ROLE, role.wireName())
                .set(API_KEY.PLAN, plan.wireName())
                .set(API_KEY.PRINCIPAL, principal)
                .set(API_KEY.NAME, name)
                .set(API_KEY.CREATED_AT, now.atOffset(ZoneOffset.UTC))
                .execute();
        return new IssuedKey(new StoredKey(keyId, role, plan, principal, name, now, null, null), secret);
    }

    public Optional<IssuedKey> regenerate(String keyId) {
        String secret = newSecret(keyId);
        Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        int updated = dsl.update(API_KEY)
                .set(API_KEY.SECRET_HASH, hash(secret))
                .set(API_KEY.ROTATED_AT, now.atOffset(ZoneOffset.UTC))
                .where(API_KEY.KEY_ID.eq(keyId))
                .and(API_KEY.REVOKED_AT.isNull())
                .execute();
        return updated == 0 ? Optional.empty() : find(keyId).map(key -> new IssuedKey(key, secret));
    }

    public boolean revoke(String keyId) {
        return dsl.update(API_KEY)
                .set(API_KEY.REVOKED_AT, clock.instant().truncatedTo(ChronoUnit.MILLIS).atOffset(ZoneOffset.UTC))
                .where(API_KEY.KEY_ID.eq(keyId))
                .and(API_KEY.REVOKED_AT.isNull())
                .execute() > 0;
    }

    public Optional<StoredKey> find(String keyId) {
        return dsl.selectFrom(API_KEY)
                .where(API_KEY.KEY_ID.eq(keyId))
                .fetchOptional()
                .map(ApiKeyStore::toKey);
    }

    public List<StoredKey> list(int limit, int offset) {
        return dsl.selectFrom(API_KEY)
                .orderBy(API_KEY.CREATED_AT.desc(), API_KEY.KEY_ID.desc())
                .limit(limit)
                .offset(offset)
                .fetch(ApiKeyStore::toKey);
    }

    public int count() {
        return dsl.fetchCount(API_KEY);
    }

    public boolean anyActive(Role role) {
        return dsl.fetchExists(API_KEY, API_KEY.ROLE.eq(role.wireName()).and(API_KEY.REVOKED_AT.isNull()));
    }

    /** The key a secret belongs to, if the secret is right and the key not revoked. */
    public Optional<StoredKey> authenticate(String secret) {
        Optional<String> keyId = keyIdOf(secret);
        if (keyId.isEmpty()) {
            return Optional.empty();
        }
        var row = dsl.selectFrom(API_KEY)
                .where(API_KEY.KEY_ID.eq(keyId.get()))
                .fetchOptional();
        if (row.isEmpty() || row.get().getRevokedAt() != null
                || !MessageDigest.isEqual(row.get().getSecretHash(), hash(secret))) {
            return Optional.empty();
        }
        return row.map(ApiKeyStore::toKey);
    }

    static Optional<String> keyIdOf(String secret) {
        if (secret == null || !secret.startsWith(SECRET_PREFIX) || secret.length() > 200) {
            return Optional.empty();
        }
        int end = secret.indexOf('_', SECRET_PREFIX.length());
        if (end < 0) {
            return Optional.empty();
        }
        String keyId = "key_" + secret.substring(SECRET_PREFIX.length(), end);
        return Ids.isWellFormed(keyId, "key") ? Optional.of(keyId) : Optional.empty();
    }

    static byte[] hash(String secret) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    private static String newSecret(String keyId) {
        byte[] random = new byte[32];
        RANDOM.nextBytes(random);
        return SECRET_PREFIX + keyId.substring("key_".length()) + "_"
                + Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    }

    private static StoredKey toKey(io.aitbc.coordinator.gateway.jooq.tables.records.ApiKeyRecord row) {
        return new StoredKey(row.getKeyId(), Role.fromWire(row.getRole()).orElseThrow(),
                Plan.fromWire(row.getPlan()).orElseThrow(), row.getPrincipal(), row.getName(),
                row.getCreatedAt().toInstant(),
                row.getRotatedAt() == null ? null : row.getRotatedAt().toInstant(),
                row.getRevokedAt() == null ? null : row.getRevokedAt().toInstant());
    }
}
