package io.aitbc.coordinator.infra;

import org.axonframework.messaging.correlation.CorrelationDataProvider;
import org.axonframework.messaging.correlation.MessageOriginProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.time.Clock;

/** Wiring shared by the whole application. */
@Configuration(proxyBeanMethods = false)
class CoordinatorConfiguration {

    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }

    @Bean
    CorrelationDataProvider messageOrigin() {
        return new MessageOriginProvider();
    }
}
