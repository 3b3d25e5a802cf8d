package io.aitbc.coordinator.auditverify;

import com.fasterxml.jackson.databind.JsonNode;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The marketplace's statistics and every miner's, recomputed from the raw events alone by the
 * definitions of docs/marketplace.md: the auditor's answer to compare {@code GET /v1/marketplace/stats}
 * and {@code GET /v1/miners/{id}/stats} with. It shares no code with the projections that serve those
 * answers, not even the reputation formula, so a mistake on either side shows as a difference.
 *
 * <p>Events come as the audit log shows them: the short type ({@code JobCompleted}), the payload as
 * snake_case JSON, and the time the event was stored; they must come in the log's order.
 */
public final class MarketRecomputation {

    private static final MathContext REPUTATION_PRECISION = MathContext.DECIMAL128;

    /** The marketplace's figures, as {@code GET /v1/marketplace/stats} states them. */
    public record Market(long totalJobs, long activeJobs, long completedJobs, long failedJobs,
                         BigDecimal averageCompletionTime, BigDecimal totalVolume, long activeMiners,
                         long openOffers) {
    }

    /** One miner's figures, as {@code GET /v1/miners/{id}/stats} states them. */
    public record MinerFigures(String minerId, BigDecimal reputation, long totalJobs, BigDecimal successRate,
                               BigDecimal averageCompletionTime, BigDecimal totalEarned, Instant activeSince) {
    }

    private static final class Job {
        String status;
        Instant submittedAt;
        Instant leaseEndAtAssignment;
    }

    private static final class Miner {
        Instant activeSince;
        Instant lastSeen;
        long assignments;
        long completed;
        long failures;
        long leaseExpiries;
        long lapses;
        long timely;
        long busyMillis;
        BigDecimal earned = BigDecimal.ZERO;
    }

    private static final class Offer {
        Instant expiresAt;
        boolean usedUp;
        boolean ended;
    }

    private final Map<String, Job> jobs = new HashMap<>();
    private final Map<String, Miner> miners = new TreeMap<>();
    private final Map<String, Offer> offers = new HashMap<>();
    private long completionMillis;
    private BigDecimal volume = BigDecimal.ZERO;
    private long events;

    /** Feeds the next event of the log; kinds that move no figure are counted and ignored. */
    public void accept(String type, JsonNode data, Instant timestamp) {
        events++;
        switch (type) {
            case "JobSubmitted" -> {
                Job job = job(data);
                job.status = "queued";
                job.submittedAt = instant(data, "submitted_at");
            }
            case "JobAssigned" -> {
                Job job = job(data);
                job.status = "running";
                job.leaseEndAtAssignment = instant(data, "lease_expires_at");
                seen(text(data, "miner_id"), instant(data, "assigned_at")).assignments++;
            }
            case "JobCompleted" -> completed(data);
            case "JobRequeued" -> {
                job(data).status = "queued";
                ended(data, "lease_expired".equals(text(data, "reason")), instant(data, "requeued_at"));
            }
            case "JobFailed" -> {
                job(data).status = "failed";
                ended(data, "LEASE_EXPIRED".equals(text(data, "error_code")), instant(data, "failed_at"));
            }
            case "JobExpired" -> job(data).status = "expired";
            case "JobCanceled" -> job(data).status = "canceled";
            case "JobReservationLapsed" -> seen(text(data, "miner_id"), instant(data, "lapsed_at")).lapses++;
            case "JobLeaseRenewed" -> seen(text(data, "miner_id"), timestamp);
            case "JobProgressReported" -> seen(text(data, "miner_id"), instant(data, "reported_at"));
            case "MinerRegistered" -> {
                Instant registeredAt = instant(data, "registered_at");
                Miner miner = seen(text(data, "miner_id"), registeredAt);
                miner.activeSince = miner.activeSince == null ? registeredAt : miner.activeSince;
            }
            case "OfferPublished" -> {
                seen(text(data, "miner_id"), instant(data, "published_at"));
                offer(data).expiresAt = instant(data, "expires_at");
            }
            case "OfferUsedUp" -> offer(data).usedUp = true;
            case "OfferSlotReleased" -> offer(data).usedUp = false;
            case "OfferWithdrawn", "OfferExpired" -> offer(data).ended = true;
            default -> {
                // reservations, acceptances and matches move no figure: the assignment that follows does
            }
        }
    }

    /** How many events were fed. */
    public long events() {
        return events;
    }

    /**
     * The marketplace's figures at {@code now}: miners are active when seen within
     * {@code activityWindow} before it, offers open when on sale with jobs left and not yet past their time.
     */
    public Market market(Instant now, Duration activityWindow) {
        long completed = count("completed");
        Instant activeFrom = now.minus(activityWindow);
        long activeMiners = miners.values().stream()
                .filter(miner -> miner.lastSeen != null && !miner.lastSeen.isBefore(activeFrom))
                .count();
        long openOffers = offers.values().stream()
                .filter(offer -> !offer.ended && !offer.usedUp && offer.expiresAt != null
                        && offer.expiresAt.isAfter(now))
                .count();
        return new Market(jobs.size(), count("queued") + count("running"), completed, count("failed"),
                meanSeconds(completionMillis, completed), volume, activeMiners, openOffers);
    }

    /** Every miner any event named, by id. */
    public Map<String, MinerFigures> miners() {
        Map<String, MinerFigures> figures = new TreeMap<>();
        miners.forEach((minerId, miner) -> {
            long ended = miner.completed + miner.failures + miner.leaseExpiries;
            BigDecimal successRate = ended == 0 ? null : BigDecimal.valueOf(miner.completed)
                    .divide(BigDecimal.valueOf(ended), 4, RoundingMode.HALF_EVEN);
            figures.put(minerId, new MinerFigures(minerId, reputation(miner), miner.assignments, successRate,
                    meanSeconds(miner.busyMillis, miner.completed), miner.earned, miner.activeSince));
        });
        return figures;
    }

    private void completed(JsonNode data) {
        Job job = job(data);
        job.status = "completed";
        Instant completedAt = instant(data, "completed_at");
        BigDecimal price = decimal(data.get("price"));
        if (job.submittedAt != null) {
            completionMillis += Duration.between(job.submittedAt, completedAt).toMillis();
        }
        volume = volume.add(price);
        Miner miner = seen(text(data, "miner_id"), completedAt);
        miner.completed++;
        if (job.leaseEndAtAssignment != null && !completedAt.isAfter(job.leaseEndAtAssignment)) {
            miner.timely++;
        }
        miner.busyMillis += Duration.between(instant(data, "started_at"), completedAt).toMillis();
        miner.earned = miner.earned.add(price);
    }

    /** An attempt that ended without a result: by a lapsed lease, or a reported failure. */
    private void ended(JsonNode data, boolean leaseExpired, Instant at) {
        String minerId = text(data, "miner_id");
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

    /**
     * {@code 0.5 × success + 0.3 × reliability + 0.2 × timeliness}, each a Laplace-smoothed ratio
     * taken to 34 digits, the sum rounded half-even to four decimals (docs/marketplace.md).
     */
    private static BigDecimal reputation(Miner miner) {
        BigDecimal success = ratio(miner.completed + 1, miner.completed + miner.failures + miner.leaseExpiries + 2);
        BigDecimal reliability = ratio(miner.assignments - miner.leaseExpiries + 1,
                miner.assignments + miner.lapses + 2);
        BigDecimal timeliness = ratio(miner.timely + 1, miner.completed + 2);
        return new BigDecimal("0.5").multiply(success)
                .add(new BigDecimal("0.3").multiply(reliability))
                .add(new BigDecimal("0.2").multiply(timeliness))
                .setScale(4, RoundingMode.HALF_EVEN);
    }

    private static BigDecimal ratio(long numerator, long denominator) {
        return BigDecimal.valueOf(numerator).divide(BigDecimal.valueOf(denominator), REPUTATION_PRECISION);
    }

    /** Mean seconds to the millisecond; {@code null} without samples. */
    private static BigDecimal meanSeconds(long totalMillis, long samples) {
        return samples == 0 ? null : BigDecimal.valueOf(totalMillis)
                .divide(BigDecimal.valueOf(samples).multiply(BigDecimal.valueOf(1000)), 3, RoundingMode.HALF_EVEN);
    }

    private long count(String status) {
        return jobs.values().stream().filter(job -> status.equals(job.status)).count();
    }

    private Job job(JsonNode data) {
        return jobs.computeIfAbsent(text(data, "job_id"), id -> new Job());
    }

    private Offer offer(JsonNode data) {
        return offers.computeIfAbsent(text(data, "offer_id"), id -> new Offer());
    }

    private Miner seen(String minerId, Instant at) {
        Miner miner = miners.computeIfAbsent(minerId, id -> new Miner());
        if (at != null && (miner.lastSeen == null || at.isAfter(miner.lastSeen))) {
            miner.lastSeen = at;
        }
        return miner;
    }

    private static String text(JsonNode data, String field) {
        JsonNode value = data.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    private static Instant instant(JsonNode data, String field) {
        String text = text(data, field);
        return text == null ? null : Instant.parse(text);
    }

    /** A decimal as the log states it: a JSON number or a string. */
    private static BigDecimal decimal(JsonNode value) {
        if (value == null || value.isNull()) {
            return BigDecimal.ZERO;
        }
        return value.isNumber() ? value.decimalValue() : new BigDecimal(value.asText());
    }
}
