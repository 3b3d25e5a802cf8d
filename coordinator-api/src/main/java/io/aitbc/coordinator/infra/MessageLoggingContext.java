package io.aitbc.coordinator.infra;

import org.axonframework.commandhandling.CommandBus;
import org.axonframework.common.Registration;
import org.axonframework.config.ConfigurerModule;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.messaging.InterceptorChain;
import org.axonframework.messaging.Message;
import org.axonframework.messaging.MessageHandlerInterceptor;
import org.axonframework.messaging.unitofwork.UnitOfWork;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.util.Map;

/**
 * Puts the request id, principal and job id of every command and event into the logging context of
 * the thread that handles it, so one grep for a request id follows the request through its command,
 * its events and every projection, also on processors that run apart from the request's thread. The
 * values come from the message's metadata, where the gateway put them for the command and Axon's
 * correlation copied them into each event.
 */
@Configuration(proxyBeanMethods = false)
class MessageLoggingContext {

    private static final Logger logger = LoggerFactory.getLogger(MessageLoggingContext.class);
    private static final String REQUEST_ID = "request_id";
    private static final String PRINCIPAL = "principal";
    private static final String JOB_ID = "job_id";

    @Bean
    ConfigurerModule messageLoggingContextConfigurer() {
        return configurer -> configurer.eventProcessing(processing -> processing
                .registerDefaultHandlerInterceptor((configuration, processor) -> new Interceptor("event")));
    }

    /** Commands are handled on the bus's thread before any processor sees their events. */
    @Bean
    Registration commandLoggingContext(CommandBus commandBus) {
        return commandBus.registerHandlerInterceptor(new Interceptor("command"));
    }

    private record Interceptor(String kind) implements MessageHandlerInterceptor<Message<?>> {

        @Override
        public Object handle(UnitOfWork<? extends Message<?>> unitOfWork, InterceptorChain chain) throws Exception {
            Message<?> message = unitOfWork.getMessage();
            Map<String, String> outer = MDC.getCopyOfContextMap();
            copy(message, REQUEST_ID);
            copy(message, PRINCIPAL);
            if (message instanceof DomainEventMessage<?> event && event.getAggregateIdentifier().startsWith("job_")) {
                MDC.put(JOB_ID, event.getAggregateIdentifier());
            }
            logger.debug("Handling {} [{}]", kind, message.getPayloadType().getSimpleName());
            try {
                return chain.proceed();
            } finally {
                if (outer == null) {
                    MDC.clear();
                } else {
                    MDC.setContextMap(outer);
                }
            }
        }

        private static void copy(Message<?> message, String key) {
            Object value = message.getMetaData().get(key);
            if (value != null) {
                MDC.put(key, value.toString());
            }
        }
    }
}
