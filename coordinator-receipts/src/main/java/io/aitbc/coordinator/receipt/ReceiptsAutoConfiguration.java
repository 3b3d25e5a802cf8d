package io.aitbc.coordinator.receipt;

import org.axonframework.config.ConfigurerModule;
import org.axonframework.config.EventProcessingConfiguration;
import org.axonframework.eventhandling.PropagatingErrorHandler;
import org.axonframework.eventhandling.TrackingEventProcessorConfiguration;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.axonframework.messaging.StreamableMessageSource;
import org.jooq.DSLContext;
import org.jooq.Record1;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Lazy;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Optional;

import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.inline;
import static org.jooq.impl.DSL.table;

/**
 * Wires the receipts module into the coordinator: the {@value ReceiptIssuer#PROCESSING_GROUP}
 * tracking processor, the signing keys under {@code coordinator.data-dir}, the log, the checkpoint
 * publisher and the beans the gateway calls ({@link ReceiptService}, {@link ReceiptLogRebuilder}).
 *
 * <p>Every other processor subscribes and runs inside the command's transaction; receipts must not
 * slow commands down nor fail them, and must follow the global event order exactly once, so they
 * run in a tracking processor of their own: one thread, one segment, starting from the first event,
 * each batch and its token committed in one transaction.
 */
@AutoConfiguration(afterName = "org.springframework.boot.autoconfigure.jooq.JooqAutoConfiguration")
@EnableConfigurationProperties(ReceiptProperties.class)
public class ReceiptsAutoConfiguration {

    private static final Logger logger = LoggerFactory.getLogger(ReceiptsAutoConfiguration.class);

    /** Keeps one batch's multi-row inserts well below PostgreSQL's 65535 parameters. */
    private static final int MAX_BATCH = 1000;

    /** Not a bean: the application may have a clock of its own, and receipts are always dated in UTC. */
    private static final Clock CLOCK = Clock.systemUTC();

    @Bean
    public ConfigurerModule receiptsProcessorConfigurer(ReceiptProperties properties) {
        return configurer -> configurer.eventProcessing(processing -> processing
                .registerTrackingEventProcessor(ReceiptIssuer.PROCESSING_GROUP,
                        org.axonframework.config.Configuration::eventStore,
                        c -> TrackingEventProcessorConfiguration.forSingleThreadedProcessing()
                                .andBatchSize(Math.min(MAX_BATCH, Math.max(1, properties.batchSize())))
                                .andInitialTrackingToken(StreamableMessageSource::createTailToken))
                // a failed batch rolls back and is retried; a receipt is never skipped
                .registerListenerInvocationErrorHandler(ReceiptIssuer.PROCESSING_GROUP,
                        c -> PropagatingErrorHandler.instance()));
    }

    @Bean
    ReceiptLog receiptLog(DSLContext dsl) {
        return new ReceiptLog(dsl);
    }

    @Bean
    SigningKeys receiptSigningKeys(@Value("${coordinator.data-dir:${COORDINATOR_DATA_DIR:./data}}") String dataDir,
            DSLContext dsl) {
        SigningKeys keys = new SigningKeys(Path.of(dataDir), CLOCK, () -> earliestCompletion(dsl));
        keys.load();
        return keys;
    }

    @Bean
    ReceiptIssuer receiptIssuer(ReceiptLog receiptLog, SigningKeys receiptSigningKeys) {
        return new ReceiptIssuer(receiptLog, receiptSigningKeys);
    }

    @Bean
    CheckpointPublisher receiptCheckpointPublisher(ReceiptLog receiptLog, SigningKeys receiptSigningKeys,
            ReceiptProperties properties) {
        return new CheckpointPublisher(receiptLog, receiptSigningKeys, properties, CLOCK);
    }

    @Bean
    public ReceiptService receiptService(ReceiptLog receiptLog, SigningKeys receiptSigningKeys,
            CheckpointPublisher receiptCheckpointPublisher, ReceiptProperties properties) {
        return new ReceiptService(receiptLog, receiptSigningKeys, receiptCheckpointPublisher, properties, CLOCK);
    }

    @Bean
    public ReceiptLogRebuilder receiptLogRebuilder(ReceiptLog receiptLog, SigningKeys receiptSigningKeys,
            @Lazy EventStore eventStore, @Lazy EventProcessingConfiguration processing,
            CheckpointPublisher receiptCheckpointPublisher) {
        return new ReceiptLogRebuilder(receiptLog, receiptSigningKeys, eventStore, processing,
                receiptCheckpointPublisher);
    }

    /**
     * The earliest completion already in the event store, read once when the first key is created,
     * so that a coordinator that gains receipts later can still sign its earlier jobs.
     */
    private static Optional<Instant> earliestCompletion(DSLContext dsl) {
        try {
            OffsetDateTime earliest = dsl.select(field(
                            "min((convert_from(payload, 'UTF8')::jsonb ->> 'completed_at')::timestamptz)",
                            OffsetDateTime.class))
                    .from(table("domain_event_entry"))
                    .where(field("payload_type").eq(inline("io.aitbc.coordinator.job.api.JobCompletedEvent")))
                    .fetchOne(Record1::value1);
            return Optional.ofNullable(earliest).map(OffsetDateTime::toInstant);
        } catch (RuntimeException e) {
            logger.warn("Cannot read the earliest completion from the event store: [{}]", e.getMessage());
            return Optional.empty();
        }
    }
}
