package io.aitbc.coordinator.gateway.job;

import io.aitbc.coordinator.job.api.ExpireJobCommand;
import io.aitbc.coordinator.job.api.ExpireJobLeaseCommand;
import io.aitbc.coordinator.query.dispatch.DispatchRepository;
import io.aitbc.coordinator.query.dispatch.DueDeadline;
import org.axonframework.commandhandling.GenericCommandMessage;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.axonframework.messaging.MetaData;
import io.aitbc.coordinator.infra.PeriodicTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Fires the time limits of jobs: a job's time to live, and the lease of its running attempt.
 *
 * <p>The limits are rows of {@code job_deadline}, kept by a projection in the same transaction as
 * the events that set them, so they survive restarts and are fired after one. Every node checks
 * a few times a second; {@code SKIP LOCKED} hands each due row to one node, and the command runs in
 * the transaction that holds the row's lock. The aggregate decides: a lease renewed in the meantime
 * or a job already finished makes the command a no-op.
 */
@Component
class DeadlineWatcher extends PeriodicTask {

    private static final Logger logger = LoggerFactory.getLogger(DeadlineWatcher.class);
    private static final int MAX_PER_ROUND = 500;
    private static final MetaData SYSTEM = MetaData.from(Map.of("principal", "coordinator", "role", "system"));

    private final DispatchRepository repository;
    private final CommandGateway commandGateway;
    private final TransactionTemplate transactions;
    private final Clock clock;

    DeadlineWatcher(DispatchRepository repository, CommandGateway commandGateway, TransactionTemplate transactions,
                    Clock clock, @Value("${coordinator.jobs.deadline-check-interval:250ms}") Duration interval) {
        super("job-deadlines", interval);
        this.repository = repository;
        this.commandGateway = commandGateway;
        this.transactions = transactions;
        this.clock = clock;
    }

    @Override
    protected void runOnce() {
        fireDue();
    }

    /** Fires every limit due now, each in its own transaction; a limit that did not fire waits a round. */
    void fireDue() {
        Set<String> tried = new HashSet<>();
        for (int round = 0; round < MAX_PER_ROUND; round++) {
            Optional<DueDeadline> due;
            try {
                due = transactions.execute(status -> fireNext(tried));
            } catch (RuntimeException e) {
                // another command changed the job at the same moment; the limit is looked at again next round
                logger.debug("A job deadline did not fire this round: [{}]", e.getMessage());
                continue;
            }
            if (due == null || due.isEmpty()) {
                return;
            }
        }
    }

    private Optional<DueDeadline> fireNext(Set<String> tried) {
        Optional<DueDeadline> due = repository.lockNextDue(clock.instant(), tried);
        if (due.isEmpty()) {
            return Optional.empty();
        }
        DueDeadline deadline = due.get();
        tried.add(deadline.jobId());
        Object command = deadline.kind() == DueDeadline.Kind.LEASE
                ? new ExpireJobLeaseCommand(deadline.jobId(), deadline.attempt())
                : new ExpireJobCommand(deadline.jobId());
        Boolean changed = commandGateway.sendAndWait(GenericCommandMessage.asCommandMessage(command)
                .andMetaData(SYSTEM));
        logger.debug("Deadline [{}] of job [{}] due at [{}] fired: [{}]", deadline.kind(), deadline.jobId(),
                deadline.dueAt(), changed);
        return due;
    }
}
