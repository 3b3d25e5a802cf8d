package io.aitbc.coordinator.gateway.miner;

import io.aitbc.coordinator.query.dispatch.Capacity;
import io.aitbc.coordinator.query.dispatch.MinerProfile;
import io.aitbc.coordinator.query.offer.OfferTerms;

import java.math.BigDecimal;
import java.util.List;

/**
 * All that decides which unreserved queued jobs a poll can claim: the miner's capacity and registration
 * price, the job types the poll accepts and the offers the miner sells through. Polls with equal
 * fingerprints find the same jobs, so once one of them found nothing the others need not look.
 *
 * <p>Offers keep their ids, so two miners that sell through offers never share a fingerprint; that costs
 * a claim more now and then, never a missed job.
 */
record Fingerprint(Capacity capacity, BigDecimal unitPrice, List<String> acceptedTypes, List<OfferTerms> offers) {

    Fingerprint {
        acceptedTypes = List.copyOf(acceptedTypes);
        offers = List.copyOf(offers);
    }

    static Fingerprint of(MinerProfile miner, List<String> acceptedTypes, List<OfferTerms> offers) {
        // matching reads a missing price as zero, and 0.50 asks what 0.5 asks
        BigDecimal price = miner.unitPrice() == null ? BigDecimal.ZERO : miner.unitPrice().stripTrailingZeros();
        return new Fingerprint(Capacity.of(miner), price, acceptedTypes, offers);
    }
}
