package io.aitbc.coordinator.gateway.live;

import io.aitbc.coordinator.query.infra.AfterCommit;
import org.axonframework.common.Registration;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Wakes this node's {@link EventTailer} when a transaction that appended events here has committed, so
 * live readers do not wait for the tailer's next poll. Before the commit the events are not readable yet,
 * and a tailer woken then would find nothing.
 */
@Component
class LocalCommits implements SmartLifecycle {

    private final EventStore eventStore;
    private final EventTailer tailer;
    private volatile Registration subscription;

    LocalCommits(EventStore eventStore, EventTailer tailer) {
        this.eventStore = eventStore;
        this.tailer = tailer;
    }

    @Override
    public void start() {
        // the event bus hands appended events to its subscribers inside the appending transaction
        subscription = eventStore.subscribe(events -> AfterCommit.run(tailer::wake));
    }

    @Override
    public void stop() {
        Registration current = subscription;
        subscription = null;
        if (current != null) {
            current.cancel();
        }
    }

    @Override
    public boolean isRunning() {
        return subscription != null;
    }
}
