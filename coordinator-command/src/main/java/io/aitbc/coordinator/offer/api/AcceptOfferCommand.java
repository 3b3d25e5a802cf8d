package io.aitbc.coordinator.offer.api;

import org.axonframework.modelling.command.TargetAggregateIdentifier;

import java.math.BigDecimal;

/**
 * A client buys one job of an offer for its job {@code jobId}, bidding at least the offer's price.
 * The trade is made at the offer's price; {@code transactionId} names it from here on.
 *
 * @param jobType the type of the client's job, which must be the offer's
 */
public record AcceptOfferCommand(
        @TargetAggregateIdentifier String offerId,
        String transactionId,
        String jobId,
        String clientId,
        String jobType,
        BigDecimal bidPrice) {
}
