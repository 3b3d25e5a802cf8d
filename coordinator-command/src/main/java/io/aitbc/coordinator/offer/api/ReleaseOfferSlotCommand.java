package io.aitbc.coordinator.offer.api;

import org.axonframework.modelling.command.TargetAggregateIdentifier;

/**
 * The job sold in {@code transactionId} was never run under the offer (its reservation lapsed, or
 * the job was canceled or expired first): the offer gets that job back. Answers whether it did;
 * an unknown or already released transaction changes nothing.
 */
public record ReleaseOfferSlotCommand(
        @TargetAggregateIdentifier String offerId,
        String transactionId,
        String reason) {

    public static final String RESERVATION_LAPSED = "reservation_lapsed";
    public static final String JOB_ENDED = "job_ended";
}
