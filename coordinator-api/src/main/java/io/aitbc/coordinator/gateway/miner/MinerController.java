package io.aitbc.coordinator.gateway.miner;

import com.fasterxml.jackson.databind.JsonNode;
import io.aitbc.coordinator.common.api.Money;
import io.aitbc.coordinator.gateway.auth.Role;
import io.aitbc.coordinator.gateway.web.ApiException;
import io.aitbc.coordinator.gateway.web.Backend;
import io.aitbc.coordinator.gateway.web.BodyReader;
import io.aitbc.coordinator.gateway.web.Digests;
import io.aitbc.coordinator.gateway.web.RequestContext;
import io.aitbc.coordinator.job.api.CompleteJobCommand;
import io.aitbc.coordinator.job.api.FailJobCommand;
import io.aitbc.coordinator.job.api.ReleaseUnheldJobCommand;
import io.aitbc.coordinator.job.api.RenewJobLeaseCommand;
import io.aitbc.coordinator.job.api.ReportJobProgressCommand;
import io.aitbc.coordinator.miner.api.MinerCapabilities;
import io.aitbc.coordinator.miner.api.RegisterMinerCommand;
import io.aitbc.coordinator.query.dispatch.DispatchRepository;
import io.aitbc.coordinator.query.dispatch.MinerProfile;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What miners do: register, keep their leases alive, long-poll for work, and report progress,
 * results and failures of the jobs assigned to them. A miner key acts for exactly one miner.
 */
@RestController
@RequestMapping("/v1/miners")
class MinerController {

    private static final Pattern UNIT = Pattern.compile("[a-z][a-z0-9_-]{0,31}");
    private static final Pattern REGION = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final Pattern ERROR_CODE = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    private static final int MAX_POLL_WAIT_SECONDS = 30;
    private static final int MAX_HELD_JOBS = 10_000;

    private final Backend backend;
    private final DispatchRepository dispatch;
    private final JobDispatcher dispatcher;
    private final Clock clock;
    private final Duration lease;
    private final Duration unlistedGrace;
    private final int maxResultBytes;

    MinerController(Backend backend, DispatchRepository dispatch, JobDispatcher dispatcher, Clock clock,
                    @Value("${coordinator.jobs.lease:60s}") Duration lease,
                    @Value("${coordinator.miners.unlisted-job-grace:15s}") Duration unlistedGrace,
                    @Value("${coordinator.jobs.max-payload-bytes:262144}") int maxResultBytes) {
        this.backend = backend;
        this.dispatch = dispatch;
        this.dispatcher = dispatcher;
        this.clock = clock;
        this.lease = lease;
        this.unlistedGrace = unlistedGrace;
        this.maxResultBytes = maxResultBytes;
    }

    record Registered(String minerId, String status) {
    }

    /** {@code releasedJobs}: running jobs the miner did not list, put back in the queue. */
    record HeartbeatAnswer(String status, int leasesRenewed, Instant leaseExpiresAt, List<String> releasedJobs) {
    }

    record ResultAnswer(String status, String receiptId) {
    }

    record Acknowledged(String status, String jobId) {
    }

    @PostMapping("/register")
    Mono<Registered> register(RequestContext context, @RequestHeader(value = "X-Miner-ID", required = false)
            String minerHeader, @RequestBody JsonNode body) {
        String minerId = actingMiner(context, minerHeader);
        BodyReader reader = BodyReader.of(body);
        reader.object("capabilities", true);
        BodyReader capabilities = reader.at("capabilities");
        List<MinerCapabilities.Gpu> gpus = gpus(capabilities);
        MinerCapabilities declared = new MinerCapabilities(gpus, capabilities.strings("models", 256, 128),
                capabilities.string("cuda", 32, false), capabilities.strings("job_types", 64, 64));
        int concurrency = reader.integer("concurrency", 1, 1024, 1);
        String region = reader.matching("region", REGION, "must be 1 to 64 letters, digits, '.', '_' or '-'", false);
        String publicKey = reader.string("public_key", 128, false);
        if (publicKey != null && !isEd25519PublicKey(publicKey)) {
            reader.problem("public_key", "must be a raw 32-byte Ed25519 public key in base64");
        }
        BigDecimal price = reader.decimal("price", false);
        String unitType = reader.matching("unit_type", UNIT, "must be a lower-case unit name such as 'tokens'", false);
        reader.validate();

        var command = new RegisterMinerCommand(minerId, declared, concurrency, region, publicKey,
                price == null ? BigDecimal.ZERO : price, unitType == null ? Money.UNIT_JOB : unitType);
        return backend.send(context, command).thenReturn(new Registered(minerId, "online"));
    }

    /**
     * Renews the leases of the miner's running jobs. {@code inflight} is either a count, shown for
     * information, or the list of the job ids the miner holds: then only those are renewed, and a
     * running job it does not list, handed out more than {@code unlistedGrace} ago, is released back
     * to the queue (its poll's answer was lost, say with the node that gave it).
     */
    @PostMapping("/heartbeat")
    Mono<HeartbeatAnswer> heartbeat(RequestContext context, @RequestHeader(value = "X-Miner-ID", required = false)
            String minerHeader, @RequestBody(required = false) JsonNode body) {
        String minerId = actingMiner(context, minerHeader);
        Set<String> held = null;
        if (body != null && !body.isNull()) {
            BodyReader reader = BodyReader.of(body);
            if (body.path("inflight").isArray()) {
                held = Set.copyOf(reader.strings("inflight", MAX_HELD_JOBS, 64));
            } else {
                reader.integer("inflight", 0, 100_000, null);
            }
            reader.string("status", 32, false);
            reader.validate();
        }
        Set<String> listed = held;
        Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        Instant leaseEnd = now.plus(lease);
        return backend.blocking(context, () -> dispatch.runningJobsOf(minerId))
                .flatMapMany(Flux::fromIterable)
                .concatMap(jobId -> listed == null || listed.contains(jobId)
                        ? backend.send(context, new RenewJobLeaseCommand(jobId, minerId, leaseEnd))
                                .thenReturn(Map.entry(jobId, true))
                                .onErrorResume(e -> Mono.empty())
                        : backend.<Boolean>send(context, new ReleaseUnheldJobCommand(jobId, minerId,
                                        now.minus(unlistedGrace)))
                                .filter(Boolean.TRUE::equals)
                                .map(released -> Map.entry(jobId, false))
                                .onErrorResume(e -> Mono.empty()))
                .collectList()
                .map(outcomes -> new HeartbeatAnswer("ok",
                        (int) outcomes.stream().filter(Map.Entry::getValue).count(), leaseEnd,
                        outcomes.stream().filter(outcome -> !outcome.getValue()).map(Map.Entry::getKey).toList()));
    }

    @PostMapping("/poll")
    Mono<ResponseEntity<Assignment>> poll(RequestContext context, @RequestHeader(value = "X-Miner-ID",
            required = false) String minerHeader, @RequestBody(required = false) JsonNode body) {
        String minerId = actingMiner(context, minerHeader);
        int waitSeconds = 0;
        List<String> types = List.of();
        if (body != null && !body.isNull()) {
            BodyReader reader = BodyReader.of(body);
            waitSeconds = reader.integer("max_wait_seconds", 0, MAX_POLL_WAIT_SECONDS, 0);
            types = reader.strings("job_types", 64, 64);
            reader.validate();
        }
        List<String> requested = types;
        Duration wait = Duration.ofSeconds(waitSeconds);
        return backend.blocking(context, () -> profileWithCapacity(minerId))
                .flatMap(profile -> dispatcher.poll(context, profile, acceptedTypes(profile, requested), lease, wait))
                .map(ResponseEntity::ok)
                .defaultIfEmpty(ResponseEntity.noContent().build());
    }

    @PostMapping("/{jobId}/progress")
    Mono<Acknowledged> progress(RequestContext context, @RequestHeader(value = "X-Miner-ID", required = false)
            String minerHeader, @PathVariable String jobId, @RequestBody JsonNode body) {
        String minerId = actingMiner(context, minerHeader);
        BodyReader reader = BodyReader.of(body);
        Integer progress = reader.integer("progress", 0, 100, null);
        if (progress == null && !reader.has("progress")) {
            reader.problem("progress", "is required");
        }
        reader.validate();
        Instant leaseEnd = clock.instant().truncatedTo(ChronoUnit.MILLIS).plus(lease);
        return backend.send(context, new ReportJobProgressCommand(jobId, minerId, progress, leaseEnd))
                .thenReturn(new Acknowledged("ok", jobId));
    }

    @PostMapping("/{jobId}/result")
    Mono<ResultAnswer> result(RequestContext context, @RequestHeader(value = "X-Miner-ID", required = false)
            String minerHeader, @PathVariable String jobId, @RequestBody JsonNode body) {
        String minerId = actingMiner(context, minerHeader);
        BodyReader reader = BodyReader.of(body);
        JsonNode result = reader.object("result", true);
        JsonNode metrics = reader.object("metrics", false);
        BodyReader metricsReader = reader.at("metrics");
        BigDecimal units = metricsReader.quantity("units", false);
        String unitType = metricsReader.matching("unit_type", UNIT, "must be a lower-case unit name", false);
        metricsReader.integer("duration_ms", 0, Integer.MAX_VALUE, null);
        String signature = reader.string("signature", 256, false);
        reader.validate();

        String resultSha256 = Digests.canonicalSha256("result", result, maxResultBytes);
        var command = new CompleteJobCommand(jobId, minerId, result, resultSha256, units, unitType, metrics, signature);
        return backend.<String>send(context, command).map(receiptId -> new ResultAnswer("ok", receiptId));
    }

    @PostMapping("/{jobId}/fail")
    Mono<Acknowledged> fail(RequestContext context, @RequestHeader(value = "X-Miner-ID", required = false)
            String minerHeader, @PathVariable String jobId, @RequestBody JsonNode body) {
        String minerId = actingMiner(context, minerHeader);
        BodyReader reader = BodyReader.of(body);
        String errorCode = reader.matching("error_code", ERROR_CODE, "must be 1 to 64 letters, digits, '_', '.' or '-'",
                true);
        String errorMessage = reader.string("error_message", 2000, false);
        boolean retryable = reader.bool("retryable", false);
        reader.validate();
        return backend.send(context, new FailJobCommand(jobId, minerId, errorCode, errorMessage, retryable))
                .thenReturn(new Acknowledged("ok", jobId));
    }

    /** The miner this key acts for; an {@code X-Miner-ID} naming any other miner is refused. */
    static String actingMiner(RequestContext context, String minerHeader) {
        context.caller().require(Role.MINER);
        String minerId = context.caller().principal();
        if (minerHeader != null && !Objects.equals(minerHeader.trim(), minerId)) {
            throw ApiException.forbidden("This key acts for miner " + minerId + " only");
        }
        return minerId;
    }

    private MinerProfile profileWithCapacity(String minerId) {
        MinerProfile profile = dispatch.minerProfile(minerId)
                .orElseThrow(() -> ApiException.notFound("MINER_NOT_FOUND",
                        "Miner " + minerId + " is not registered; POST /v1/miners/register first"));
        int running = dispatch.runningJobsOf(minerId).size();
        if (running >= profile.concurrency()) {
            throw new ApiException(HttpStatus.CONFLICT, "INVALID_STATE", "Miner " + minerId + " already runs "
                    + running + " job(s), its registered concurrency; report one before polling again");
        }
        return profile;
    }

    private static List<String> acceptedTypes(MinerProfile profile, List<String> requested) {
        if (requested.isEmpty()) {
            return profile.jobTypes();
        }
        if (profile.jobTypes().isEmpty()) {
            return requested;
        }
        List<String> both = new ArrayList<>(requested);
        both.retainAll(profile.jobTypes());
        if (both.isEmpty()) {
            throw new ApiException(HttpStatus.BAD_REQUEST, "VALIDATION_FAILED",
                    "None of the requested job_types is among the miner's registered job types",
                    Map.of("fields", List.of(Map.of("field", "job_types", "problem", "not registered"))));
        }
        return both;
    }

    private static List<MinerCapabilities.Gpu> gpus(BodyReader capabilities) {
        JsonNode list = capabilities.node().get("gpus");
        if (list == null || list.isNull()) {
            return List.of();
        }
        if (!list.isArray() || list.size() > 64) {
            capabilities.problem("gpus", "must be a list of at most 64 GPUs");
            return List.of();
        }
        List<MinerCapabilities.Gpu> gpus = new ArrayList<>();
        for (JsonNode gpu : list) {
            if (!gpu.isObject() || !gpu.path("name").isTextual() || gpu.path("name").textValue().length() > 128
                    || !gpu.path("memory_mb").canConvertToInt() || !gpu.path("memory_mb").isIntegralNumber()
                    || gpu.path("memory_mb").intValue() < 0) {
                capabilities.problem("gpus", "each GPU needs a name and a non-negative integer memory_mb");
                return List.of();
            }
            gpus.add(new MinerCapabilities.Gpu(gpu.get("name").textValue(), gpu.get("memory_mb").intValue()));
        }
        return gpus;
    }

    private static boolean isEd25519PublicKey(String base64) {
        try {
            return Base64.getDecoder().decode(base64).length == 32;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
