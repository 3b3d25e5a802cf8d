package io.aitbc.coordinator.infra;

import org.axonframework.messaging.correlation.CorrelationDataProvider;
import org.axonframework.messaging.correlation.MessageOriginProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.client.ReactorResourceFactory;

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

    /**
     * Netty event loops of the application's own rather than Reactor Netty's global ones: stopping one
     * application must not stop the loops of another running in the same JVM (the tests run several),
     * whose server would then stop answering.
     */
    @Bean
    ReactorResourceFactory reactorResourceFactory() {
        ReactorResourceFactory resources = new ReactorResourceFactory();
        resources.setUseGlobalResources(false);
        return resources;
    }
}
