package io.aitbc.coordinator.receipt.verify;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Verifies receipts against trusted coordinator keys, without the coordinator: needs only the JDK,
 * BouncyCastle and Jackson. The gateway's {@code POST /v1/receipts/verify} and the offline
 * {@code receipt-verifier.jar} both answer with this class's verdicts.
 *
 * <p>A receipt is valid when all of these hold; each failure is one line in
 * {@link ReceiptVerdict#problems()}:
 * <ul>
 *   <li>it is in its canonical form: a receipt given as text must be its RFC 8785 bytes, apart
 *       from whitespace between tokens (so reordered members, other escapes or number spellings
 *       are refused); a receipt given as a {@link JsonNode} must keep canonical member order;</li>
 *   <li>it has the version 2 shape of {@link ReceiptFormat}: every member present, strings and the
 *       one integer only, digests, times and amounts well formed, {@code price = units x unit_price};</li>
 *   <li>its signature is a canonical Ed25519 signature (S &lt; L) over the signed bytes, by a key whose
 *       id matches the key, which is a valid prime-order point, which is trusted, and whose validity
 *       period contains {@code completed_at};</li>
 *   <li>a miner attestation, when present, verifies under the miner's key (and that key is the one
 *       the miner registered, when the verifier knows the registrations);</li>
 *   <li>when a log check is given, the receipt's leaf is in the log at {@code log_index}.</li>
 * </ul>
 */
public final class ReceiptVerifier {

    /** Decides whether a receipt's leaf is in the log; answers {@code null} when it is, else why not. */
    @FunctionalInterface
    public interface InclusionCheck {
        String problem(long logIndex, byte[] leafHash);
    }

    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern DECIMAL = Pattern.compile("(0|[1-9][0-9]*)(\\.[0-9]*[1-9])?");
    private static final ObjectMapper STRICT_JSON = new ObjectMapper(JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build());

    private final Map<String, TrustedKey> trustedKeys;
    private final Function<String, byte[]> registeredMinerKeys;
    private final Clock clock;

    /** A verifier that trusts {@code trustedKeys} and takes a miner attestation's key as it stands. */
    public ReceiptVerifier(Collection<TrustedKey> trustedKeys) {
        this(trustedKeys, minerId -> null, Clock.systemUTC());
    }

    /**
     * @param registeredMinerKeys the raw public key each miner registered, or {@code null} when the
     *                            verifier does not know it; a known key must be the attestation's key
     */
    public ReceiptVerifier(Collection<TrustedKey> trustedKeys, Function<String, byte[]> registeredMinerKeys,
            Clock clock) {
        Map<String, TrustedKey> byId = new LinkedHashMap<>();
        for (TrustedKey key : trustedKeys) {
            byId.put(key.keyId(), key);
        }
        this.trustedKeys = Map.copyOf(byId);
        this.registeredMinerKeys = Objects.requireNonNull(registeredMinerKeys, "registeredMinerKeys");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    public Collection<TrustedKey> trustedKeys() {
        return trustedKeys.values();
    }

    /**
     * Verifies a parsed receipt. Member order is checked; escapes and number spellings cannot be seen
     * in a parsed tree, so prefer {@link #verify(String, InclusionCheck)} when the text is at hand.
     *
     * @throws CanonicalizationException when the receipt holds a value with no canonical form
     */
    public ReceiptVerdict verify(JsonNode receipt) {
        Findings findings = new Findings();
        if (receipt != null && receipt.isObject() && !Jcs.canonicalString(receipt).equals(Jcs.asGiven(receipt))) {
            findings.problem("receipt is not in canonical form (members out of RFC 8785 order)");
        }
        check(receipt, findings, null);
        return findings.verdict(clock);
    }

    /**
     * Verifies a receipt given as JSON text, checking that the text is the receipt's canonical form.
     *
     * @param inclusion how to check the receipt is in the log, or {@code null} to leave
     *                  {@code included_in_log} unanswered
     * @throws CanonicalizationException when the text is not JSON, repeats a member, or holds a value
     *                                   with no canonical form
     */
    public ReceiptVerdict verify(String receiptJson, InclusionCheck inclusion) {
        JsonNode receipt = parseStrict(receiptJson);
        Findings findings = new Findings();
        if (receipt.isObject() && !isCanonicalText(receiptJson, receipt)) {
            findings.problem("receipt is not in canonical form (RFC 8785 member order, escapes and numbers)");
        }
        check(receipt, findings, inclusion);
        return findings.verdict(clock);
    }

    /**
     * Verifies a bundle as {@code GET /v1/receipts/{job_id}?proof=true} answers it:
     * {@code {"receipt": {…}, "inclusion_proof": {"log_index", "tree_size", "hashes": [base64…]},
     * "checkpoint": "<signed note>"}}. On top of {@link #verify(String, InclusionCheck)}: the
     * checkpoint must be signed by a trusted key, the proof must be for the receipt's index and the
     * checkpoint's size, and lead from the receipt's leaf to the checkpoint's root.
     *
     * @throws CanonicalizationException when the text is not JSON or holds a value with no canonical form
     */
    public ReceiptVerdict verifyBundle(String bundleJson) {
        JsonNode bundle = parseStrict(bundleJson);
        String receiptJson = bundle.isObject() ? rawMember(bundleJson, "receipt") : null;
        if (receiptJson == null) {
            Findings findings = new Findings();
            findings.problem("bundle has no receipt object");
            return findings.verdict(clock);
        }
        return verify(receiptJson, (logIndex, leafHash) -> bundleInclusionProblem(bundle, logIndex, leafHash));
    }

    /** Why the bundle's proof and checkpoint do not show the leaf in the log, or {@code null}. */
    private String bundleInclusionProblem(JsonNode bundle, long logIndex, byte[] leafHash) {
        JsonNode checkpointText = bundle.get("checkpoint");
        if (checkpointText == null || !checkpointText.isTextual()) {
            return "bundle has no checkpoint";
        }
        SignedCheckpoint checkpoint;
        try {
            checkpoint = SignedCheckpoint.parse(checkpointText.textValue());
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        if (checkpoint.signedBy(trustedKeys.values()) == null) {
            return "checkpoint signature does not verify under any trusted key";
        }
        JsonNode proof = bundle.get("inclusion_proof");
        List<byte[]> hashes = proof == null ? null : hashes(proof.get("hashes"));
        if (proof == null || hashes == null || !proof.path("log_index").canConvertToLong()
                || !proof.path("tree_size").canConvertToLong()) {
            return "bundle has no well-formed inclusion_proof";
        }
        if (proof.get("log_index").longValue() != logIndex) {
            return "inclusion proof is for log index " + proof.get("log_index").longValue()
                    + ", not the receipt's " + logIndex;
        }
        if (proof.get("tree_size").longValue() != checkpoint.treeSize()) {
            return "inclusion proof is for tree size " + proof.get("tree_size").longValue()
                    + ", not the checkpoint's " + checkpoint.treeSize();
        }
        if (!MerkleTree.verifyInclusion(logIndex, checkpoint.treeSize(), leafHash, hashes, checkpoint.rootHash())) {
            return "inclusion proof does not lead from the receipt's leaf to the checkpoint's root";
        }
        return null;
    }

    /** Base64 hashes of a proof, or {@code null} when any is malformed. */
    public static List<byte[]> hashes(JsonNode array) {
        if (array == null || !array.isArray()) {
            return null;
        }
        List<byte[]> hashes = new ArrayList<>(array.size());
        for (JsonNode item : array) {
            byte[] hash = item.isTextual() ? ReceiptFormat.decodeBase64(item.textValue()) : null;
            if (hash == null || hash.length != MerkleTree.HASH_SIZE) {
                return null;
            }
            hashes.add(hash);
        }
        return hashes;
    }

    /** The exact source text of a top-level member's value, so its canonical form can be checked. */
    public static String rawMember(String json, String name) {
        try (JsonParser parser = STRICT_JSON.getFactory().createParser(json)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String member = parser.currentName();
                JsonToken value = parser.nextToken();
                int start = (int) parser.currentTokenLocation().getCharOffset();
                parser.skipChildren();
                int end = (int) parser.currentLocation().getCharOffset();
                if (member.equals(name)) {
                    return value == JsonToken.START_OBJECT ? json.substring(start, end) : null;
                }
            }
            return null;
        } catch (IOException e) {
            throw new CanonicalizationException("The text is not well-formed JSON: " + e.getMessage());
        }
    }

    /**
     * Parses JSON text refusing duplicate member names, which would let two readers see two receipts.
     *
     * @throws CanonicalizationException when the text is not a single well-formed JSON value
     */
    public static JsonNode parseStrict(String json) {
        try {
            JsonNode node = STRICT_JSON.readTree(json);
            if (node == null || node.isMissingNode()) {
                throw new CanonicalizationException("The text holds no JSON value");
            }
            Jcs.requireCanonicalizable(node);
            return node;
        } catch (JsonProcessingException e) {
            throw new CanonicalizationException("The text is not well-formed JSON: " + e.getOriginalMessage());
        }
    }

    /** True when {@code json}, without whitespace between tokens, is exactly the RFC 8785 form of {@code node}. */
    public static boolean isCanonicalText(String json, JsonNode node) {
        return withoutInsignificantWhitespace(json).equals(Jcs.canonicalString(node));
    }

    private void check(JsonNode receipt, Findings findings, InclusionCheck inclusion) {
        if (receipt == null || !receipt.isObject()) {
            findings.problem("receipt is not a JSON object");
            return;
        }
        checkShape(receipt, findings);
        checkCoordinatorSignature(receipt, findings);
        checkAttestations(receipt, findings);
        if (inclusion != null) {
            JsonNode logIndex = receipt.get(ReceiptFormat.LOG_INDEX);
            if (logIndex == null || !logIndex.canConvertToLong()) {
                findings.includedInLog = false;
                return;
            }
            byte[] leafHash = MerkleTree.leafHash(ReceiptFormat.leafBytes(receipt));
            String problem = inclusion.problem(logIndex.longValue(), leafHash);
            findings.includedInLog = problem == null;
            if (problem != null) {
                findings.problem(problem);
            }
        }
    }

    private void checkShape(JsonNode receipt, Findings findings) {
        for (String field : ReceiptFormat.STRING_FIELDS) {
            JsonNode value = receipt.get(field);
            if (value == null || !value.isTextual()) {
                findings.problem(field + " is missing or not a string");
            }
        }
        JsonNode logIndex = receipt.get(ReceiptFormat.LOG_INDEX);
        if (logIndex == null || !logIndex.isIntegralNumber() || !logIndex.canConvertToLong()
                || logIndex.longValue() < 0) {
            findings.problem("log_index is missing or not a non-negative integer");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = receipt.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> member = it.next();
            String name = member.getKey();
            if (name.equals(ReceiptFormat.SIGNATURE) || name.equals(ReceiptFormat.ATTESTATIONS)) {
                continue;
            }
            if (!member.getValue().isTextual() && !member.getValue().isIntegralNumber()) {
                findings.problem(name + " is neither a string nor an integer");
            }
        }
        if (!ReceiptFormat.VERSION.equals(text(receipt, "version"))) {
            findings.problem("version is not \"" + ReceiptFormat.VERSION + "\"");
        }
        for (String digest : List.of("payload_sha256", "result_sha256")) {
            String value = text(receipt, digest);
            if (value != null && !SHA256_HEX.matcher(value).matches()) {
                findings.problem(digest + " is not 64 lowercase hex digits");
            }
        }
        for (String time : List.of("started_at", "completed_at")) {
            String value = text(receipt, time);
            if (value != null && ReceiptFormat.parseTime(value) == null) {
                findings.problem(time + " is not an RFC 3339 UTC time with milliseconds");
            }
        }
        checkAmounts(receipt, findings);
    }

    private static void checkAmounts(JsonNode receipt, Findings findings) {
        Map<String, BigDecimal> amounts = new LinkedHashMap<>();
        for (String field : List.of("units", "unit_price", "price")) {
            String value = text(receipt, field);
            if (value == null) {
                continue;
            }
            if (!DECIMAL.matcher(value).matches()) {
                findings.problem(field + " is not a canonical decimal string");
                continue;
            }
            amounts.put(field, new BigDecimal(value));
        }
        if (amounts.size() == 3
                && amounts.get("units").multiply(amounts.get("unit_price")).compareTo(amounts.get("price")) != 0) {
            findings.problem("price is not units x unit_price");
        }
    }

    private void checkCoordinatorSignature(JsonNode receipt, Findings findings) {
        JsonNode signature = receipt.get(ReceiptFormat.SIGNATURE);
        if (signature == null || !signature.isObject()) {
            findings.problem("signature is missing");
            return;
        }
        if (!ReceiptFormat.ALGORITHM.equals(text(signature, "alg"))) {
            findings.problem("signature.alg is not Ed25519");
        }
        String keyId = text(signature, "key_id");
        byte[] publicKey = decoded(text(signature, "public_key"), false);
        byte[] sig = decoded(text(signature, "sig"), true);
        if (publicKey == null || publicKey.length != Ed25519Signatures.KEY_SIZE) {
            findings.problem("signature.public_key is not a base64 32-byte key");
            return;
        }
        if (sig == null || sig.length != Ed25519Signatures.SIGNATURE_SIZE) {
            findings.problem("signature.sig is not a base64url 64-byte signature");
            return;
        }
        if (!ReceiptFormat.keyId(publicKey).equals(keyId)) {
            findings.problem("signature.key_id does not match signature.public_key");
        }
        String keyProblem = Ed25519Signatures.publicKeyProblem(publicKey);
        if (keyProblem != null) {
            findings.problem("signing key rejected: " + keyProblem);
        }
        if (!Ed25519Signatures.hasCanonicalScalar(sig)) {
            findings.problem("signature is not canonical (S >= L)");
        }
        boolean signatureValid = keyProblem == null
                && Ed25519Signatures.verify(publicKey, ReceiptFormat.signedBytes(receipt), sig);
        findings.signatureValid = signatureValid;
        if (!signatureValid && keyProblem == null && Ed25519Signatures.hasCanonicalScalar(sig)) {
            findings.problem("signature does not verify over the receipt's canonical bytes");
        }
        TrustedKey trusted = keyId == null ? null : trustedKeys.get(keyId);
        if (trusted == null || !trusted.sameKey(publicKey)) {
            findings.problem("signing key " + keyId + " is not a trusted coordinator key");
            return;
        }
        Instant completedAt = ReceiptFormat.parseTime(text(receipt, "completed_at"));
        if (completedAt != null && !trusted.covers(completedAt)) {
            findings.problem("receipt completed at " + ReceiptFormat.formatTime(completedAt)
                    + ", outside the validity of key " + keyId + " (" + period(trusted) + ")");
            return;
        }
        findings.keyKnown = true;
        if (signatureValid) {
            findings.coordinatorAttestations.add(keyId);
        }
    }

    private void checkAttestations(JsonNode receipt, Findings findings) {
        JsonNode attestations = receipt.get(ReceiptFormat.ATTESTATIONS);
        if (attestations == null) {
            return;
        }
        if (!attestations.isArray()) {
            findings.problem("attestations is not an array");
            return;
        }
        for (JsonNode attestation : attestations) {
            String type = text(attestation, "type");
            if (!ReceiptFormat.MINER_ATTESTATION.equals(type)) {
                findings.problem("attestation of unknown type " + type);
                continue;
            }
            boolean valid = checkMinerAttestation(receipt, attestation, findings);
            findings.minerSignatureValid = (findings.minerSignatureValid == null || findings.minerSignatureValid)
                    && valid;
        }
    }

    private boolean checkMinerAttestation(JsonNode receipt, JsonNode attestation, Findings findings) {
        byte[] publicKey = decoded(text(attestation, "public_key"), false);
        byte[] sig = decoded(text(attestation, "sig"), true);
        if (publicKey == null || publicKey.length != Ed25519Signatures.KEY_SIZE
                || sig == null || sig.length != Ed25519Signatures.SIGNATURE_SIZE) {
            findings.problem("miner attestation has no well-formed public_key and sig");
            return false;
        }
        if (!ReceiptFormat.keyId(publicKey).equals(text(attestation, "key_id"))) {
            findings.problem("miner attestation key_id does not match its public_key");
            return false;
        }
        String keyProblem = Ed25519Signatures.publicKeyProblem(publicKey);
        if (keyProblem != null) {
            findings.problem("miner key rejected: " + keyProblem);
            return false;
        }
        if (!Ed25519Signatures.hasCanonicalScalar(sig)) {
            findings.problem("miner signature is not canonical (S >= L)");
            return false;
        }
        String minerId = text(receipt, "miner_id");
        byte[] registered = minerId == null ? null : registeredMinerKeys.apply(minerId);
        if (registered != null && !Arrays.equals(registered, publicKey)) {
            findings.problem("miner attestation key is not the key miner " + minerId + " registered");
            return false;
        }
        byte[] message = ReceiptFormat.minerAttestationMessage(String.valueOf(text(receipt, "job_id")),
                String.valueOf(text(receipt, "result_sha256")));
        if (!Ed25519Signatures.verify(publicKey, message, sig)) {
            findings.problem("miner signature does not verify over the job id and result digest");
            return false;
        }
        return true;
    }

    private static byte[] decoded(String text, boolean url) {
        if (text == null) {
            return null;
        }
        return url ? ReceiptFormat.decodeBase64Url(text) : ReceiptFormat.decodeBase64(text);
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node == null ? null : node.get(field);
        return value != null && value.isTextual() ? value.textValue() : null;
    }

    private static String period(TrustedKey key) {
        return (key.validFrom() == null ? "-" : ReceiptFormat.formatTime(key.validFrom())) + " .. "
                + (key.validUntil() == null ? "-" : ReceiptFormat.formatTime(key.validUntil()));
    }

    /** Removes whitespace outside strings; what remains is compared with the canonical text. */
    static String withoutInsignificantWhitespace(String json) {
        StringBuilder out = new StringBuilder(json.length());
        boolean inString = false;
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            if (inString) {
                out.append(c);
                if (c == '\\' && i + 1 < json.length()) {
                    out.append(json.charAt(++i));
                } else if (c == '"') {
                    inString = false;
                }
            } else if (c == '"') {
                inString = true;
                out.append(c);
            } else if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** What one verification has found so far. */
    private static final class Findings {
        private final List<String> problems = new ArrayList<>();
        private final List<String> coordinatorAttestations = new ArrayList<>();
        private boolean signatureValid;
        private boolean keyKnown;
        private Boolean minerSignatureValid;
        private Boolean includedInLog;

        void problem(String problem) {
            problems.add(problem);
        }

        ReceiptVerdict verdict(Clock clock) {
            return new ReceiptVerdict(problems.isEmpty(), signatureValid, keyKnown, minerSignatureValid,
                    coordinatorAttestations, includedInLog, problems, ReceiptFormat.formatTime(clock.instant()));
        }
    }
}
