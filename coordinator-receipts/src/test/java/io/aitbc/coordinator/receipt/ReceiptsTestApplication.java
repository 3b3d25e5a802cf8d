package io.aitbc.coordinator.receipt;

import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The smallest coordinator that produces real completion events: the job and miner aggregates,
 * the event store on PostgreSQL, and this module's auto-configuration.
 */
@SpringBootApplication(scanBasePackages = {"io.aitbc.coordinator.job", "io.aitbc.coordinator.miner"})
class ReceiptsTestApplication {
}
