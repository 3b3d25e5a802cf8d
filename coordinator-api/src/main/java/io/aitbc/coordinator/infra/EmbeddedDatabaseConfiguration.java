package io.aitbc.coordinator.infra;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import javax.sql.DataSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The zero-setup database: with no {@code coordinator.db.url}, the coordinator runs its own
 * PostgreSQL whose files live in {@code <data-dir>/postgres} and survive restarts.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnExpression("'${coordinator.db.url:}'.isBlank()")
class EmbeddedDatabaseConfiguration {

    private static final Logger logger = LoggerFactory.getLogger(EmbeddedDatabaseConfiguration.class);

    @Bean(destroyMethod = "close")
    EmbeddedPostgres embeddedPostgres(@Value("${coordinator.data-dir}") Path dataDir) throws IOException {
        Path pgData = dataDir.toAbsolutePath().normalize().resolve("postgres");
        Files.createDirectories(pgData.getParent());
        logger.info("Starting the embedded PostgreSQL with its data in [{}]", pgData);
        EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                .setDataDirectory(pgData)
                .setCleanDataDirectory(false)
                .setOverrideWorkingDirectory(dataDir.toAbsolutePath().normalize().resolve("pg-runtime").toFile())
                .setPGStartupWait(Duration.ofSeconds(60))
                .setServerConfig("max_connections", "100")
                .start();
        logger.info("Embedded PostgreSQL listens on 127.0.0.1:[{}]", postgres.getPort());
        return postgres;
    }

    @Bean(destroyMethod = "close")
    DataSource dataSource(EmbeddedPostgres postgres) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(postgres.getJdbcUrl("postgres", "postgres"));
        config.setUsername("postgres");
        config.setMaximumPoolSize(24);
        config.setMinimumIdle(4);
        config.setPoolName("coordinator-embedded");
        return new HikariDataSource(config);
    }
}
