package io.aitbc.coordinator.gateway.market;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.aitbc.coordinator.common.api.Money;
import io.aitbc.coordinator.job.api.JobAssignedEvent;
import io.aitbc.coordinator.job.api.JobCanceledEvent;
import io.aitbc.coordinator.job.api.JobCompletedEvent;
import io.aitbc.coordinator.job.api.JobExpiredEvent;
import io.aitbc.coordinator.job.api.JobFailedEvent;
import io.aitbc.coordinator.job.api.JobLeaseRenewedEvent;
import io.aitbc.coordinator.job.api.JobProgressReportedEvent;
import io.aitbc.coordinator.job.api.JobRequeuedEvent;
import io.aitbc.coordinator.job.api.JobReservationLapsedEvent;
import io.aitbc.coordinator.job.api.JobStatus;
import io.aitbc.coordinator.job.api.JobSubmittedEvent;
import io.aitbc.coordinator.miner.api.MinerRegisteredEvent;
import io.aitbc.coordinator.offer.api.MarketStatsView;
import io.aitbc.coordinator.offer.api.MinerStatsView;
import io.aitbc.coordinator.offer.api.OfferExpiredEvent;
import io.aitbc.coordinator.offer.api.OfferPublishedEvent;
import io.aitbc.coordinator.offer.api.OfferSlotReleasedEvent;
import io.aitbc.coordinator.offer.api.OfferUsedUpEvent;
import io.aitbc.coordinator.offer.api.OfferWithdrawnEvent;
import io.aitbc.coordinator.query.infra.EventStoreConfiguration;
import io.aitbc.coordinator.query.stats.MinerRecord;
import io.aitbc.coordinator.query.stats.Reputation;

import java.io.IOException;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Recomputes the marketplace and miner statistics from the raw event stream alone, without any
 * read model: the test's independent answer to compare the projections with.
 */
final class StatsRecomputation {

    private static final ObjectMapper EVENTS = EventStoreConfiguration.eventObjectMapper();

    private final Map<String, JobStatus> statusOfJob = new HashMap<>();
    private final Map<String, Instant> submittedAt = new HashMap<>();
    private final Map<String, Instant> firstLeaseEnd = new HashMap<>();
    private final Map<String, Miner> miners = new TreeMap<>();
    private final Map<String, Offer> offers = new HashMap<>();
    private long completionMillis;
    private BigDecimal volume = BigDecimal.ZERO;

    private static final class Miner {
        Instant activeSince;
        Instant lastSeen;
        int assignments;
        int completed;
        int failures;
        int leaseExpiries;
        int lapses;
        int timely;
        long busyMillis;
        BigDecimal earned = BigDecimal.ZERO;
    }

    private record Offer(Instant expiresAt, boolean ended, boolean usedUp) {
    }

    /** Feeds one stored event: its payload type (a class name), its JSON and its time stamp. */
    void accept(String payloadType, byte[] payload, Instant timestamp) throws IOException {
        Object event;
        try {
            event = EVENTS.readValue(payload, Class.forName(payloadType));
        } catch (ClassNotFoundException e) {
            return;
        }
        if (event instanceof JobSubmittedEvent e) {
            statusOfJob.put(e.jobId(), JobStatus.QUEUED);
            submittedAt.put(e.jobId(), e.submittedAt());
        } else if (event instanceof JobAssignedEvent e) {
            statusOfJob.put(e.jobId(), JobStatus.RUNNING);
            firstLeaseEnd.put(e.jobId(), e.leaseExpiresAt());
            seen(e.minerId(), e.assignedAt()).assignments++;
        } else if (event instanceof JobCompletedEvent e) {
            statusOfJob.put(e.jobId(), JobStatus.COMPLETED);
            completionMillis += Duration.between(submittedAt.get(e.jobId()), e.completedAt()).toMillis();
            volume = volume.add(e.price());
            Miner miner = seen(e.minerId(), e.completedAt());
            miner.completed++;
            miner.timely += e.completedAt().isAfter(firstLeaseEnd.get(e.jobId())) ? 0 : 1;
            miner.busyMillis += Duration.between(e.startedAt(), e.completedAt()).toMillis();
            miner.earned = miner.earned.add(e.price());
        } else if (event instanceof JobRequeuedEvent e) {
            statusOfJob.put(e.jobId(), JobStatus.QUEUED);
            failure(e.minerId(), e.requeuedAt(), JobRequeuedEvent.LEASE_EXPIRED.equals(e.reason()));
        } else if (event instanceof JobFailedEvent e) {
            statusOfJob.put(e.jobId(), JobStatus.FAILED);
            failure(e.minerId(), e.failedAt(), "LEASE_EXPIRED".equals(e.errorCode()));
        } else if (event instanceof JobExpiredEvent e) {
            statusOfJob.put(e.jobId(), JobStatus.EXPIRED);
        } else if (event instanceof JobCanceledEvent e) {
            statusOfJob.put(e.jobId(), JobStatus.CANCELED);
        } else if (event instanceof JobReservationLapsedEvent e) {
            seen(e.minerId(), e.lapsedAt()).lapses++;
        } else if (event instanceof JobLeaseRenewedEvent e) {
            seen(e.minerId(), timestamp);
        } else if (event instanceof JobProgressReportedEvent e) {
            seen(e.minerId(), e.reportedAt());
        } else if (event instanceof MinerRegisteredEvent e) {
            Miner miner = seen(e.minerId(), e.registeredAt());
            miner.activeSince = miner.activeSince == null ? e.registeredAt() : miner.activeSince;
        } else if (event instanceof OfferPublishedEvent e) {
            seen(e.minerId(), e.publishedAt());
            offers.put(e.offerId(), new Offer(e.expiresAt(), false, false));
        } else if (event instanceof OfferUsedUpEvent e) {
            offers.computeIfPresent(e.offerId(), (id, offer) -> new Offer(offer.expiresAt(), offer.ended(), true));
        } else if (event instanceof OfferSlotReleasedEvent e) {
            offers.computeIfPresent(e.offerId(), (id, offer) -> new Offer(offer.expiresAt(), offer.ended(), false));
        } else if (event instanceof OfferWithdrawnEvent e) {
            end(e.offerId());
        } else if (event instanceof OfferExpiredEvent e) {
            end(e.offerId());
        }
    }

    private void end(String offerId) {
        offers.computeIfPresent(offerId, (id, offer) -> new Offer(offer.expiresAt(), true, offer.usedUp()));
    }

    private void failure(String minerId, Instant at, boolean leaseExpired) {
        if (minerId == null) {
            return;
        }
        Miner miner = seen(minerId, at);
        if (leaseExpired) {
            miner.leaseExpiries++;
        } else {
            miner.failures++;
        }
    }

    MarketStatsView market(Instant now, Duration activityWindow) {
        long completed = count(JobStatus.COMPLETED);
        long activeMiners = miners.values().stream()
                .filter(miner -> !miner.lastSeen.isBefore(now.minus(activityWindow)))
                .count();
        long openOffers = offers.values().stream()
                .filter(offer -> !offer.ended() && !offer.usedUp() && offer.expiresAt().isAfter(now))
                .count();
        return new MarketStatsView(statusOfJob.size(), count(JobStatus.QUEUED) + count(JobStatus.RUNNING),
                completed, count(JobStatus.FAILED), Reputation.averageSeconds(completionMillis, completed),
                Money.format(volume), activeMiners, openOffers);
    }

    Map<String, MinerStatsView> miners() {
        Map<String, MinerStatsView> views = new TreeMap<>();
        miners.forEach((minerId, miner) -> {
            MinerRecord record = new MinerRecord(miner.assignments, miner.completed, miner.failures,
                    miner.leaseExpiries, miner.lapses, miner.timely, miner.busyMillis, miner.earned);
            views.put(minerId, new MinerStatsView(minerId, Reputation.of(record), miner.assignments,
                    Reputation.successRate(record), Reputation.averageSeconds(miner.busyMillis, miner.completed),
                    Money.format(miner.earned), miner.activeSince));
        });
        return views;
    }

    private long count(JobStatus status) {
        return statusOfJob.values().stream().filter(status::equals).count();
    }

    private Miner seen(String minerId, Instant at) {
        Miner miner = miners.computeIfAbsent(minerId, id -> new Miner());
        miner.lastSeen = miner.lastSeen == null || at.isAfter(miner.lastSeen) ? at : miner.lastSeen;
        return miner;
    }
}
