package io.aitbc.coordinator.gateway.audit;

import com.fasterxml.jackson.databind.JsonNode;
import io.aitbc.coordinator.audit.StoredEvent;

import java.time.Instant;

/**
 * One event of the audit log as {@code GET /v1/audit/events} answers it. {@code type} is the event's
 * short name ({@code JobSubmitted}); {@code data} is the payload exactly as stored.
 */
public record AuditEvent(long position, String eventId, String type, String aggregateType, String aggregateId,
                         long sequence, Instant timestamp, JsonNode data, Metadata metadata) {

    /** Who caused the event: the key's principal and role, the request, and Axon's correlation id. */
    public record Metadata(String principal, String role, String requestId, String correlationId) {
    }

    public static AuditEvent of(StoredEvent event) {
        JsonNode meta = event.metadata();
        return new AuditEvent(event.position(), event.eventId(), event.type(), event.aggregateType(),
                event.aggregateId(), event.sequence(), event.timestamp(), event.data(),
                new Metadata(text(meta, "principal"), text(meta, "role"), text(meta, "request_id"),
                        text(meta, "correlationId", "correlation_id")));
    }

    private static String text(JsonNode node, String... fields) {
        for (String field : fields) {
            JsonNode value = node.get(field);
            if (value != null && !value.isNull()) {
                return value.asText();
            }
        }
        return null;
    }
}
