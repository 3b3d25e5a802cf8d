package io.aitbc.coordinator.metrics;

import io.aitbc.coordinator.receipt.ReceiptService;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.axonframework.config.EventProcessingConfiguration;
import org.axonframework.eventhandling.StreamingEventProcessor;
import org.axonframework.eventhandling.TrackingToken;
import org.axonframework.serialization.Serializer;
import org.axonframework.serialization.SimpleSerializedObject;
import org.jooq.DSLContext;
import org.jooq.Record3;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * Meters the framework does not give: how many events each tracking processor still has to handle
 * ({@code coordinator.processor.lag}, per processor, the same on every node because it is read from
 * the shared token store), and how many receipts the transparency log holds
 * ({@code coordinator.receipts.signed}). Axon's own meters cover the rest: {@code commandBus_*}
 * (count and latency per command type), {@code eventStore_*} (events appended) and
 * {@code eventProcessor_latency} (age of the last event each processor handled).
 *
 * <p>Both values are read from the database at most once a second, whatever the number of scrapes.
 */
@Component
class ProcessorLagMetrics {

    private static final Logger logger = LoggerFactory.getLogger(ProcessorLagMetrics.class);
    private static final Duration FRESHNESS = Duration.ofSeconds(1);

    private final MeterRegistry meters;
    private final EventProcessingConfiguration processing;
    private final DSLContext dsl;
    private final Serializer serializer;
    private final ReceiptService receipts;
    private final Clock clock;
    private Map<String, Long> lag = Map.of();
    private Instant readAt = Instant.EPOCH;

    ProcessorLagMetrics(MeterRegistry meters, EventProcessingConfiguration processing, DSLContext dsl,
                        Serializer serializer, ReceiptService receipts, Clock clock) {
        this.meters = meters;
        this.processing = processing;
        this.dsl = dsl;
        this.serializer = serializer;
        this.receipts = receipts;
        this.clock = clock;
    }

    /** Registered once the processors exist; subscribing processors run in the command and never lag. */
    @EventListener(ApplicationReadyEvent.class)
    void register() {
        processing.eventProcessors().forEach((name, processor) -> {
            if (processor instanceof StreamingEventProcessor) {
                Gauge.builder("coordinator.processor.lag", this, metrics -> metrics.lagOf(name))
                        .description("Events stored after the position of the processor's slowest segment")
                        .baseUnit("events")
                        .tag("processor", name)
                        .register(meters);
            }
        });
        FunctionCounter.builder("coordinator.receipts.signed", receipts, ReceiptService::logSize)
                .description("Receipts signed and appended to the transparency log (all nodes together)")
                .register(meters);
    }

    private synchronized double lagOf(String processor) {
        Instant now = clock.instant();
        if (Duration.between(readAt, now).compareTo(FRESHNESS) >= 0) {
            lag = readLag();
            readAt = now;
        }
        Long events = lag.get(processor);
        return events == null ? Double.NaN : events;
    }

    private Map<String, Long> readLag() {
        try {
            Long head = dsl.select(DSL.max(DSL.field("global_index", Long.class)))
                    .from(DSL.table("domain_event_entry"))
                    .fetchOne(0, Long.class);
            Map<String, Long> behind = new HashMap<>();
            for (Record3<String, byte[], String> row : dsl.select(DSL.field("processor_name", String.class),
                            DSL.field("token", byte[].class), DSL.field("token_type", String.class))
                    .from(DSL.table("token_entry"))
                    .fetch()) {
                long position = position(row.value2(), row.value3());
                long events = Math.max(0, (head == null ? 0 : head) - position);
                behind.merge(row.value1(), events, Math::max);
            }
            return behind;
        } catch (RuntimeException e) {
            logger.warn("Cannot read the processors' positions: [{}]", e.getMessage());
            return Map.of();
        }
    }

    /** The token's position; a processor that has not handled any event yet is at 0. */
    private long position(byte[] token, String type) {
        if (token == null || type == null) {
            return 0;
        }
        TrackingToken tracking = serializer.deserialize(new SimpleSerializedObject<>(token, byte[].class, type, null));
        return tracking == null ? 0 : tracking.position().orElse(0);
    }
}
