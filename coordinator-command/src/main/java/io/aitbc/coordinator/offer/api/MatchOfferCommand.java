package io.aitbc.coordinator.offer.api;

import org.axonframework.modelling.command.TargetAggregateIdentifier;

/**
 * A polling miner takes a job that named no offer, and matching priced it by this offer of the
 * miner's: one of the offer's jobs is used.
 */
public record MatchOfferCommand(
        @TargetAggregateIdentifier String offerId,
        String transactionId,
        String jobId,
        String minerId,
        String jobType) {
}
