package io.aitbc.coordinator.receipt;

import io.aitbc.coordinator.receipt.verify.ReceiptFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SigningKeysTest {

    private static final Instant NOW = Instant.parse("2026-12-04T12:00:00.000Z");

    @TempDir
    Path dataDir;

    @Test
    void firstStartCreatesAKeyReadableOnlyByTheOwner() throws IOException {
        SigningKeys keys = keys(NOW);

        keys.load();

        Path directory = dataDir.resolve("keys");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(directory))).isEqualTo("rwx------");
        assertThat(keyFiles()).singleElement().satisfies(file -> assertThat(
                PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------"));
        assertThat(keys.current().validFrom()).isEqualTo(NOW);
        assertThat(keys.current().isCurrent()).isTrue();
    }

    @Test
    void keysSurviveARestart() {
        SigningKeys first = keys(NOW);
        first.load();

        SigningKeys second = keys(NOW.plusSeconds(3600));
        second.load();

        assertThat(second.current().keyId()).isEqualTo(first.current().keyId());
        assertThat(second.current().publicKey()).isEqualTo(first.current().publicKey());
    }

    @Test
    void firstKeyCoversCompletionsAlreadyInTheEventStore() {
        Instant earlier = NOW.minusSeconds(86_400);
        SigningKeys keys = new SigningKeys(dataDir, Clock.fixed(NOW, ZoneOffset.UTC), () -> Optional.of(earlier));

        keys.load();

        assertThat(keys.current().validFrom()).isEqualTo(earlier);
    }

    @Test
    void rotationClosesTheOldPeriodWhereTheNewOneStarts() {
        SigningKeys keys = keys(NOW);
        keys.load();
        String old = keys.current().keyId();
        SigningKeys later = keys(NOW.plusSeconds(600));
        later.load();

        SigningKey rotated = later.rotate();

        List<SigningKey> all = later.all();
        assertThat(all).extracting(SigningKey::keyId).containsExactly(old, rotated.keyId());
        assertThat(all.get(0).validUntil()).isEqualTo(NOW.plusSeconds(600));
        assertThat(rotated.validFrom()).isEqualTo(NOW.plusSeconds(600));
        assertThat(later.withKeyFor(NOW.plusSeconds(599), SigningKey::keyId)).isEqualTo(old);
        assertThat(later.withKeyFor(NOW.plusSeconds(600), SigningKey::keyId)).isEqualTo(rotated.keyId());
    }

    @Test
    void rotatedKeysAreStillPublishedAfterARestart() {
        SigningKeys keys = keys(NOW);
        keys.load();
        keys(NOW.plusSeconds(10)).load();
        SigningKeys rotating = keys(NOW.plusSeconds(10));
        rotating.load();
        rotating.rotate();

        SigningKeys restarted = keys(NOW.plusSeconds(20));
        restarted.load();

        assertThat(restarted.all()).hasSize(2);
        assertThat(restarted.all().get(0).validUntil()).isEqualTo(NOW.plusSeconds(10));
        assertThat(restarted.current().keyId()).isEqualTo(rotating.current().keyId());
    }

    @Test
    void completionBeforeEveryKeyHasNoSigningKey() {
        SigningKeys keys = keys(NOW);
        keys.load();

        assertThatThrownBy(() -> keys.withKeyFor(NOW.minusSeconds(1), SigningKey::keyId))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void widenedPermissionsAreRestrictedAgainOnLoad() throws IOException {
        keys(NOW).load();
        Path file = keyFiles().get(0);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));

        keys(NOW).load();

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    }

    @Test
    void privateKeyNeverAppearsInTextOrViews() {
        SigningKeys keys = keys(NOW);
        keys.load();
        SigningKey key = keys.current();
        String privateKey = ReceiptFormat.base64(key.privateKey());

        assertThat(key.toString()).doesNotContain(privateKey);
        assertThat(key.view().toString()).doesNotContain(privateKey);
    }

    private SigningKeys keys(Instant now) {
        return new SigningKeys(dataDir, Clock.fixed(now, ZoneOffset.UTC), Optional::empty);
    }

    private List<Path> keyFiles() throws IOException {
        try (Stream<Path> files = Files.list(dataDir.resolve("keys"))) {
            return files.toList();
        }
    }
}
