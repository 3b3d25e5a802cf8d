package io.aitbc.coordinator.gateway.web;

import org.axonframework.messaging.correlation.CorrelationDataProvider;
import org.axonframework.messaging.correlation.SimpleCorrelationDataProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Carries who asked and the request id from each command into every event it causes. */
@Configuration(proxyBeanMethods = false)
class RequestCorrelation {

    @Bean
    CorrelationDataProvider requestCorrelationProvider() {
        return new SimpleCorrelationDataProvider(
                RequestContext.PRINCIPAL, RequestContext.ROLE, RequestContext.REQUEST_ID);
    }
}
