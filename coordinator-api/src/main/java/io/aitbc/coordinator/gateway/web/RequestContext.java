package io.aitbc.coordinator.gateway.web;

import io.aitbc.coordinator.gateway.auth.Caller;
import org.axonframework.messaging.MetaData;
import org.slf4j.MDC;

import java.util.Map;

/**
 * The caller and request id of one request, handed to controllers and carried into the metadata of
 * every command, and so of every event, the request causes.
 */
public record RequestContext(Caller caller, String requestId) {

    public static final String PRINCIPAL = "principal";
    public static final String REQUEST_ID = "request_id";
    public static final String ROLE = "role";

    public MetaData metaData() {
        return MetaData.from(Map.of(
                PRINCIPAL, caller.principal(),
                ROLE, caller.role().wireName(),
                REQUEST_ID, requestId));
    }

    /** Puts request id and principal in the logging context of the current thread. */
    public void toMdc() {
        MDC.put(REQUEST_ID, requestId);
        MDC.put(PRINCIPAL, caller.principal());
    }
}
