package io.aitbc.coordinator.offer.api;

import org.axonframework.modelling.command.TargetAggregateIdentifier;

/** The offer's miner takes it off the market; jobs already reserved under it keep their terms. */
public record WithdrawOfferCommand(@TargetAggregateIdentifier String offerId, String minerId) {
}
