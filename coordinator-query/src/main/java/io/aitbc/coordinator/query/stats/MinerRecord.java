package io.aitbc.coordinator.query.stats;

import java.math.BigDecimal;

/**
 * What a miner's history adds up to.
 *
 * @param assignments       jobs assigned to it, every attempt counted
 * @param failures          attempts it reported failed, retryable or not
 * @param leaseExpiries     attempts it lost by letting the lease lapse
 * @param reservationLapses jobs reserved for it that it did not take in time
 * @param timely            completions within the lease given at assignment, without renewals
 * @param busyMillis        summed time from assignment to completion of its completed jobs
 * @param earned            the exact sum of its receipts' prices
 */
public record MinerRecord(
        int assignments,
        int completed,
        int failures,
        int leaseExpiries,
        int reservationLapses,
        int timely,
        long busyMillis,
        BigDecimal earned) {
}
