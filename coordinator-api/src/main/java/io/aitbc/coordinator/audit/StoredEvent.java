package io.aitbc.coordinator.audit;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.aitbc.coordinator.query.infra.EventStoreConfiguration;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One row of the event store as the audit log shows it: its global position, identity, the
 * aggregate it belongs to, and the serialized payload and metadata exactly as stored.
 *
 * @param position    the event's {@code global_index}: strictly increasing in commit-independent order
 * @param payloadType the event's class name, e.g. {@code io.aitbc.coordinator.job.api.JobSubmittedEvent}
 */
public record StoredEvent(
        long position,
        String eventId,
        String payloadType,
        String aggregateType,
        String aggregateId,
        long sequence,
        Instant timestamp,
        byte[] payload,
        byte[] metaData) {

    /** The short name the audit log uses: the class's simple name without {@code Event}, e.g. {@code JobSubmitted}. */
    public String type() {
        return shortType(payloadType);
    }

    public static String shortType(String payloadType) {
        String simple = payloadType.substring(payloadType.lastIndexOf('.') + 1);
        return simple.endsWith("Event") ? simple.substring(0, simple.length() - "Event".length()) : simple;
    }

    /** The payload as a JSON tree, snake_case as stored. */
    public JsonNode data() {
        return tree(payload);
    }

    public JsonNode metadata() {
        return metaData == null ? JsonNodeFactory.instance.objectNode() : tree(metaData);
    }

    /** The payload as its event class, read with the events' own mapper. */
    public Object event() {
        try {
            return Json.MAPPER.readValue(payload, Json.eventClass(payloadType));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode tree(byte[] json) {
        try {
            return Json.TREES.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * One mapper and one class lookup per event type for every stored event: a mapper caches what it
     * learned about each class, and a new one per event would learn it again every time.
     */
    private static final class Json {

        static final ObjectMapper MAPPER = EventStoreConfiguration.eventObjectMapper();
        /** Numbers as stored: an exact price read through a double would lose digits and gain an exponent. */
        static final ObjectMapper TREES = EventStoreConfiguration.eventObjectMapper()
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .setNodeFactory(JsonNodeFactory.withExactBigDecimals(true));
        private static final Map<String, Class<?>> CLASSES = new ConcurrentHashMap<>();

        static Class<?> eventClass(String payloadType) {
            return CLASSES.computeIfAbsent(payloadType, name -> {
                try {
                    return Class.forName(name, true, StoredEvent.class.getClassLoader());
                } catch (ClassNotFoundException e) {
                    throw new IllegalStateException("Event class " + name + " is not on the class path", e);
                }
            });
        }
    }
}
