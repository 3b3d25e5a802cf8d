package io.aitbc.coordinator.receipt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aitbc.coordinator.receipt.verify.Ed25519Signatures;
import io.aitbc.coordinator.receipt.verify.ReceiptFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The coordinator's Ed25519 signing keys, one file each in {@code <data-dir>/keys/} (directory
 * {@code 0700}, files {@code 0600}, created with those permissions so they are never readable by
 * others, even for an instant). Loaded at start; the first start creates the first key.
 *
 * <p>A key signs the receipts of jobs <em>completed</em> within its validity period, whenever the
 * receipt is actually issued. That choice makes signing a function of the events alone: a receipt
 * issued late, or again during a rebuild, gets the same key and, Ed25519 being deterministic, the
 * same bytes. Rotation ends the current key's period now and starts a new key's period at the same
 * instant; a lock makes every signature taken before the rotation use the old key and every one
 * after it see the new period.
 *
 * <p><strong>Limitation:</strong> the keys live on one node's disk. Back the directory up with the
 * database: without the old private keys the log can no longer be rebuilt into the same tree, and
 * nodes that share one database must share this directory too.
 */
final class SigningKeys {

    private static final Logger logger = LoggerFactory.getLogger(SigningKeys.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SUFFIX = ".key.json";
    private static final Set<PosixFilePermission> OWNER_DIRECTORY = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> OWNER_FILE = PosixFilePermissions.fromString("rw-------");

    private final Path directory;
    private final Clock clock;
    private final Supplier<Optional<Instant>> earliestCompletion;
    private final ReadWriteLock lock = new ReentrantReadWriteLock();
    private volatile List<SigningKey> keys = List.of();

    /**
     * @param earliestCompletion the earliest job completion already in the event store, so that a
     *                           first key created on an existing store covers the jobs before it
     */
    SigningKeys(Path dataDirectory, Clock clock, Supplier<Optional<Instant>> earliestCompletion) {
        this.directory = dataDirectory.resolve("keys");
        this.clock = clock;
        this.earliestCompletion = earliestCompletion;
    }

    /** Loads the keys, creating the directory and the first key when there are none. */
    void load() {
        lock.writeLock().lock();
        try {
            createOwnerOnlyDirectory();
            List<SigningKey> loaded = readAll();
            if (loaded.isEmpty()) {
                Instant now = now();
                Instant from = earliestCompletion.get().filter(time -> time.isBefore(now)).orElse(now);
                SigningKey first = newKey(from);
                write(first);
                loaded = List.of(first);
                logger.info("Created the first receipt signing key [{}] in [{}]", first.keyId(), directory);
            }
            keys = repairOverlaps(loaded);
            logger.info("Loaded [{}] receipt signing keys from [{}], current [{}]", keys.size(), directory,
                    current().keyId());
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Every key that ever signed, oldest first. */
    List<SigningKey> all() {
        return keys;
    }

    SigningKey current() {
        return keys.get(keys.size() - 1);
    }

    /**
     * Runs {@code signing} with the key whose validity period contains {@code completedAt}, holding
     * off rotations meanwhile.
     *
     * @throws IllegalStateException when no key covers that time (a completion dated before the first
     *                               key, which only a wrong clock produces)
     */
    <T> T withKeyFor(Instant completedAt, Function<SigningKey, T> signing) {
        lock.readLock().lock();
        try {
            for (SigningKey key : keys) {
                if (key.covers(completedAt)) {
                    return signing.apply(key);
                }
            }
            throw new IllegalStateException("No receipt signing key covers the completion time " + completedAt);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Runs {@code signing} with the current key, holding off rotations meanwhile. */
    <T> T withCurrentKey(Function<SigningKey, T> signing) {
        lock.readLock().lock();
        try {
            return signing.apply(current());
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Retires the current key now and makes a new one current. The new key is written to disk
     * before the old one is marked retired, so a crash in between leaves two open periods, which
     * {@link #load()} closes again.
     */
    SigningKey rotate() {
        lock.writeLock().lock();
        try {
            SigningKey old = current();
            Instant at = now();
            if (!at.isAfter(old.validFrom())) {
                at = old.validFrom().plusMillis(1);
            }
            SigningKey next = newKey(at);
            write(next);
            SigningKey retired = old.retiredAt(at);
            write(retired);
            List<SigningKey> updated = new ArrayList<>(keys.subList(0, keys.size() - 1));
            updated.add(retired);
            updated.add(next);
            keys = List.copyOf(updated);
            logger.info("Rotated the receipt signing key from [{}] to [{}] at [{}]", old.keyId(), next.keyId(), at);
            return next;
        } finally {
            lock.writeLock().unlock();
        }
    }

    private SigningKey newKey(Instant validFrom) {
        byte[] privateKey = Ed25519Signatures.newPrivateKey();
        return new SigningKey(Ed25519Signatures.publicKey(privateKey), privateKey, validFrom, null);
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }

    /** Sorts by start and closes every period but the last at the start of the next one. */
    private List<SigningKey> repairOverlaps(List<SigningKey> loaded) {
        List<SigningKey> sorted = new ArrayList<>(loaded);
        sorted.sort(Comparator.comparing(SigningKey::validFrom).thenComparing(SigningKey::keyId));
        for (int i = 0; i + 1 < sorted.size(); i++) {
            SigningKey key = sorted.get(i);
            Instant nextStart = sorted.get(i + 1).validFrom();
            if (key.validUntil() == null || key.validUntil().isAfter(nextStart)) {
                logger.warn("Receipt signing key [{}] overlapped its successor; closing it at [{}]",
                        key.keyId(), nextStart);
                SigningKey closed = key.retiredAt(nextStart);
                write(closed);
                sorted.set(i, closed);
            }
        }
        SigningKey last = sorted.get(sorted.size() - 1);
        if (last.validUntil() != null) {
            throw new IllegalStateException("Every receipt signing key in " + directory
                    + " is retired; restore the current key or remove valid_until from the newest");
        }
        return List.copyOf(sorted);
    }

    private List<SigningKey> readAll() {
        try (Stream<Path> files = Files.list(directory)) {
            List<SigningKey> loaded = new ArrayList<>();
            for (Path file : files.filter(path -> path.getFileName().toString().endsWith(SUFFIX)).toList()) {
                restrictToOwner(file, OWNER_FILE);
                loaded.add(read(file));
            }
            return loaded;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the receipt signing keys in " + directory, e);
        }
    }

    private SigningKey read(Path file) throws IOException {
        JsonNode json = JSON.readTree(Files.readString(file, StandardCharsets.UTF_8));
        byte[] privateKey = ReceiptFormat.decodeBase64(json.path("private_key").asText(""));
        byte[] publicKey = ReceiptFormat.decodeBase64(json.path("public_key").asText(""));
        if (privateKey == null || privateKey.length != 32 || publicKey == null
                || !Arrays.equals(Ed25519Signatures.publicKey(privateKey), publicKey)) {
            throw new IllegalStateException("Receipt signing key file " + file + " is damaged: its keys do not match");
        }
        Instant validFrom = ReceiptFormat.parseTime(json.path("valid_from").asText(""));
        JsonNode until = json.path("valid_until");
        Instant validUntil = until.isTextual() ? ReceiptFormat.parseTime(until.textValue()) : null;
        if (validFrom == null || until.isTextual() && validUntil == null) {
            throw new IllegalStateException("Receipt signing key file " + file + " has a malformed validity period");
        }
        return new SigningKey(publicKey, privateKey, validFrom, validUntil);
    }

    private void write(SigningKey key) {
        ObjectNode json = JSON.createObjectNode()
                .put("key_id", key.keyId())
                .put("alg", ReceiptFormat.ALGORITHM)
                .put("public_key", ReceiptFormat.base64(key.publicKey()))
                .put("private_key", ReceiptFormat.base64(key.privateKey()))
                .put("valid_from", ReceiptFormat.formatTime(key.validFrom()))
                .put("valid_until", key.validUntil() == null ? null : ReceiptFormat.formatTime(key.validUntil()));
        Path target = directory.resolve(key.keyId() + SUFFIX);
        try {
            Path temporary = ownerOnlyTemporaryFile();
            Files.writeString(temporary, json.toPrettyString() + "\n", StandardCharsets.UTF_8);
            try {
                Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the receipt signing key " + key.keyId(), e);
        }
    }

    private Path ownerOnlyTemporaryFile() throws IOException {
        if (isPosix()) {
            return Files.createTempFile(directory, "key-", ".tmp", PosixFilePermissions.asFileAttribute(OWNER_FILE));
        }
        return Files.createTempFile(directory, "key-", ".tmp");
    }

    private void createOwnerOnlyDirectory() {
        try {
            if (!Files.isDirectory(directory)) {
                if (isPosix()) {
                    Files.createDirectories(directory, PosixFilePermissions.asFileAttribute(OWNER_DIRECTORY));
                } else {
                    Files.createDirectories(directory);
                }
            }
            restrictToOwner(directory, OWNER_DIRECTORY);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create the receipt key directory " + directory, e);
        }
    }

    private void restrictToOwner(Path path, Set<PosixFilePermission> permissions) throws IOException {
        if (!isPosix()) {
            logger.warn("Cannot restrict [{}] to its owner: the file system has no POSIX permissions", path);
            return;
        }
        if (!Files.getPosixFilePermissions(path).equals(permissions)) {
            logger.warn("[{}] was readable beyond its owner; restricting it to [{}]", path,
                    PosixFilePermissions.toString(permissions));
            Files.setPosixFilePermissions(path, permissions);
        }
    }

    private boolean isPosix() {
        return directory.getFileSystem().supportedFileAttributeViews().contains("posix");
    }
}
