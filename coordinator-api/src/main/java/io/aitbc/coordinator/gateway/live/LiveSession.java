package io.aitbc.coordinator.gateway.live;

import io.aitbc.coordinator.gateway.auth.Caller;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What one WebSocket session reads: the channels and single jobs it subscribed to, within what its
 * key may read. Subscriptions change from the session's inbound thread while the tailer filters.
 */
final class LiveSession {

    static final Set<String> CHANNELS = Set.of(LiveMessage.JOBS, LiveMessage.MARKETPLACE, LiveMessage.RECEIPTS);

    private final Caller caller;
    private final Set<String> channels = ConcurrentHashMap.newKeySet();
    private final Set<String> jobIds = ConcurrentHashMap.newKeySet();

    LiveSession(Caller caller) {
        this.caller = caller;
    }

    Caller caller() {
        return caller;
    }

    void subscribe(Collection<String> newChannels, Collection<String> newJobIds) {
        channels.addAll(newChannels);
        jobIds.addAll(newJobIds);
    }

    void unsubscribe(Collection<String> oldChannels, Collection<String> oldJobIds) {
        channels.removeAll(oldChannels);
        jobIds.removeAll(oldJobIds);
    }

    Set<String> channels() {
        return Set.copyOf(channels);
    }

    Set<String> jobIds() {
        return Set.copyOf(jobIds);
    }

    /** The messages of one event this session receives; most often none. */
    List<LiveMessage> select(List<LiveMessage> messages) {
        List<LiveMessage> selected = null;
        for (LiveMessage message : messages) {
            boolean wanted = channels.contains(message.channel())
                    || message.jobId() != null && jobIds.contains(message.jobId());
            if (wanted && LiveUpdates.mayRead(caller, message)) {
                if (selected == null) {
                    selected = new ArrayList<>(messages.size());
                }
                selected.add(message);
            }
        }
        return selected == null ? List.of() : selected;
    }
}
