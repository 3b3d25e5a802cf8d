package io.aitbc.coordinator.gateway.web;

import java.util.LinkedHashMap;
import java.util.Map;

/** The body of every non-2xx answer: {@code {"error": {"code", "message", "details": {"request_id", …}}}}. */
public record ErrorEnvelope(Error error) {

    public record Error(String code, String message, Map<String, Object> details) {
    }

    public static ErrorEnvelope of(String code, String message, String requestId, Map<String, Object> details) {
        Map<String, Object> all = new LinkedHashMap<>(details);
        all.put("request_id", requestId);
        return new ErrorEnvelope(new Error(code, message, all));
    }
}
