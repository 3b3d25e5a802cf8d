package io.aitbc.coordinator.gateway.health;

import org.axonframework.config.EventProcessingConfiguration;
import org.axonframework.eventhandling.EventProcessor;
import org.axonframework.eventhandling.StreamingEventProcessor;
import org.jooq.DSLContext;
import org.springframework.boot.info.BuildProperties;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code GET /v1/health}: open to everyone, says whether the database and event processors work. */
@RestController
class HealthController {

    private final DSLContext dsl;
    private final EventProcessingConfiguration processing;
    private final Clock clock;
    private final String version;

    HealthController(DSLContext dsl, EventProcessingConfiguration processing, Clock clock,
                     ObjectProvider<BuildProperties> build) {
        this.dsl = dsl;
        this.processing = processing;
        this.clock = clock;
        BuildProperties properties = build.getIfAvailable();
        this.version = properties != null ? properties.getVersion()
                : String.valueOf(HealthController.class.getPackage().getImplementationVersion());
    }

    record Health(String status, String version, Instant timestamp, Map<String, Object> services) {
    }

    @GetMapping("/v1/health")
    Mono<ResponseEntity<Health>> health() {
        return Mono.fromCallable(this::check)
                .subscribeOn(Schedulers.boundedElastic())
                .map(health -> ResponseEntity.status("ok".equals(health.status()) ? HttpStatus.OK
                        : HttpStatus.SERVICE_UNAVAILABLE).body(health));
    }

    private Health check() {
        String database;
        try {
            dsl.selectOne().fetch();
            database = "ok";
        } catch (RuntimeException e) {
            database = "unavailable";
        }
        Map<String, Object> processors = new LinkedHashMap<>();
        boolean processorsOk = true;
        for (EventProcessor processor : processing.eventProcessors().values()) {
            String state;
            if (processor instanceof StreamingEventProcessor streaming) {
                state = streaming.isError() ? "error" : streaming.isRunning() ? "running" : "stopped";
                processorsOk &= !streaming.isError();
            } else {
                state = processor.isRunning() ? "running" : "stopped";
            }
            processors.put(processor.getName(), state);
        }
        Map<String, Object> services = new LinkedHashMap<>();
        services.put("database", database);
        services.put("event_processors", processors);
        String status = "ok".equals(database) && processorsOk ? "ok" : "degraded";
        return new Health(status, version, clock.instant().truncatedTo(ChronoUnit.MILLIS), services);
    }
}
