package io.aitbc.coordinator.projection;

import io.aitbc.coordinator.audit.StoredEvent;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.messaging.MetaData;
import org.axonframework.eventhandling.AnnotationEventHandlerAdapter;
import org.jooq.DSLContext;
import org.jooq.conf.MappedSchema;
import org.jooq.conf.MappedTable;
import org.jooq.conf.RenderMapping;
import org.springframework.context.ApplicationContext;
import org.springframework.stereotype.Component;

import java.lang.reflect.Constructor;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Runs a projection's own event handlers against other tables than its live ones: a fresh instance
 * of the projection class, built by its constructor with a {@link DSLContext} whose render mapping
 * turns each live table name into another one ({@code job_view} into {@code job_view_rebuild}). The
 * projections stay package-private and unchanged; what a rebuild writes is exactly what they write.
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

    /** A DSLContext that writes to {@code renamed.get(t)} wherever the code names table {@code t}. */
    DSLContext mapped(Map<String, String> renamed) {
        MappedSchema schema = new MappedSchema().withInput("");
        renamed.forEach((from, to) -> schema.withTables(new MappedTable().withInput(from).withOutput(to)));
        return dsl.configuration()
                .deriveSettings(settings -> settings.withRenderMapping(new RenderMapping().withSchemata(schema)))
                .dsl();
    }

    /**
     * A projection of the group's class writing through {@code target}; its other constructor arguments
     * are the live beans.
     */
    Handler create(String processingGroup, DSLContext target) {
        Class<?> type = projectionClass(processingGroup)
                .orElseThrow(() -> new IllegalArgumentException("No projection " + processingGroup));
        try {
            Constructor<?> constructor = type.getDeclaredConstructors()[0];
            constructor.setAccessible(true);
            Object[] arguments = new Object[constructor.getParameterCount()];
            Class<?>[] parameters = constructor.getParameterTypes();
            for (int i = 0; i < parameters.length; i++) {
                arguments[i] = parameters[i] == DSLContext.class ? target : context.getBean(parameters[i]);
            }
            return new Handler(new AnnotationEventHandlerAdapter(constructor.newInstance(arguments)));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("Cannot build projection " + type.getName(), e);
        }
    }

    /** One projection instance; {@link #apply} runs its handler for a stored event, if it has one. */
    static final class Handler {

        private final AnnotationEventHandlerAdapter adapter;
        private final Map<String, Boolean> handles = new HashMap<>();

        Handler(AnnotationEventHandlerAdapter adapter) {
            this.adapter = adapter;
        }

        void apply(StoredEvent event) {
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
