package io.aitbc.coordinator.query.infra;

import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/** Work that must see what the current transaction wrote: it waits for the commit, and for none outside one. */
public final class AfterCommit {

    private AfterCommit() {
    }

    /**
     * Runs {@code work} once the current transaction has committed (never, if it rolls back), or at once
     * when no transaction is running.
     */
    public static void run(Runnable work) {
        if (TransactionSynchronizationManager.isSynchronizationActive()) {
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCommit() {
                    work.run();
                }
            });
        } else {
            work.run();
        }
    }
}
