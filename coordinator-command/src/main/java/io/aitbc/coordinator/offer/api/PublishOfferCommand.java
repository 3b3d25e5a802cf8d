package io.aitbc.coordinator.offer.api;

import io.aitbc.coordinator.job.api.JobRequirements;
import org.axonframework.modelling.command.TargetAggregateIdentifier;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * A miner offers to run up to {@code maxJobs} jobs of one type at {@code price} per {@code unitType}
 * until {@code expiresAt}.
 *
 * @param requirements what the miner states it provides for these jobs (shown to clients)
 */
public record PublishOfferCommand(
        @TargetAggregateIdentifier String offerId,
        String minerId,
        String jobType,
        BigDecimal price,
        String unitType,
        int maxJobs,
        JobRequirements requirements,
        Instant expiresAt) {
}
