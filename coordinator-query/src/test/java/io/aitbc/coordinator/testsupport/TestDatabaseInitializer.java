package io.aitbc.coordinator.testsupport;

import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;

import java.util.Map;

/**
 * Points every test application context at a database of its own on the real PostgreSQL server.
 * Registered in {@code META-INF/spring.factories} of the test jar, so each module's tests get it.
 */
public class TestDatabaseInitializer implements ApplicationContextInitializer<ConfigurableApplicationContext> {

    @Override
    public void initialize(ConfigurableApplicationContext context) {
        if (context.getEnvironment().containsProperty("coordinator.test.keep-database")) {
            return;
        }
        String url = PostgresTestDatabase.create();
        context.getEnvironment().getPropertySources().addFirst(new MapPropertySource("testDatabase", Map.of(
                "coordinator.db.url", url,
                "coordinator.db.user", PostgresTestDatabase.user(),
                "spring.datasource.url", url,
                "spring.datasource.username", PostgresTestDatabase.user())));
    }
}
