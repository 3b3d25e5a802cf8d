package io.aitbc.coordinator.receipt.verify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The offline receipt verifier, {@code receipt-verifier.jar}: needs neither the coordinator nor its
 * dependencies.
 *
 * <pre>
 * java -jar receipt-verifier.jar verify --bundle FILE --key KEY [--key KEY …]
 * java -jar receipt-verifier.jar verify --receipt FILE --key KEY [--key KEY …]
 * java -jar receipt-verifier.jar audit --url URL --api-key API_KEY --state DIR [--key KEY …]
 * </pre>
 *
 * <p>{@code KEY} is a coordinator public key in base64, or a file holding one key per line, or a
 * file holding the JSON of {@code GET /v1/receipts/keys} (which adds each key's validity period).
 * {@code verify} checks the receipt's canonical form, signature, key and miner attestation and, for
 * a bundle, the checkpoint's signature and the inclusion proof. {@code audit} fetches the newest
 * checkpoint, checks its signature and that it extends the checkpoint kept in {@code DIR} from the
 * last run (RFC 6962 consistency), then keeps the new one. Without {@code --key}, {@code audit}
 * trusts the keys the coordinator published on its first run and, later, any key it adds, but never
 * a key it removes or changes.
 *
 * <p>Exit status: 0 valid, 1 invalid (one line per problem), 2 usage error.
 */
public final class ReceiptVerifierCli {

    static final int VALID = 0;
    static final int INVALID = 1;
    static final int USAGE = 2;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String USAGE_TEXT = """
            usage: java -jar receipt-verifier.jar verify --bundle FILE --key KEY [--key KEY ...]
                   java -jar receipt-verifier.jar verify --receipt FILE --key KEY [--key KEY ...]
                   java -jar receipt-verifier.jar audit --url URL --api-key API_KEY --state DIR [--key KEY ...]
            KEY: a coordinator public key in base64, or a file with one per line, or the JSON of
                 GET /v1/receipts/keys. Exit 0 valid, 1 invalid, 2 usage error.""";

    private final PrintStream out;
    private final HttpClient http;

    ReceiptVerifierCli(PrintStream out, HttpClient http) {
        this.out = out;
        this.http = http;
    }

    public static void main(String[] args) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        System.exit(new ReceiptVerifierCli(System.out, http).run(args));
    }

    int run(String[] args) {
        Map<String, List<String>> options;
        try {
            options = options(args);
        } catch (IllegalArgumentException e) {
            return usage(e.getMessage());
        }
        String command = args.length == 0 ? "" : args[0];
        try {
            return switch (command) {
                case "verify" -> verify(options);
                case "audit" -> audit(options);
                default -> usage(command.isEmpty() ? "no command" : "unknown command " + command);
            };
        } catch (UsageException e) {
            return usage(e.getMessage());
        }
    }

    private int verify(Map<String, List<String>> options) {
        String bundle = single(options, "bundle", false);
        String receipt = single(options, "receipt", false);
        if ((bundle == null) == (receipt == null)) {
            throw new UsageException("verify needs exactly one of --bundle and --receipt");
        }
        List<TrustedKey> keys = keys(options.getOrDefault("key", List.of()));
        if (keys.isEmpty()) {
            throw new UsageException("verify needs --key");
        }
        String text = read(Path.of(bundle != null ? bundle : receipt));
        ReceiptVerifier verifier = new ReceiptVerifier(keys);
        ReceiptVerdict verdict;
        try {
            verdict = bundle != null ? verifier.verifyBundle(text) : verifier.verify(text, null);
        } catch (CanonicalizationException e) {
            return invalid(List.of(e.getMessage()));
        }
        if (!verdict.valid()) {
            return invalid(verdict.problems());
        }
        JsonNode parsed = ReceiptVerifier.parseStrict(text);
        JsonNode signed = bundle != null ? parsed.get("receipt") : parsed;
        out.println("VALID receipt " + signed.path("receipt_id").asText() + " of job " + signed.path("job_id").asText()
                + ", signed by key " + signed.path("signature").path("key_id").asText()
                + (Boolean.TRUE.equals(verdict.minerSignatureValid()) ? ", attested by its miner" : "")
                + (Boolean.TRUE.equals(verdict.includedInLog())
                ? ", included in the log at index " + signed.path("log_index").asLong() : ""));
        return VALID;
    }

    private int audit(Map<String, List<String>> options) {
        String url = stripSlash(single(options, "url", true));
        String apiKey = single(options, "api-key", true);
        Path state = Path.of(single(options, "state", true));
        List<String> problems = new ArrayList<>();
        try {
            Files.createDirectories(state);
            List<TrustedKey> keys = options.containsKey("key") ? keys(options.get("key"))
                    : pinnedKeys(state, fetch(url + "/v1/receipts/keys", apiKey), problems);
            if (!problems.isEmpty()) {
                return invalid(problems);
            }
            SignedCheckpoint latest = SignedCheckpoint.parse(
                    fetch(url + "/v1/receipts/log/checkpoint", apiKey).path("checkpoint").asText());
            TrustedKey signer = latest.signedBy(keys);
            if (signer == null) {
                return invalid(List.of("checkpoint signature does not verify under any trusted key"));
            }
            Path seenFile = state.resolve("checkpoint");
            if (Files.exists(seenFile)) {
                SignedCheckpoint seen = SignedCheckpoint.parse(read(seenFile));
                problems.addAll(consistencyProblems(url, apiKey, seen, latest));
                if (!problems.isEmpty()) {
                    problems.replaceAll(problem -> "LOG REWRITTEN: " + problem);
                    return invalid(problems);
                }
                out.println("CONSISTENT log " + latest.origin() + ": grew from " + seen.treeSize() + " to "
                        + latest.treeSize() + " leaves, checkpoint signed by key " + signer.keyId());
            } else {
                out.println("FIRST checkpoint of log " + latest.origin() + " kept: " + latest.treeSize()
                        + " leaves, signed by key " + signer.keyId());
            }
            writeAtomically(seenFile, latest.text() + "\n" + signatureBlock(latest));
            return VALID;
        } catch (IOException | IllegalArgumentException e) {
            // a connection failure often has no message of its own
            return invalid(List.of(e.getMessage() != null ? e.getMessage() : "cannot reach " + url + ": " + e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return invalid(List.of("interrupted"));
        }
    }

    private List<String> consistencyProblems(String url, String apiKey, SignedCheckpoint seen, SignedCheckpoint latest)
            throws IOException, InterruptedException {
        if (!seen.origin().equals(latest.origin())) {
            return List.of("the log's origin changed from " + seen.origin() + " to " + latest.origin());
        }
        if (latest.treeSize() < seen.treeSize()) {
            return List.of("the log shrank from " + seen.treeSize() + " to " + latest.treeSize() + " leaves");
        }
        if (latest.treeSize() == seen.treeSize()) {
            return Arrays.equals(seen.rootHash(), latest.rootHash()) ? List.of()
                    : List.of("two different roots for tree size " + seen.treeSize());
        }
        JsonNode proof = fetch(url + "/v1/receipts/log/proof/consistency?from=" + seen.treeSize()
                + "&to=" + latest.treeSize(), apiKey);
        List<byte[]> hashes = ReceiptVerifier.hashes(proof.get("hashes"));
        if (hashes == null || !MerkleTree.verifyConsistency(seen.treeSize(), latest.treeSize(), seen.rootHash(),
                latest.rootHash(), hashes)) {
            return List.of("the tree of " + latest.treeSize() + " leaves does not extend the tree of "
                    + seen.treeSize() + " leaves seen before (consistency proof fails)");
        }
        return List.of();
    }

    /** Trust on first use, then continuity: keys may be added by rotation, never removed or changed. */
    private List<TrustedKey> pinnedKeys(Path state, JsonNode published, List<String> problems) throws IOException {
        Map<String, TrustedKey> current = new LinkedHashMap<>();
        for (TrustedKey key : keysFromJson(published)) {
            current.put(key.keyId(), key);
        }
        Path pinnedFile = state.resolve("keys.json");
        if (Files.exists(pinnedFile)) {
            List<TrustedKey> pinnedKeys = keysFromJson(JSON.readTree(read(pinnedFile)));
            for (TrustedKey pinned : pinnedKeys) {
                TrustedKey now = current.get(pinned.keyId());
                if (now == null || !Arrays.equals(now.publicKey(), pinned.publicKey())) {
                    problems.add("KEY HISTORY REWRITTEN: key " + pinned.keyId() + " is no longer published as before");
                } else if (pinned.validUntil() != null && !pinned.validUntil().equals(now.validUntil())) {
                    problems.add("KEY HISTORY REWRITTEN: the validity of key " + pinned.keyId() + " changed");
                }
            }
            current.keySet().stream()
                    .filter(keyId -> pinnedKeys.stream().noneMatch(pinned -> pinned.keyId().equals(keyId)))
                    .forEach(keyId -> out.println("NOTE learned rotated key " + keyId));
        } else {
            out.println("NOTE first audit: trusting the " + current.size() + " keys the coordinator publishes");
        }
        if (problems.isEmpty()) {
            writeAtomically(pinnedFile, published.toPrettyString() + "\n");
        }
        return List.copyOf(current.values());
    }

    private JsonNode fetch(String url, String apiKey) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(30))
                .header("X-API-Key", apiKey)
                .header("Accept", "application/json")
                .GET()
                .build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("GET " + url + " answered HTTP " + response.statusCode());
        }
        return ReceiptVerifier.parseStrict(response.body());
    }

    /** Keys from base64 text, a file of base64 lines, or a file with the JSON of the keys endpoint. */
    static List<TrustedKey> keys(List<String> specs) {
        List<TrustedKey> keys = new ArrayList<>();
        for (String spec : specs) {
            Path file = Path.of(spec);
            String text = Files.isRegularFile(file) ? read(file).trim() : spec.trim();
            if (text.startsWith("{")) {
                keys.addAll(keysFromJson(ReceiptVerifier.parseStrict(text)));
                continue;
            }
            for (String line : text.split("\\s+")) {
                byte[] key = ReceiptFormat.decodeBase64(line);
                if (key == null || key.length != Ed25519Signatures.KEY_SIZE) {
                    throw new UsageException("--key " + spec + " is neither a base64 Ed25519 key nor a key file");
                }
                keys.add(TrustedKey.pinned(key));
            }
        }
        return keys;
    }

    private static List<TrustedKey> keysFromJson(JsonNode json) {
        List<TrustedKey> keys = new ArrayList<>();
        for (JsonNode key : json.path("keys")) {
            byte[] publicKey = ReceiptFormat.decodeBase64(key.path("public_key").asText(""));
            if (publicKey == null || publicKey.length != Ed25519Signatures.KEY_SIZE
                    || !ReceiptFormat.keyId(publicKey).equals(key.path("key_id").asText())) {
                throw new IllegalArgumentException("published key " + key.path("key_id").asText()
                        + " is malformed or its key_id does not match");
            }
            keys.add(new TrustedKey(ReceiptFormat.keyId(publicKey), publicKey, time(key.get("valid_from")),
                    time(key.get("valid_until"))));
        }
        return keys;
    }

    private static Instant time(JsonNode value) {
        return value == null || !value.isTextual() ? null : ReceiptFormat.parseTime(value.textValue());
    }

    private static String signatureBlock(SignedCheckpoint checkpoint) {
        StringBuilder block = new StringBuilder();
        for (SignedCheckpoint.NoteSignature signature : checkpoint.signatures()) {
            byte[] bytes = new byte[signature.keyHash().length + signature.signature().length];
            System.arraycopy(signature.keyHash(), 0, bytes, 0, signature.keyHash().length);
            System.arraycopy(signature.signature(), 0, bytes, signature.keyHash().length, signature.signature().length);
            block.append("\u2014 ").append(signature.keyName()).append(' ').append(ReceiptFormat.base64(bytes))
                    .append('\n');
        }
        return block.toString();
    }

    private int invalid(List<String> problems) {
        out.println("INVALID");
        problems.forEach(problem -> out.println("  " + problem));
        return INVALID;
    }

    private int usage(String problem) {
        out.println("error: " + problem);
        out.println(USAGE_TEXT);
        return USAGE;
    }

    private static Map<String, List<String>> options(String[] args) {
        Map<String, List<String>> options = new HashMap<>();
        for (int i = 1; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --name value, got " + args[i]);
            }
            options.computeIfAbsent(args[i].substring(2), name -> new ArrayList<>()).add(args[++i]);
        }
        return options;
    }

    private static String single(Map<String, List<String>> options, String name, boolean required) {
        List<String> values = options.get(name);
        if (values == null) {
            if (required) {
                throw new UsageException("--" + name + " is required");
            }
            return null;
        }
        if (values.size() > 1) {
            throw new UsageException("--" + name + " is given twice");
        }
        return values.get(0);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UsageException("cannot read " + file + ": " + e.getMessage());
        }
    }

    private static void writeAtomically(Path file, String text) throws IOException {
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(temporary, text, StandardCharsets.UTF_8);
        Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    /** A mistake in the command line: exit status 2. */
    private static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message, null, false, false);
        }
    }
}
