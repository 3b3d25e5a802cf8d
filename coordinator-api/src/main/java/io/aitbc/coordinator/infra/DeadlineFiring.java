package io.aitbc.coordinator.infra;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.transaction.support.TransactionTemplate;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

/**
 * Fires the time limits that are due, a few times a second: each limit in a transaction of its own,
 * which holds the limit's row lock while its command runs. A limit that did not fire (a command
 * changed the same aggregate at that moment) is skipped for the rest of the round and looked at
 * again in the next one.
 */
public abstract class DeadlineFiring extends PeriodicTask {

    private static final Logger logger = LoggerFactory.getLogger(DeadlineFiring.class);
    private static final int MAX_PER_ROUND = 500;

    private final TransactionTemplate transactions;

    protected DeadlineFiring(String threadName, Duration interval, TransactionTemplate transactions) {
        super(threadName, interval);
        this.transactions = transactions;
    }

    /**
     * Locks one due limit whose id is not in {@code tried}, adds its id to {@code tried} and fires it;
     * answers false when none is due.
     */
    protected abstract boolean fireNext(Set<String> tried);

    @Override
    protected void runOnce() {
        Set<String> tried = new HashSet<>();
        for (int round = 0; round < MAX_PER_ROUND; round++) {
            Boolean fired;
            try {
                fired = transactions.execute(status -> fireNext(tried));
            } catch (RuntimeException e) {
                logger.debug("A deadline of [{}] did not fire this round: [{}]", getClass().getSimpleName(),
                        e.getMessage());
                continue;
            }
            if (fired == null || !fired) {
                return;
            }
        }
    }
}
