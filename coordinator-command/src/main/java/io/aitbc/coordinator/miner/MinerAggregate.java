package io.aitbc.coordinator.miner;

import io.aitbc.coordinator.common.api.CommandRejectedException;
import io.aitbc.coordinator.miner.api.MinerRegisteredEvent;
import io.aitbc.coordinator.miner.api.RegisterMinerCommand;
import org.axonframework.commandhandling.CommandHandler;
import org.axonframework.eventhandling.GenericEventMessage;
import org.axonframework.eventsourcing.EventSourcingHandler;
import org.axonframework.modelling.command.AggregateCreationPolicy;
import org.axonframework.modelling.command.AggregateIdentifier;
import org.axonframework.modelling.command.CreationPolicy;
import org.axonframework.spring.stereotype.Aggregate;

import java.time.temporal.ChronoUnit;

import static org.axonframework.modelling.command.AggregateLifecycle.apply;

/** A GPU provider's registration: what it can run, where, and at what price. */
@Aggregate
class MinerAggregate {

    @AggregateIdentifier
    private String minerId;

    MinerAggregate() {
        // required by Axon to rebuild the aggregate from its events
    }

    @CommandHandler
    @CreationPolicy(AggregateCreationPolicy.CREATE_IF_MISSING)
    void handle(RegisterMinerCommand command) {
        if (command.concurrency() < 1) {
            throw new CommandRejectedException("VALIDATION_FAILED", "concurrency must be at least 1");
        }
        if (command.unitPrice() != null && command.unitPrice().signum() < 0) {
            throw new CommandRejectedException("VALIDATION_FAILED", "price must not be negative");
        }
        apply(new MinerRegisteredEvent(command.minerId(), command.capabilities(), command.concurrency(),
                command.region(), command.publicKey(), command.unitPrice(), command.unitType(),
                GenericEventMessage.clock.instant().truncatedTo(ChronoUnit.MILLIS)));
    }

    @EventSourcingHandler
    void on(MinerRegisteredEvent event) {
        minerId = event.minerId();
    }
}
