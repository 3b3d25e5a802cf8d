package io.aitbc.coordinator.projection;

import io.aitbc.coordinator.audit.StoredEvent;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.messaging.MetaData;
import org.axonframework.eventhandling.AnnotationEventHandlerAdapter;
import org.jooq.ConnectionProvider;
import org.jooq.DSLContext;
import org.jooq.conf.MappedSchema;
import org.jooq.conf.MappedTable;
import org.jooq.conf.RenderMapping;
import org.jooq.tools.jdbc.BatchedConnection;
import org.springframework.context.ApplicationContext;
import org.springframework.stereotype.Component;

import java.lang.reflect.Constructor;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Runs a projection's own event handlers against other tables than its live ones: a fresh instance
 * of the projection class, built by its constructor with a {@link DSLContext} whose render mapping
 * turns each live table name into another one ({@code job_view} into {@code job_view_rebuild}). The
 * projections stay package-private and unchanged; what a rebuild writes is exactly what they write.
 *
 * <p>The shadow writes are sent to the database in JDBC batches: a rebuild applies events a thousand at
 * a time, and one round trip per event would make it write-bound (see {@link Handler#applyAll}).
 */
@Component
class ShadowProjections {

    private final ApplicationContext context;
    private final DSLContext dsl;

    ShadowProjections(ApplicationContext context, DSLContext dsl) {
        this.context = context;
        this.dsl = dsl;
    }

    /** The live projection bean of a processing group, if one exists. */
    Optional<Class<?>> projectionClass(String processingGroup) {
        return context.getBeansWithAnnotation(ProcessingGroup.class).values().stream()
                .map(Object::getClass)
                .filter(type -> processingGroup.equals(type.getAnnotation(ProcessingGroup.class).value()))
                .findFirst()
                .map(type -> (Class<?>) type);
    }

    /**
     * A projection of the group's class writing to {@code renamed.get(t)} wherever its code names table
     * {@code t}; its other constructor arguments are the live beans.
     */
    Handler create(String processingGroup, Map<String, String> renamed) {
        Class<?> type = projectionClass(processingGroup)
                .orElseThrow(() -> new IllegalArgumentException("No projection " + processingGroup));
        BatchConnection connections = new BatchConnection();
        DSLContext target = mapped(renamed, connections);
        try {
            Constructor<?> constructor = type.getDeclaredConstructors()[0];
            constructor.setAccessible(true);
            Object[] arguments = new Object[constructor.getParameterCount()];
            Class<?>[] parameters = constructor.getParameterTypes();
            for (int i = 0; i < parameters.length; i++) {
                arguments[i] = parameters[i] == DSLContext.class ? target : context.getBean(parameters[i]);
            }
            return new Handler(new AnnotationEventHandlerAdapter(constructor.newInstance(arguments)), dsl, connections);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("Cannot build projection " + type.getName(), e);
        }
    }

    /** A DSLContext that reads {@code renamed.get(t)} wherever the code names table {@code t}. */
    DSLContext mapped(Map<String, String> renamed) {
        return mapped(renamed, dsl.configuration().connectionProvider());
    }

    private DSLContext mapped(Map<String, String> renamed, ConnectionProvider connections) {
        MappedSchema schema = new MappedSchema().withInput("");
        renamed.forEach((from, to) -> schema.withTables(new MappedTable().withInput(from).withOutput(to)));
        return dsl.configuration()
                .derive(connections)
                .deriveSettings(settings -> settings.withRenderMapping(new RenderMapping().withSchemata(schema)))
                .dsl();
    }

    /**
     * Events in an order that lets equal statements run one after another: round one holds each
     * aggregate's first event of the batch, round two its second, and so on; within a round, events are
     * grouped by type. An aggregate's own events keep their order, and only events of different
     * aggregates trade places, which the projections do not depend on (their rows are per aggregate, and
     * the rows several aggregates touch only count up or keep the latest time).
     */
    static List<StoredEvent> inRounds(List<StoredEvent> events) {
        Map<String, Integer> seen = new HashMap<>();
        List<Map<String, List<StoredEvent>>> rounds = new ArrayList<>();
        for (StoredEvent event : events) {
            int round = seen.merge(event.aggregateId() == null ? "" + event.position() : event.aggregateId(), 1,
                    Integer::sum) - 1;
            if (round == rounds.size()) {
                rounds.add(new LinkedHashMap<>());
            }
            rounds.get(round).computeIfAbsent(event.payloadType(), type -> new ArrayList<>()).add(event);
        }
        List<StoredEvent> ordered = new ArrayList<>(events.size());
        rounds.forEach(round -> round.values().forEach(ordered::addAll));
        return ordered;
    }

    /** The connection of the batch being applied; jOOQ asks for it once per statement. */
    private static final class BatchConnection implements ConnectionProvider {

        private Connection current;

        @Override
        public Connection acquire() {
            if (current == null) {
                throw new IllegalStateException("Shadow projection used outside Handler.applyAll");
            }
            return current;
        }

        @Override
        public void release(Connection connection) {
            // the batch owns the connection; it is flushed and handed back in applyAll
        }
    }

    /** One projection instance; {@link #applyAll} runs its handlers for stored events. */
    static final class Handler {

        private static final int JDBC_BATCH = 500;

        private final AnnotationEventHandlerAdapter adapter;
        private final DSLContext dsl;
        private final BatchConnection connections;
        private final Map<String, Boolean> handles = new HashMap<>();

        Handler(AnnotationEventHandlerAdapter adapter, DSLContext dsl, BatchConnection connections) {
            this.adapter = adapter;
            this.dsl = dsl;
            this.connections = connections;
        }

        /**
         * Applies the events on the current transaction's connection, in {@link #inRounds} order. Equal
         * statements in a row become one JDBC batch; a statement of another shape, a read, or the end of
         * the events sends the batch. Must run inside a transaction.
         */
        void applyAll(List<StoredEvent> events) {
            dsl.connection(connection -> {
                BatchedConnection batched = new BatchedConnection(connection, JDBC_BATCH);
                connections.current = batched;
                try {
                    inRounds(events).forEach(this::apply);
                } finally {
                    connections.current = null;
                }
                flush(batched);
            });
        }

        private static void flush(BatchedConnection batched) throws SQLException {
            // closing a batched connection sends its last batch and leaves the connection it wraps open
            batched.close();
        }

        private void apply(StoredEvent event) {
            if (Boolean.FALSE.equals(handles.get(event.payloadType()))) {
                return;
            }
            EventMessage<?> message = new GenericDomainEventMessage<>(event.aggregateType(), event.aggregateId(),
                    event.sequence(), event.event(), MetaData.emptyInstance(), event.eventId(), event.timestamp());
            boolean canHandle = adapter.canHandle(message);
            handles.put(event.payloadType(), canHandle);
            if (!canHandle) {
                return;
            }
            try {
                adapter.handle(message);
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException("Projection failed on event at position " + event.position(), e);
            }
        }
    }
}
