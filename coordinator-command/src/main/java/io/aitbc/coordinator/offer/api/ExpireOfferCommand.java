package io.aitbc.coordinator.offer.api;

import org.axonframework.modelling.command.TargetAggregateIdentifier;

/** The offer's time may be up; answers whether it expired now. A no-op before its time or once ended. */
public record ExpireOfferCommand(@TargetAggregateIdentifier String offerId) {
}
