package io.aitbc.coordinator.query.dispatch;

import org.jooq.DSLContext;
import org.springframework.stereotype.Component;

/**
 * Tells every coordinator node sharing the database that a job became claimable. The notification
 * is part of the transaction that queued the job, so PostgreSQL delivers it only after the commit,
 * and a woken miner always finds the job.
 */
@Component
public class QueueSignals {

    /** The PostgreSQL notification channel; see {@link JobArrivals}. */
    public static final String CHANNEL = "coordinator_job_queued";

    private final DSLContext dsl;

    QueueSignals(DSLContext dsl) {
        this.dsl = dsl;
    }

    void jobQueued() {
        // one transaction queues many jobs at most once per channel: PostgreSQL folds equal notifications
        dsl.execute("NOTIFY " + CHANNEL);
    }
}
