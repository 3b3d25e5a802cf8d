package io.aitbc.coordinator.miner.api;

import org.axonframework.modelling.command.TargetAggregateIdentifier;

import java.math.BigDecimal;

/**
 * A miner registers, or updates its registration.
 *
 * @param publicKey base64 raw Ed25519 public key the miner signs result digests with, or {@code null}
 * @param unitPrice the price per {@code unitType} the miner asks for jobs it takes without an offer
 */
public record RegisterMinerCommand(
        @TargetAggregateIdentifier String minerId,
        MinerCapabilities capabilities,
        int concurrency,
        String region,
        String publicKey,
        BigDecimal unitPrice,
        String unitType) {
}
