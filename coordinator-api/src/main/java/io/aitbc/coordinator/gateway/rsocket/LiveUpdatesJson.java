package io.aitbc.coordinator.gateway.rsocket;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;

/** Live messages are rendered once as text; RSocket answers them as JSON trees. */
final class LiveUpdatesJson {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private LiveUpdatesJson() {
    }

    static JsonNode read(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
