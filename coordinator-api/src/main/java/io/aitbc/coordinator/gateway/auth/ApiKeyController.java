package io.aitbc.coordinator.gateway.auth;

import com.fasterxml.jackson.databind.JsonNode;
import io.aitbc.coordinator.common.api.Ids;
import io.aitbc.coordinator.gateway.web.ApiException;
import io.aitbc.coordinator.gateway.web.Backend;
import io.aitbc.coordinator.gateway.web.BodyReader;
import io.aitbc.coordinator.gateway.web.RequestContext;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

import java.time.Instant;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Admins manage API keys. A key's secret appears in the answer that creates or regenerates it and
 * never again: the store keeps only its hash.
 */
@RestController
@RequestMapping("/v1/api-keys")
class ApiKeyController {

    private static final Pattern PRINCIPAL = Pattern.compile("[A-Za-z0-9_.:-]{1,128}");

    private final ApiKeyStore store;
    private final Authenticator authenticator;
    private final Backend backend;

    ApiKeyController(ApiKeyStore store, Authenticator authenticator, Backend backend) {
        this.store = store;
        this.authenticator = authenticator;
        this.backend = backend;
    }

    /** A key as listed: no secret. */
    record KeyView(String keyId, String role, String plan, String principal, String name, Instant createdAt,
                   Instant rotatedAt, Instant revokedAt, String status) {

        static KeyView of(ApiKeyStore.StoredKey key) {
            return new KeyView(key.keyId(), key.role().wireName(), key.plan().wireName(), key.principal(),
                    key.name(), key.createdAt(), key.rotatedAt(), key.revokedAt(),
                    key.revokedAt() == null ? "active" : "revoked");
        }
    }

    /** A key with its secret, answered once. */
    record IssuedKeyView(String keyId, String apiKey, String role, String plan, String principal, String name,
                         Instant createdAt) {

        static IssuedKeyView of(ApiKeyStore.IssuedKey issued) {
            var key = issued.key();
            return new IssuedKeyView(key.keyId(), issued.secret(), key.role().wireName(), key.plan().wireName(),
                    key.principal(), key.name(), key.createdAt());
        }
    }

    record KeyList(List<KeyView> keys, long total, int limit, int offset) {
    }

    @PostMapping
    Mono<ResponseEntity<IssuedKeyView>> create(RequestContext context, @RequestBody JsonNode body) {
        context.caller().require(Role.ADMIN);
        BodyReader reader = BodyReader.of(body);
        String roleText = reader.string("role", 16, true);
        String planText = reader.string("plan", 16, false);
        String principal = reader.matching("principal", PRINCIPAL,
                "must be 1 to 128 letters, digits, '_', '.', ':' or '-'", false);
        String name = reader.string("name", 128, false);
        reader.validate();
        Role role = Role.fromWire(roleText).orElseThrow(() -> validation("role",
                "must be one of client, miner, auditor, admin"));
        Plan plan = planText == null ? Plan.FREE : Plan.fromWire(planText).orElseThrow(() -> validation("plan",
                "must be one of free, pro, enterprise"));
        String actsFor = principal != null ? principal : Ids.newId(role.wireName());
        return backend.blocking(context, () -> store.create(role, plan, actsFor, name))
                .map(issued -> ResponseEntity.status(HttpStatus.CREATED).body(IssuedKeyView.of(issued)));
    }

    @GetMapping
    Mono<KeyList> list(RequestContext context, @RequestParam(defaultValue = "50") int limit,
                       @RequestParam(defaultValue = "0") int offset) {
        context.caller().require(Role.ADMIN);
        if (limit < 1 || limit > 200 || offset < 0) {
            throw ApiException.badRequest("limit must be 1 to 200 and offset at least 0");
        }
        return backend.blocking(context, () -> new KeyList(
                store.list(limit, offset).stream().map(KeyView::of).toList(), store.count(), limit, offset));
    }

    @DeleteMapping("/{keyId}")
    Mono<KeyView> revoke(RequestContext context, @PathVariable String keyId) {
        context.caller().require(Role.ADMIN);
        return backend.blocking(context, () -> {
            store.revoke(keyId);
            authenticator.forgetAll();
            return store.find(keyId).map(KeyView::of).orElseThrow(() -> ApiException.notFound("NOT_FOUND",
                    "No API key " + keyId));
        });
    }

    @PostMapping("/{keyId}/regenerate")
    Mono<IssuedKeyView> regenerate(RequestContext context, @PathVariable String keyId) {
        context.caller().require(Role.ADMIN);
        return backend.blocking(context, () -> {
            var issued = store.regenerate(keyId).orElseThrow(() -> ApiException.notFound("NOT_FOUND",
                    "No active API key " + keyId));
            authenticator.forgetAll();
            return IssuedKeyView.of(issued);
        });
    }

    private static ApiException validation(String field, String problem) {
        return new ApiException(HttpStatus.BAD_REQUEST, "VALIDATION_FAILED", field + " " + problem,
                java.util.Map.of("fields", List.of(java.util.Map.of("field", field, "problem", problem))));
    }
}
