package io.aitbc.coordinator.gateway.market;

import io.aitbc.coordinator.job.api.ReleaseJobReservationCommand;
import io.aitbc.coordinator.offer.api.ExpireOfferCommand;
import io.aitbc.coordinator.offer.api.ReleaseOfferSlotCommand;
import io.aitbc.coordinator.query.offer.DueMarketDeadline;
import io.aitbc.coordinator.query.offer.MarketRepository;
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
 * Fires the marketplace's time limits from {@code market_deadline}: offers that expire, and
 * reservations whose miner did not take the job in time.
 *
 * <p>The rows are kept by a projection in the transactions of the events that set them, so they
 * survive restarts. Each due row is locked with {@code SKIP LOCKED} (one node handles it) and its
 * commands run in the transaction holding that lock. A reservation is settled in one transaction:
 * the job is asked what became of it (job first, the order every transaction touching both uses),
 * and unless its miner took it, the offer gets the job back. So an offer's slot is released exactly
 * when its job will never run under the offer: the reservation lapsed, or the job was canceled,
 * expired or failed while reserved.
 */
@Component
class MarketDeadlineWatcher extends DeadlineFiring {

    private static final Logger logger = LoggerFactory.getLogger(MarketDeadlineWatcher.class);
    private static final MetaData SYSTEM = MetaData.from(Map.of("principal", "coordinator", "role", "system"));

    private final MarketRepository repository;
    private final CommandGateway commandGateway;
    private final Clock clock;

    MarketDeadlineWatcher(MarketRepository repository, CommandGateway commandGateway,
                          TransactionTemplate transactions, Clock clock,
                          @Value("${coordinator.jobs.deadline-check-interval:250ms}") Duration interval) {
        super("market-deadlines", interval, transactions);
        this.repository = repository;
        this.commandGateway = commandGateway;
        this.clock = clock;
    }

    @Override
    protected boolean fireNext(Set<String> tried) {
        Optional<DueMarketDeadline> due = repository.lockNextDue(clock.instant(), tried);
        if (due.isEmpty()) {
            return false;
        }
        DueMarketDeadline deadline = due.get();
        tried.add(deadline.deadlineId());
        if (deadline.isReservation()) {
            settleReservation(deadline);
        } else {
            Boolean expired = send(new ExpireOfferCommand(deadline.offerId()));
            logger.debug("Expiry of offer [{}] due at [{}] fired: [{}]", deadline.offerId(), deadline.dueAt(),
                    expired);
        }
        return true;
    }

    private void settleReservation(DueMarketDeadline deadline) {
        // this transaction holds the deadline's row, which a claim of the job deletes once it holds the
        // job's queue row: waiting for that row here could close a cycle, so a busy job waits a round
        if (!repository.lockQueuedJobUnlessBusy(deadline.jobId())) {
            logger.debug("Reservation [{}] of job [{}] left for the next round: the job is busy",
                    deadline.deadlineId(), deadline.jobId());
            return;
        }
        ReleaseJobReservationCommand.Outcome outcome =
                send(new ReleaseJobReservationCommand(deadline.jobId(), deadline.deadlineId()));
        if (outcome == ReleaseJobReservationCommand.Outcome.HELD) {
            return;
        }
        if (outcome != ReleaseJobReservationCommand.Outcome.SETTLED) {
            String reason = outcome == ReleaseJobReservationCommand.Outcome.LAPSED
                    ? ReleaseOfferSlotCommand.RESERVATION_LAPSED : ReleaseOfferSlotCommand.JOB_ENDED;
            Boolean released = send(new ReleaseOfferSlotCommand(deadline.offerId(), deadline.deadlineId(), reason));
            logger.info("Reservation [{}] of job [{}] ended unused; offer [{}] got its job back: [{}]",
                    deadline.deadlineId(), deadline.jobId(), deadline.offerId(), released);
        }
        repository.deleteDeadline(deadline);
    }

    private <R> R send(Object command) {
        return commandGateway.sendAndWait(GenericCommandMessage.asCommandMessage(command).andMetaData(SYSTEM));
    }
}
