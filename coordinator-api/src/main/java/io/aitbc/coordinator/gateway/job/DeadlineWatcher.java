package io.aitbc.coordinator.gateway.job;

import io.aitbc.coordinator.job.api.ExpireJobCommand;
import io.aitbc.coordinator.job.api.ExpireJobLeaseCommand;
import io.aitbc.coordinator.query.dispatch.DispatchRepository;
import io.aitbc.coordinator.query.dispatch.DueDeadline;
import org.axonframework.commandhandling.GenericCommandMessage;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.axonframework.messaging.MetaData;
import io.aitbc.coordinator.infra.DeadlineFiring;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import java.time.Clock;
import java.time.Duration;
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
class DeadlineWatcher extends DeadlineFiring {

    private static final Logger logger = LoggerFactory.getLogger(DeadlineWatcher.class);
    private static final MetaData SYSTEM = MetaData.from(Map.of("principal", "coordinator", "role", "system"));

    private final DispatchRepository repository;
    private final CommandGateway commandGateway;
    private final Clock clock;

    DeadlineWatcher(DispatchRepository repository, CommandGateway commandGateway, TransactionTemplate transactions,
                    Clock clock, @Value("${coordinator.jobs.deadline-check-interval:250ms}") Duration interval) {
        super("job-deadlines", interval, transactions);
        this.repository = repository;
        this.commandGateway = commandGateway;
        this.clock = clock;
    }

    @Override
    protected boolean fireNext(Set<String> tried) {
        Optional<DueDeadline> due = repository.lockNextDue(clock.instant(), tried);
        if (due.isEmpty()) {
            return false;
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
        return true;
    }
}
