package io.aitbc.coordinator.replay;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aitbc.coordinator.receipt.verify.Ed25519Signatures;
import io.aitbc.coordinator.receipt.verify.Jcs;
import io.aitbc.coordinator.receipt.verify.ReceiptFormat;
import io.aitbc.coordinator.replay.ReceiptChecks.SigningKey;
import io.aitbc.coordinator.replay.ReplayLedger.Completion;
import io.aitbc.coordinator.replay.ReplayLedger.Submission;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

class ReceiptChecksTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PAYLOAD_SHA256 = "a".repeat(64);
    private static final String RESULT_SHA256 = "b".repeat(64);

    private final byte[] privateKey = Ed25519Signatures.newPrivateKey();
    private final byte[] publicKey = Ed25519Signatures.publicKey(privateKey);
    private final String keyId = ReceiptFormat.keyId(publicKey);
    private final ReceiptChecks checks = new ReceiptChecks(List.of(new SigningKey(keyId,
            ReceiptFormat.base64(publicKey), "2026-01-01T00:00:00.000Z", null)), "client_1");

    private final FinalState state = new FinalState("job_1", "completed", "miner_1", "rcpt_1");
    private final Submission submission = new Submission(new TraceRow(2, Duration.ZERO, 400, 18), "job_1",
            PAYLOAD_SHA256, 0, 1);
    private final Completion completion = new Completion("job_1", "miner_1", "rcpt_1", 418, "0.000004",
            RESULT_SHA256, 2);

    @Test
    void aSignedReceiptThatMatchesTheReplayPasses() {
        assertThat(problems(signed(receipt -> { }))).isEmpty();
    }

    @Test
    void aReceiptSignedByAnUnpublishedKeyFails() {
        ReceiptChecks otherKeys = new ReceiptChecks(List.of(new SigningKey("0123456789abcdef",
                ReceiptFormat.base64(Ed25519Signatures.publicKey(Ed25519Signatures.newPrivateKey())), null, null)),
                "client_1");

        assertThat(otherKeys.problems(signed(receipt -> { }), state, submission, completion))
                .containsExactly("signing key " + keyId + " is not a trusted coordinator key");
    }

    @Test
    void aReceiptChangedAfterSigningFails() {
        String text = signed(receipt -> { }).replace("\"units\":\"418\"", "\"units\":\"419\"");

        assertThat(problems(text)).contains("signature does not verify over the receipt's canonical bytes",
                "units is \"419\", expected \"418\"");
    }

    @Test
    void aReceiptThatDisagreesWithWhatTheReplaySentFailsField() {
        String text = signed(receipt -> receipt
                .put("miner_id", "miner_2")
                .put("client_id", "client_2")
                .put("payload_sha256", "c".repeat(64))
                .put("result_sha256", "d".repeat(64))
                .put("unit_price", "0.000005")
                .put("price", "0.00209"));

        assertThat(problems(text)).containsExactlyInAnyOrder(
                "miner_id is \"miner_2\", expected \"miner_1\"",
                "client_id is \"client_2\", expected \"client_1\"",
                "payload_sha256 is \"" + "c".repeat(64) + "\", expected \"" + PAYLOAD_SHA256 + "\"",
                "result_sha256 is \"" + "d".repeat(64) + "\", expected \"" + RESULT_SHA256 + "\"",
                "unit_price is \"0.000005\", expected \"0.000004\"");
    }

    @Test
    void aPriceThatIsNotUnitsTimesUnitPriceFails() {
        assertThat(problems(signed(receipt -> receipt.put("price", "0.001673"))))
                .contains("price is \"0.001673\", expected \"0.001672\"");
    }

    @Test
    void onlyCompletedJobsNeedAReceiptAndAMissingOneIsReported() {
        Map<String, ReceiptOutcome> outcomes = checks.check(
                Map.of("job_1", state, "job_2", new FinalState("job_2", "expired", null, null)),
                Map.of(), new ReplayLedger().snapshot());

        assertThat(outcomes).containsOnlyKeys("job_1");
        assertThat(outcomes.get("job_1").verified()).isFalse();
        assertThat(outcomes.get("job_1").issued()).isFalse();
    }

    @Test
    void aKeyListWithoutUsableKeysIsAProblem() {
        ReceiptChecks broken = new ReceiptChecks(List.of(new SigningKey("k1", "not base64!", null, null)), "c");

        assertThat(broken.keyProblems()).containsExactly(
                "key k1 has no key id or no standard base64 public_key",
                "GET /v1/receipts/keys lists no usable key");
    }

    private List<String> problems(String receiptText) {
        return checks.problems(receiptText, state, submission, completion);
    }

    /** A receipt for job_1 as the coordinator would sign it, after {@code change}, as canonical text. */
    private String signed(Consumer<ObjectNode> change) {
        ObjectNode receipt = JSON.createObjectNode()
                .put("receipt_id", "rcpt_1")
                .put("version", "2")
                .put("job_id", "job_1")
                .put("job_type", "ai-inference")
                .put("client_id", "client_1")
                .put("miner_id", "miner_1")
                .put("status", "completed")
                .put("units", "418")
                .put("unit_type", "tokens")
                .put("unit_price", "0.000004")
                .put("price", "0.001672")
                .put("currency", "AITBC")
                .put("started_at", "2026-12-04T12:00:00.000Z")
                .put("completed_at", "2026-12-04T12:00:01.500Z")
                .put("payload_sha256", PAYLOAD_SHA256)
                .put("result_sha256", RESULT_SHA256)
                .put("event_id", "evt-1")
                .put("log_index", 41);
        change.accept(receipt);
        byte[] sig = Ed25519Signatures.sign(privateKey, ReceiptFormat.signedBytes(receipt));
        receipt.putObject("signature")
                .put("alg", "Ed25519")
                .put("key_id", keyId)
                .put("public_key", ReceiptFormat.base64(publicKey))
                .put("sig", ReceiptFormat.base64Url(sig));
        return Jcs.canonicalString(receipt);
    }
}
