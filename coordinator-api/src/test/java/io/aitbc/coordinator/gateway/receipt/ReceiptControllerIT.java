package io.aitbc.coordinator.gateway.receipt;

import com.fasterxml.jackson.databind.JsonNode;
import io.aitbc.coordinator.receipt.verify.Ed25519Signatures;
import io.aitbc.coordinator.receipt.verify.Jcs;
import io.aitbc.coordinator.receipt.verify.MerkleTree;
import io.aitbc.coordinator.receipt.verify.ReceiptFormat;
import io.aitbc.coordinator.receipt.verify.ReceiptVerdict;
import io.aitbc.coordinator.receipt.verify.ReceiptVerifier;
import io.aitbc.coordinator.receipt.verify.SignedCheckpoint;
import io.aitbc.coordinator.receipt.verify.TrustedKey;
import io.aitbc.coordinator.testsupport.CoordinatorTestClient;
import io.aitbc.coordinator.testsupport.CoordinatorTestClient.Key;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.context.ActiveProfiles;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Receipts over HTTP: issued on completion, served as signed bytes, verified and proved in the log. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ActiveProfiles("test")
class ReceiptControllerIT {

    @LocalServerPort
    int port;

    CoordinatorTestClient api;
    Key client;
    Key miner;
    byte[] minerPrivateKey;
    String region;

    @BeforeEach
    void setUp() {
        api = new CoordinatorTestClient(port);
        client = api.createKey("client");
        miner = api.createKey("miner");
        minerPrivateKey = Ed25519Signatures.newPrivateKey();
        region = "receipts-" + UUID.randomUUID();
        api.json(api.post(miner, "/v1/miners/register", Map.of(
                "capabilities", Map.of("gpus", List.of(Map.of("name", "NVIDIA A100", "memory_mb", 81920)),
                        "job_types", List.of("ai-inference")),
                "concurrency", 2,
                "region", region,
                "price", "0.000002",
                "unit_type", "tokens",
                "public_key", ReceiptFormat.base64(Ed25519Signatures.publicKey(minerPrivateKey)))), 200);
    }

    @Test
    void completedJobHasASignedReceiptThatVerifies() {
        // given
        String jobId = completeSignedJob();

        // when
        String receipt = awaitReceipt(client, jobId);
        JsonNode verdict = api.json(api.http().post().uri("/v1/receipts/verify")
                .header("X-API-Key", client.secret())
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"receipt\": " + receipt + "}")
                .exchange(), 200);

        // then
        JsonNode parsed = ReceiptVerifier.parseStrict(receipt);
        assertThat(Jcs.canonicalString(parsed)).isEqualTo(receipt);
        assertThat(parsed.get("job_id").asText()).isEqualTo(jobId);
        assertThat(parsed.get("price").asText()).isEqualTo("0.00284");
        assertThat(verdict.get("valid").asBoolean()).isTrue();
        assertThat(verdict.get("signature_valid").asBoolean()).isTrue();
        assertThat(verdict.get("key_known").asBoolean()).isTrue();
        assertThat(verdict.get("miner_signature_valid").asBoolean()).isTrue();
        assertThat(verdict.get("included_in_log").asBoolean()).isTrue();
        assertThat(verdict.get("problems")).isEmpty();
        assertThat(verdict.get("verified_at").asText()).endsWith("Z");
        assertThat(api.get(client, "/v1/receipts/" + jobId).expectBody(String.class).returnResult()
                .getResponseBody()).isEqualTo(receipt);
    }

    @Test
    void bundleVerifiesOfflineWithThePublishedKeys() {
        String jobId = completeSignedJob();
        awaitReceipt(client, jobId);

        String bundle = api.get(client, "/v1/receipts/" + jobId + "?proof=true")
                .expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody();
        JsonNode keys = api.json(api.get(client, "/v1/receipts/keys"), 200);

        ReceiptVerdict verdict = new ReceiptVerifier(trusted(keys)).verifyBundle(bundle);
        assertThat(verdict.problems()).isEmpty();
        assertThat(verdict.includedInLog()).isTrue();
        assertThat(verdict.minerSignatureValid()).isTrue();
        assertThat(keys.get("keys")).anySatisfy(key -> assertThat(key.get("current").asBoolean()).isTrue());
    }

    @Test
    void otherClientsCannotSeeTheReceipt() {
        String jobId = completeSignedJob();
        awaitReceipt(client, jobId);
        Key stranger = api.createKey("client");

        JsonNode error = api.json(api.get(stranger, "/v1/jobs/" + jobId + "/receipt"), 404);

        assertThat(error.get("error").get("code").asText()).isEqualTo("RECEIPT_NOT_FOUND");
        assertThat(api.json(api.get(miner, "/v1/receipts/" + jobId), 200).get("job_id").asText()).isEqualTo(jobId);
    }

    @Test
    void tamperedReceiptIsReportedInvalid() {
        String jobId = completeSignedJob();
        String receipt = awaitReceipt(client, jobId);

        JsonNode verdict = api.json(api.http().post().uri("/v1/receipts/verify")
                .header("X-API-Key", client.secret())
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"receipt\": " + receipt.replace("\"price\":\"0.00284\"", "\"price\":\"0.00001\"") + "}")
                .exchange(), 200);

        assertThat(verdict.get("valid").asBoolean()).isFalse();
        assertThat(verdict.get("signature_valid").asBoolean()).isFalse();
        assertThat(verdict.get("included_in_log").asBoolean()).isFalse();
        assertThat(verdict.get("problems").size()).isPositive();
    }

    @Test
    void loneSurrogateIsRefusedWith400() {
        JsonNode error = api.json(api.http().post().uri("/v1/receipts/verify")
                .header("X-API-Key", client.secret())
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"receipt\": {\"job_id\": \"job_\\ud800\"}}")
                .exchange(), 400);

        assertThat(error.get("error").get("code").asText()).isEqualTo("INVALID_REQUEST");
        assertThat(error.get("error").get("message").asText()).contains("lone surrogate");
    }

    @Test
    void onlyAnAdminRotatesAndOldReceiptsKeepVerifying() {
        String jobId = completeSignedJob();
        String before = awaitReceipt(client, jobId);
        Key admin = new Key("admin", CoordinatorTestClient.ADMIN_KEY, "admin");

        api.json(api.post(client, "/v1/admin/receipts/keys/rotate", Map.of()), 403);
        JsonNode rotated = api.json(api.post(admin, "/v1/admin/receipts/keys/rotate", Map.of()), 200);
        String after = awaitReceipt(client, completeSignedJob());

        JsonNode keys = api.json(api.get(client, "/v1/receipts/keys"), 200);
        assertThat(rotated.get("current").asBoolean()).isTrue();
        assertThat(ReceiptVerifier.parseStrict(after).get("signature").get("key_id").asText())
                .isEqualTo(rotated.get("key_id").asText());
        assertThat(keys.get("keys").size()).isGreaterThanOrEqualTo(2);
        assertThat(new ReceiptVerifier(trusted(keys)).verify(before, null).valid()).isTrue();
        assertThat(new ReceiptVerifier(trusted(keys)).verify(after, null).valid()).isTrue();
    }

    @Test
    void logEndpointsProveInclusionAndConsistency() {
        String first = awaitReceipt(client, completeSignedJob());
        JsonNode older = api.json(api.get(client, "/v1/receipts/log/checkpoint"), 200);
        awaitReceipt(client, completeSignedJob());
        JsonNode newer = api.json(api.get(client, "/v1/receipts/log/checkpoint"), 200);
        long index = ReceiptVerifier.parseStrict(first).get("log_index").asLong();
        long oldSize = older.get("tree_size").asLong();
        long newSize = newer.get("tree_size").asLong();

        JsonNode inclusion = api.json(api.get(client, "/v1/receipts/log/proof/inclusion?index=" + index
                + "&size=" + newSize), 200);
        JsonNode consistency = api.json(api.get(client, "/v1/receipts/log/proof/consistency?from=" + oldSize
                + "&to=" + newSize), 200);

        SignedCheckpoint checkpoint = SignedCheckpoint.parse(newer.get("checkpoint").asText());
        byte[] leaf = MerkleTree.leafHash(first.getBytes(StandardCharsets.UTF_8));
        assertThat(checkpoint.treeSize()).isEqualTo(newSize);
        assertThat(MerkleTree.verifyInclusion(index, newSize, leaf, hashes(inclusion), checkpoint.rootHash()))
                .isTrue();
        assertThat(MerkleTree.verifyConsistency(oldSize, newSize,
                SignedCheckpoint.parse(older.get("checkpoint").asText()).rootHash(), checkpoint.rootHash(),
                hashes(consistency))).isTrue();
    }

    @Test
    void badRangesAnswerTheErrorEnvelope() {
        JsonNode tooLarge = api.json(api.get(client, "/v1/receipts/log/proof/inclusion?index=0&size=999999999"), 400);
        JsonNode missing = api.json(api.get(client, "/v1/receipts/log/proof/consistency?from=1"), 400);

        assertThat(tooLarge.get("error").get("code").asText()).isEqualTo("VALIDATION_FAILED");
        assertThat(missing.get("error").get("code").asText()).isEqualTo("INVALID_REQUEST");
    }

    @Test
    void onlyAuditorsAndAdminsPageThroughEntries() {
        String receipt = awaitReceipt(client, completeSignedJob());
        long index = ReceiptVerifier.parseStrict(receipt).get("log_index").asLong();
        Key auditor = api.createKey("auditor");

        api.json(api.get(client, "/v1/receipts/log/entries?start=0&end=10"), 403);
        JsonNode entries = api.json(api.get(auditor, "/v1/receipts/log/entries?start=" + index + "&end=" + index), 200);

        assertThat(entries.get("entries")).singleElement().satisfies(entry -> {
            assertThat(entry.get("log_index").asLong()).isEqualTo(index);
            assertThat(Jcs.canonicalString(entry.get("receipt"))).isEqualTo(receipt);
        });
    }

    /** Runs one job through a real poll and a result signed by the miner; answers its id. */
    private String completeSignedJob() {
        String jobId = api.submitJob(client, Map.of("type", "ai-inference", "requirements", Map.of("region", region),
                "payload", Map.of("prompt", "hello")));
        JsonNode assignment = api.poll(miner, 5);
        assertThat(assignment.get("job_id").asText()).isEqualTo(jobId);
        Map<String, Object> result = Map.of("text", "hi there");
        String resultSha256 = HexFormat.of().formatHex(ReceiptFormat.sha256(
                Jcs.canonicalize(ReceiptVerifier.parseStrict("{\"text\":\"hi there\"}"))));
        String signature = ReceiptFormat.base64(Ed25519Signatures.sign(minerPrivateKey,
                ReceiptFormat.minerAttestationMessage(jobId, resultSha256)));
        api.json(api.post(miner, "/v1/miners/" + jobId + "/result", Map.of("result", result,
                "metrics", Map.of("units", 1420, "unit_type", "tokens"), "signature", signature)), 200);
        return jobId;
    }

    private String awaitReceipt(Key key, String jobId) {
        List<String> found = new ArrayList<>();
        await().atMost(Duration.ofSeconds(15)).until(() -> {
            var result = api.get(key, "/v1/jobs/" + jobId + "/receipt").expectBody(String.class).returnResult();
            if (result.getStatus().value() == 200) {
                found.add(result.getResponseBody());
                return true;
            }
            return false;
        });
        return found.get(0);
    }

    private static List<TrustedKey> trusted(JsonNode keys) {
        List<TrustedKey> trusted = new ArrayList<>();
        for (JsonNode key : keys.get("keys")) {
            trusted.add(new TrustedKey(key.get("key_id").asText(), ReceiptFormat.decodeBase64(key.get("public_key")
                    .asText()), ReceiptFormat.parseTime(key.get("valid_from").asText()),
                    key.get("valid_until").isNull() ? null : ReceiptFormat.parseTime(key.get("valid_until").asText())));
        }
        return trusted;
    }

    private static List<byte[]> hashes(JsonNode proof) {
        List<byte[]> hashes = new ArrayList<>();
        proof.get("hashes").forEach(hash -> hashes.add(ReceiptFormat.decodeBase64(hash.asText())));
        return hashes;
    }
}
