package io.aitbc.coordinator.gateway.live;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aitbc.coordinator.gateway.auth.Caller;
import io.aitbc.coordinator.audit.EventLog;
import io.aitbc.coordinator.audit.StoredEvent;
import org.springframework.stereotype.Component;

import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Turns stored events into the messages of the live channels: {@code job_update} for every change of
 * a job's status or progress, {@code receipt_created} for every completion, and
 * {@code marketplace_update} for every offer event. Every message carries its event's position, so a
 * reader that reconnects with {@code after} continues exactly where it stopped.
 *
 * <p>A job's client is named only by its submission (and completion); other job events are matched
 * to their client through a bounded memory of job owners, filled from the event store itself.
 *
 * <p><strong>Limitation:</strong> {@code receipt_created} is sent at the completion event's position,
 * when the receipt's identifier and facts are fixed; the signed receipt is served once the receipts
 * processor has signed it, normally milliseconds later.
 */
@Component
public class LiveUpdates {

    private static final String JOB_EVENTS = "io.aitbc.coordinator.job.api.";
    private static final int REMEMBERED_OWNERS = 100_000;
    private static final int RECENT = 8192;

    private final EventLog log;
    private final ObjectMapper mapper = new ObjectMapper();
    private final Map<String, String> owners = new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > REMEMBERED_OWNERS;
        }
    };
    // every session maps the same event; the rendered messages of recent positions are kept once
    private final Rendered[] recent = new Rendered[RECENT];

    LiveUpdates(EventLog log) {
        this.log = log;
    }

    private record Rendered(long position, List<LiveMessage> messages) {
    }

    /** The messages an event gives, in order; empty for events no channel shows (lease renewals, …). */
    public List<LiveMessage> messagesOf(StoredEvent event) {
        int slot = (int) (event.position() % RECENT);
        Rendered known = recent[slot];
        if (known != null && known.position() == event.position()) {
            return known.messages();
        }
        List<LiveMessage> messages = render(event);
        recent[slot] = new Rendered(event.position(), messages);
        return messages;
    }

    /** Whether a key may read a message: its own jobs for a client, its assignments for a miner. */
    public static boolean mayRead(Caller caller, LiveMessage message) {
        if (LiveMessage.MARKETPLACE.equals(message.channel()) || caller.readsEverything()) {
            return true;
        }
        return switch (caller.role()) {
            case CLIENT -> Objects.equals(caller.principal(), message.clientId());
            case MINER -> Objects.equals(caller.principal(), message.minerId());
            default -> false;
        };
    }

    private List<LiveMessage> render(StoredEvent event) {
        if (event.payloadType().startsWith(JOB_EVENTS)) {
            return jobMessages(event);
        }
        if (event.payloadType().contains(".offer.") || event.payloadType().contains(".marketplace.")) {
            ObjectNode data = mapper.createObjectNode().put("event", event.type());
            data.setAll((ObjectNode) event.data());
            return List.of(message(event.position(), LiveMessage.MARKETPLACE, "marketplace_update", null, null, null,
                    data));
        }
        return List.of();
    }

    private List<LiveMessage> jobMessages(StoredEvent event) {
        String status = switch (event.type()) {
            case "JobSubmitted", "JobRequeued" -> "queued";
            case "JobAssigned", "JobProgressReported" -> "running";
            case "JobCompleted" -> "completed";
            case "JobFailed" -> "failed";
            case "JobExpired" -> "expired";
            case "JobCanceled" -> "canceled";
            default -> null;
        };
        if (status == null) {
            return List.of();
        }
        JsonNode data = event.data();
        String jobId = text(data, "job_id");
        String minerId = text(data, "miner_id");
        String clientId = ownerOf(jobId, text(data, "client_id"));
        Integer progress = switch (event.type()) {
            case "JobSubmitted", "JobRequeued", "JobAssigned" -> 0;
            case "JobProgressReported" -> data.path("progress").asInt();
            case "JobCompleted" -> 100;
            default -> null;
        };
        ObjectNode update = mapper.createObjectNode()
                .put("job_id", jobId)
                .put("status", status)
                .put("miner_id", "JobRequeued".equals(event.type()) ? null : minerId)
                .put("progress", progress)
                .put("timestamp", event.timestamp().toString());
        List<LiveMessage> messages = new ArrayList<>(2);
        messages.add(message(event.position(), LiveMessage.JOBS, "job_update", jobId, clientId, minerId, update));
        if ("JobCompleted".equals(event.type())) {
            ObjectNode receipt = mapper.createObjectNode()
                    .put("receipt_id", text(data, "receipt_id"))
                    .put("job_id", jobId)
                    .put("client_id", clientId)
                    .put("miner_id", minerId)
                    .put("price", text(data, "price"))
                    .put("currency", "AITBC")
                    .put("completed_at", text(data, "completed_at"));
            messages.add(message(event.position(), LiveMessage.RECEIPTS, "receipt_created", jobId, clientId, minerId,
                    receipt));
        }
        return List.copyOf(messages);
    }

    private String ownerOf(String jobId, String stated) {
        if (jobId == null) {
            return stated;
        }
        synchronized (owners) {
            if (stated != null) {
                owners.put(jobId, stated);
                return stated;
            }
            String known = owners.get(jobId);
            if (known != null) {
                return known;
            }
        }
        StoredEvent submitted = log.first(jobId);
        String owner = submitted == null ? null : text(submitted.data(), "client_id");
        if (owner != null) {
            synchronized (owners) {
                owners.put(jobId, owner);
            }
        }
        return owner;
    }

    private LiveMessage message(long position, String channel, String type, String jobId, String clientId,
                                String minerId, ObjectNode data) {
        ObjectNode message = mapper.createObjectNode()
                .put("type", type)
                .put("position", position);
        message.set("data", data);
        try {
            return new LiveMessage(position, channel, jobId, clientId, minerId, mapper.writeValueAsString(message));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }
}
