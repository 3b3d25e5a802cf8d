package io.aitbc.coordinator.gateway.auth;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A fresh install needs one admin key to create the others. With {@code COORDINATOR_ADMIN_KEY} set,
 * that key is the admin key. Otherwise, while no admin key exists, one is created and its secret is
 * written to {@code <data-dir>/admin-api-key}, readable only by the service's user; the log names
 * the file, never the key.
 */
@Component
class AdminKeyBootstrap implements ApplicationRunner {

    private static final Logger logger = LoggerFactory.getLogger(AdminKeyBootstrap.class);
    static final String FILE_NAME = "admin-api-key";

    private final ApiKeyStore store;
    private final Path dataDir;
    private final boolean operatorKeyGiven;

    AdminKeyBootstrap(ApiKeyStore store, @Value("${coordinator.data-dir}") Path dataDir,
                      @Value("${coordinator.admin-key:}") String operatorKey) {
        this.store = store;
        this.dataDir = dataDir;
        this.operatorKeyGiven = !operatorKey.isBlank();
    }

    @Override
    public void run(ApplicationArguments args) {
        if (operatorKeyGiven) {
            logger.info("Admin access uses the key from COORDINATOR_ADMIN_KEY");
            return;
        }
        if (store.anyActive(Role.ADMIN)) {
            return;
        }
        ApiKeyStore.IssuedKey issued = store.create(Role.ADMIN, Plan.ENTERPRISE, "admin", "bootstrap admin key");
        Path file = dataDir.toAbsolutePath().normalize().resolve(FILE_NAME);
        writeOwnerOnly(file, issued.secret() + System.lineSeparator());
        logger.info("Created the first admin key [{}]; its secret is in [{}], readable only by this user",
                issued.key().keyId(), file);
    }

    private static void writeOwnerOnly(Path file, String content) {
        try {
            Files.createDirectories(file.getParent());
            Files.deleteIfExists(file);
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(file, content, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the admin key file " + file, e);
        }
    }
}
