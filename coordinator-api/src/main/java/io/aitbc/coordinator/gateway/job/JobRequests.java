package io.aitbc.coordinator.gateway.job;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.aitbc.coordinator.common.api.Ids;
import io.aitbc.coordinator.gateway.web.ApiException;
import io.aitbc.coordinator.gateway.web.BodyReader;
import io.aitbc.coordinator.gateway.web.Digests;
import io.aitbc.coordinator.job.api.JobRequirements;
import io.aitbc.coordinator.job.api.SubmitJobCommand;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Turns a job submission body into a command. Two shapes are accepted: the current one
 * ({@code type}, {@code requirements}, {@code max_price} at the top) and the older one, where
 * {@code type} sits in {@code payload.type} and {@code constraints} (with {@code max_price}) act as
 * requirements.
 *
 * <p>Either shape may name an {@code offer_id} to buy the job through, with an optional
 * {@code bid_price} (docs/marketplace.md).
 */
@Component
class JobRequests {

    private static final Pattern REGION = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private final JobLimits limits;

    JobRequests(JobLimits limits) {
        this.limits = limits;
    }

    /** Job settings and bounds, from {@code coordinator.jobs.*} and {@code coordinator.limits.*}. */
    @ConfigurationProperties("coordinator.jobs")
    record JobLimits(List<String> types, Duration defaultTtl, Duration maxTtl, Duration lease,
                     int defaultMaxAttempts, int maxAttemptsLimit, int maxPayloadBytes) {

        JobLimits {
            types = types == null || types.isEmpty() ? List.of("ai-inference", "image-classification",
                    "image-generation", "text-generation", "embedding", "transcription", "fine-tuning") : types;
            defaultTtl = defaultTtl == null ? Duration.ofSeconds(900) : defaultTtl;
            maxTtl = maxTtl == null ? Duration.ofDays(7) : maxTtl;
            lease = lease == null ? Duration.ofSeconds(60) : lease;
            defaultMaxAttempts = defaultMaxAttempts <= 0 ? 3 : defaultMaxAttempts;
            maxAttemptsLimit = maxAttemptsLimit <= 0 ? 10 : maxAttemptsLimit;
            maxPayloadBytes = maxPayloadBytes <= 0 ? 262_144 : maxPayloadBytes;
        }
    }

    /**
     * A submission: the job, and the offer it is to be bought through with the client's bid, when the
     * body names one ({@code bidPrice} may still be {@code null}).
     */
    record Submission(SubmitJobCommand command, String offerId, BigDecimal bidPrice) {
    }

    Submission submission(JsonNode body, String clientId, Instant now, String jobId) {
        BodyReader reader = BodyReader.of(body);
        boolean legacy = !reader.has("type") && reader.has("payload")
                && body.get("payload").isObject() && body.get("payload").has("type");

        JsonNode payload = reader.object("payload", false);
        String type = legacy ? BodyReader.of(payload).string("type", 64, true) : reader.string("type", 64, true);
        String name = reader.string("name", 256, false);
        String requirementsField = legacy ? "constraints" : "requirements";
        reader.object(requirementsField, false);
        BodyReader requirements = reader.at(requirementsField);
        JobRequirements required = new JobRequirements(
                requirements.string("gpu", 128, false),
                requirements.integer("min_vram_gb", 1, 4096, null),
                requirements.strings("models", 32, 128),
                requirements.matching("region", REGION, "must be 1 to 64 letters, digits, '.', '_' or '-'", false));
        BigDecimal maxPrice = legacy ? requirements.decimal("max_price", false) : reader.decimal("max_price", false);
        int ttlSeconds = reader.integer("ttl_seconds", 1, (int) limits.maxTtl().toSeconds(),
                (int) limits.defaultTtl().toSeconds());
        int maxAttempts = reader.integer("max_attempts", 1, limits.maxAttemptsLimit(), limits.defaultMaxAttempts());
        String offerId = reader.string("offer_id", 64, false);
        BigDecimal bidPrice = reader.decimal("bid_price", false);
        if (bidPrice != null && offerId == null) {
            reader.problem("bid_price", "is a bid for an offer; name the offer in offer_id");
        }
        reader.validate();

        if (!limits.types().contains(type)) {
            throw new ApiException(HttpStatus.BAD_REQUEST, "INVALID_JOB_TYPE",
                    "Unknown job type '" + type + "'; known types: " + String.join(", ", limits.types()));
        }
        JsonNode storedPayload = payload == null ? JsonNodeFactory.instance.objectNode() : payload;
        String payloadSha256 = Digests.canonicalSha256("payload", storedPayload, limits.maxPayloadBytes());
        var command = new SubmitJobCommand(jobId, clientId, type, name, storedPayload, payloadSha256,
                required, maxPrice, now.plusSeconds(ttlSeconds), maxAttempts);
        return new Submission(command, offerId, bidPrice);
    }
}
