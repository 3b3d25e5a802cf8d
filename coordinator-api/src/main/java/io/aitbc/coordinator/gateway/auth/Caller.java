package io.aitbc.coordinator.gateway.auth;

import io.aitbc.coordinator.gateway.web.ApiException;

/**
 * Who sent a request: the key it used, the principal that key acts for (a client or miner id, or
 * an operator's name), its role and plan.
 */
public record Caller(String keyId, String principal, Role role, Plan plan) {

    public boolean is(Role expected) {
        return role == expected;
    }

    /** True for roles that may read every client's data. */
    public boolean readsEverything() {
        return role == Role.AUDITOR || role == Role.ADMIN;
    }

    public void require(Role... allowed) {
        for (Role role : allowed) {
            if (this.role == role) {
                return;
            }
        }
        throw ApiException.forbidden("A " + role.wireName() + " key may not do this");
    }
}
