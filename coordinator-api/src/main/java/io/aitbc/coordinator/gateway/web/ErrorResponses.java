package io.aitbc.coordinator.gateway.web;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aitbc.coordinator.common.api.CommandRejectedException;
import org.axonframework.commandhandling.CommandExecutionException;
import org.axonframework.modelling.command.AggregateNotFoundException;
import org.axonframework.modelling.command.ConcurrencyException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.annotation.Order;
import org.springframework.core.codec.DecodingException;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.stereotype.Component;
import org.springframework.web.server.MethodNotAllowedException;
import org.springframework.web.server.NotAcceptableStatusException;
import org.springframework.web.server.PayloadTooLargeException;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.ServerWebInputException;
import org.springframework.web.server.UnsupportedMediaTypeStatusException;
import org.springframework.web.server.WebExceptionHandler;
import reactor.core.publisher.Mono;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * The one place where failures become answers: every exception, whether the gateway's, the
 * domain's or the framework's, leaves as the contract's error envelope with the request id. Nothing
 * internal (stack traces, SQL, class names) reaches the caller; unexpected failures are logged
 * with the request id instead.
 */
@Component
@Order(-2)
public class ErrorResponses implements WebExceptionHandler {

    private static final Logger logger = LoggerFactory.getLogger(ErrorResponses.class);

    private final ObjectMapper objectMapper;

    public ErrorResponses(ObjectMapper objectMapper) {
        this.objectMapper = objectMapper;
    }

    @Override
    public Mono<Void> handle(ServerWebExchange exchange, Throwable failure) {
        ServerHttpResponse response = exchange.getResponse();
        if (response.isCommitted()) {
            return Mono.error(failure);
        }
        String requestId = RequestIds.of(exchange);
        ApiException error = toApiException(failure, requestId);
        response.setStatusCode(error.status());
        response.getHeaders().setContentType(MediaType.APPLICATION_JSON);
        response.getHeaders().set(RequestIds.HEADER, requestId);
        Object retryAfter = error.details().get("retry_after_seconds");
        if (retryAfter != null) {
            response.getHeaders().set("Retry-After", String.valueOf(retryAfter));
        }
        byte[] body = render(ErrorEnvelope.of(error.code(), error.getMessage(), requestId, error.details()));
        DataBuffer buffer = response.bufferFactory().wrap(body);
        return response.writeWith(Mono.just(buffer));
    }

    /** Maps any failure to the status, code and message the caller sees. */
    public static ApiException toApiException(Throwable failure, String requestId) {
        Throwable cause = rootCause(failure);
        if (cause instanceof ApiException api) {
            return api;
        }
        if (cause instanceof CommandRejectedException rejected) {
            return new ApiException(statusOf(rejected.code()), rejected.code(), rejected.getMessage());
        }
        if (cause instanceof AggregateNotFoundException) {
            return ApiException.notFound("NOT_FOUND", "No such resource");
        }
        if (cause instanceof ConcurrencyException) {
            return new ApiException(HttpStatus.CONFLICT, "INVALID_STATE",
                    "The resource changed while the request was handled; retry it");
        }
        if (cause instanceof TimeoutException) {
            return new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "SERVICE_UNAVAILABLE",
                    "The coordinator did not answer in time; retry the request");
        }
        if (cause instanceof DataBufferLimitException || cause instanceof PayloadTooLargeException) {
            return new ApiException(HttpStatus.PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE", "The request body is too large");
        }
        if (cause instanceof MethodNotAllowedException notAllowed) {
            return new ApiException(HttpStatus.METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED",
                    "Method " + notAllowed.getHttpMethod() + " is not allowed here");
        }
        if (cause instanceof UnsupportedMediaTypeStatusException) {
            return new ApiException(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "UNSUPPORTED_MEDIA_TYPE",
                    "Send the body as application/json");
        }
        if (cause instanceof NotAcceptableStatusException) {
            return new ApiException(HttpStatus.NOT_ACCEPTABLE, "INVALID_REQUEST",
                    "The requested media type is not available here");
        }
        if (cause instanceof ServerWebInputException input) {
            return inputProblem(input);
        }
        if (cause instanceof ResponseStatusException status) {
            return fromStatus(status.getStatusCode());
        }
        if (cause instanceof IllegalArgumentException illegal) {
            return ApiException.badRequest(illegal.getMessage());
        }
        logger.error("Request [{}] failed unexpectedly", requestId, cause);
        return new ApiException(HttpStatus.INTERNAL_SERVER_ERROR, "INTERNAL_ERROR",
                "The coordinator failed to handle the request; it was logged as " + requestId);
    }

    static HttpStatus statusOf(String code) {
        return switch (code) {
            case "VALIDATION_FAILED", "INVALID_REQUEST", "INVALID_JOB_TYPE" -> HttpStatus.BAD_REQUEST;
            case "FORBIDDEN" -> HttpStatus.FORBIDDEN;
            case "INSUFFICIENT_BALANCE" -> HttpStatus.PAYMENT_REQUIRED;
            case "OFFER_NOT_AVAILABLE" -> HttpStatus.GONE;
            case "IDEMPOTENCY_KEY_REUSED" -> HttpStatus.UNPROCESSABLE_ENTITY;
            default -> code.endsWith("_NOT_FOUND") ? HttpStatus.NOT_FOUND : HttpStatus.CONFLICT;
        };
    }

    private static ApiException inputProblem(ServerWebInputException input) {
        Throwable reason = input.getCause();
        while (reason != null && !(reason instanceof JsonProcessingException)
                && !(reason instanceof DataBufferLimitException)) {
            reason = reason.getCause();
        }
        if (reason instanceof DataBufferLimitException) {
            return new ApiException(HttpStatus.PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE", "The request body is too large");
        }
        if (reason instanceof JsonProcessingException || input.getCause() instanceof DecodingException) {
            return ApiException.badRequest("The request body is not valid JSON of the expected shape");
        }
        String reasonText = input.getReason() == null ? "The request is malformed" : input.getReason();
        return ApiException.badRequest(reasonText);
    }

    private static ApiException fromStatus(HttpStatusCode status) {
        return switch (status.value()) {
            case 404 -> ApiException.notFound("NOT_FOUND", "No such route");
            case 405 -> new ApiException(HttpStatus.METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED",
                    "Method not allowed here");
            case 413 -> new ApiException(HttpStatus.PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE",
                    "The request body is too large");
            case 415 -> new ApiException(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "UNSUPPORTED_MEDIA_TYPE",
                    "Send the body as application/json");
            case 503 -> new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "SERVICE_UNAVAILABLE",
                    "The coordinator is not ready");
            default -> status.is4xxClientError()
                    ? new ApiException(HttpStatus.valueOf(status.value()), "INVALID_REQUEST", "The request was refused")
                    : new ApiException(HttpStatus.INTERNAL_SERVER_ERROR, "INTERNAL_ERROR", "The coordinator failed");
        };
    }

    /** The failure inside the wrappers of Axon, Reactor and the JDK's futures. */
    public static Throwable rootCause(Throwable failure) {
        Throwable current = failure;
        while (current.getCause() != null && current != current.getCause()
                && (current instanceof CompletionException || current instanceof ExecutionException
                || current instanceof CommandExecutionException || isWrapper(current))) {
            current = current.getCause();
        }
        return current;
    }

    private static boolean isWrapper(Throwable failure) {
        return failure.getClass().getName().startsWith("reactor.core.Exceptions$")
                || failure instanceof java.lang.reflect.UndeclaredThrowableException
                || failure instanceof org.axonframework.queryhandling.QueryExecutionException
                || failure instanceof org.axonframework.messaging.HandlerExecutionException
                && !(failure instanceof CommandExecutionException);
    }

    private byte[] render(ErrorEnvelope envelope) {
        try {
            return objectMapper.writeValueAsBytes(envelope);
        } catch (JsonProcessingException e) {
            return "{\"error\":{\"code\":\"INTERNAL_ERROR\",\"message\":\"error\",\"details\":{}}}".getBytes();
        }
    }
}
