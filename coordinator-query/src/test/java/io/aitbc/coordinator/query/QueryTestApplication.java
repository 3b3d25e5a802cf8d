package io.aitbc.coordinator.query;

import org.springframework.boot.autoconfigure.SpringBootApplication;

/** The aggregates and projections without the gateway: what the query module's tests run against. */
@SpringBootApplication(scanBasePackages = "io.aitbc.coordinator")
public class QueryTestApplication {
}
