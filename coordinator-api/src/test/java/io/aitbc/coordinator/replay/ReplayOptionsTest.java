package io.aitbc.coordinator.replay;

import io.aitbc.coordinator.replay.ReplayOptions.UsageException;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ReplayOptionsTest {

    @Test
    void everyOptionIsRead() {
        ReplayOptions options = ReplayOptions.parse(new String[] {"--url", "http://127.0.0.1:8011/",
                "--api-key", "secret", "--trace", "t.csv", "--limit", "200", "--speed=0", "--miners", "16"}, Map.of());

        assertThat(options.url()).isEqualTo(URI.create("http://127.0.0.1:8011"));
        assertThat(options.apiKey()).isEqualTo("secret");
        assertThat(options.trace()).isEqualTo(Path.of("t.csv"));
        assertThat(options.limit()).isEqualTo(200);
        assertThat(options.speed()).isZero();
        assertThat(options.miners()).isEqualTo(16);
    }

    @Test
    void defaultsReplayTheWholeTraceInRealTimeWithFourMiners() {
        ReplayOptions options = ReplayOptions.parse(new String[] {"--url", "http://localhost:8011",
                "--api-key", "k", "--trace", "t.csv"}, Map.of());

        assertThat(options.limit()).isZero();
        assertThat(options.speed()).isEqualTo(1.0);
        assertThat(options.miners()).isEqualTo(4);
        assertThat(options.marketplace()).isFalse();
    }

    @Test
    void marketplaceModeIsAFlagWithoutValue() {
        ReplayOptions options = ReplayOptions.parse(new String[] {"--url", "http://localhost:8011",
                "--api-key", "k", "--marketplace", "--trace", "t.csv"}, Map.of());

        assertThat(options.marketplace()).isTrue();
        assertThat(options.trace()).isEqualTo(Path.of("t.csv"));
    }

    @Test
    void theAdminKeyMayComeFromTheEnvironment() {
        ReplayOptions options = ReplayOptions.parse(new String[] {"--url", "http://localhost:8011",
                "--trace", "t.csv"}, Map.of("COORDINATOR_ADMIN_KEY", "from-env"));

        assertThat(options.apiKey()).isEqualTo("from-env");
    }

    @Test
    void theKeyNeverAppearsInTheOptionsText() {
        ReplayOptions options = ReplayOptions.parse(new String[] {"--url", "http://localhost:8011",
                "--api-key", "very-secret-key", "--trace", "t.csv"}, Map.of());

        assertThat(options.toString()).doesNotContain("very-secret-key");
    }

    @Test
    void unusableCommandLinesAreUsageErrors() {
        String[] base = {"--url", "http://localhost:8011", "--api-key", "k", "--trace", "t.csv"};

        assertThatThrownBy(() -> ReplayOptions.parse(new String[] {"--url", "http://x"}, Map.of()))
                .isInstanceOf(UsageException.class).hasMessageContaining("are required");
        assertThatThrownBy(() -> ReplayOptions.parse(with(base, "--speed", "-1"), Map.of()))
                .isInstanceOf(UsageException.class).hasMessageContaining("--speed");
        assertThatThrownBy(() -> ReplayOptions.parse(with(base, "--speed", "fast"), Map.of()))
                .isInstanceOf(UsageException.class).hasMessageContaining("--speed");
        assertThatThrownBy(() -> ReplayOptions.parse(with(base, "--miners", "0"), Map.of()))
                .isInstanceOf(UsageException.class).hasMessageContaining("--miners must be between 1 and");
        assertThatThrownBy(() -> ReplayOptions.parse(with(base, "--limit", "ten"), Map.of()))
                .isInstanceOf(UsageException.class).hasMessageContaining("--limit must be a whole number");
        assertThatThrownBy(() -> ReplayOptions.parse(with(base, "--colour", "blue"), Map.of()))
                .isInstanceOf(UsageException.class).hasMessage("unknown option --colour");
        assertThatThrownBy(() -> ReplayOptions.parse(with(base, "extra"), Map.of()))
                .isInstanceOf(UsageException.class).hasMessage("unexpected argument [extra]");
        assertThatThrownBy(() -> ReplayOptions.parse(with(base, "--limit"), Map.of()))
                .isInstanceOf(UsageException.class).hasMessage("--limit needs a value");
        assertThatThrownBy(() -> ReplayOptions.parse(new String[] {"--url", "ftp://host", "--api-key", "k",
                "--trace", "t.csv"}, Map.of()))
                .isInstanceOf(UsageException.class).hasMessageContaining("http or https");
    }

    private static String[] with(String[] base, String... more) {
        String[] all = Arrays.copyOf(base, base.length + more.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return all;
    }
}
