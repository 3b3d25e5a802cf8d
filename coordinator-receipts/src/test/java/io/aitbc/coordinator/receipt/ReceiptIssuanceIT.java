package io.aitbc.coordinator.receipt;

import com.fasterxml.jackson.databind.JsonNode;
import io.aitbc.coordinator.common.api.CommandRejectedException;
import io.aitbc.coordinator.receipt.verify.CanonicalizationException;
import io.aitbc.coordinator.receipt.verify.Ed25519Signatures;
import io.aitbc.coordinator.receipt.verify.MerkleTree;
import io.aitbc.coordinator.receipt.verify.ReceiptFormat;
import io.aitbc.coordinator.receipt.verify.ReceiptVerdict;
import io.aitbc.coordinator.receipt.verify.ReceiptVerifier;
import io.aitbc.coordinator.receipt.verify.SignedCheckpoint;
import io.aitbc.coordinator.receipt.verify.TrustedKey;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Receipts issued from real completion events on PostgreSQL, as the gateway reads them. */
@SpringBootTest(classes = ReceiptsTestApplication.class)
class ReceiptIssuanceIT {

    @Autowired
    private CommandGateway commandGateway;

    @Autowired
    private ReceiptService receipts;

    private CompletedJobs jobs;

    @BeforeEach
    void setUp() {
        jobs = new CompletedJobs(commandGateway);
    }

    @Test
    void completedJobGetsAReceiptThatVerifiesWithMinerAttestation() {
        // given
        byte[] minerKey = Ed25519Signatures.newPrivateKey();
        String minerId = jobs.registerMiner(minerKey);

        // when
        String jobId = jobs.complete(minerId, minerKey);

        // then
        ReceiptDocument receipt = awaitReceipt(jobId);
        JsonNode json = ReceiptVerifier.parseStrict(receipt.json());
        assertThat(json.get("version").textValue()).isEqualTo("2");
        assertThat(json.get("units").textValue()).isEqualTo("1420");
        assertThat(json.get("unit_price").textValue()).isEqualTo("0.000002");
        assertThat(json.get("price").textValue()).isEqualTo("0.00284");
        assertThat(json.get("log_index").longValue()).isEqualTo(receipt.logIndex());
        assertThat(json.get("attestations").get(0).get("type").textValue()).isEqualTo("miner");
        ReceiptVerdict verdict = receipts.verify("{\"receipt\": " + receipt.json() + "}");
        assertThat(verdict.problems()).isEmpty();
        assertThat(verdict.valid()).isTrue();
        assertThat(verdict.minerSignatureValid()).isTrue();
        assertThat(verdict.includedInLog()).isTrue();
        assertThat(verdict.coordinatorAttestations()).containsExactly(json.get("signature").get("key_id").textValue());
    }

    @Test
    void receiptWithoutMinerKeyHasNoAttestation() {
        String minerId = jobs.registerMiner(null);

        String jobId = jobs.complete(minerId, null);

        ReceiptDocument receipt = awaitReceipt(jobId);
        assertThat(ReceiptVerifier.parseStrict(receipt.json()).has("attestations")).isFalse();
        ReceiptVerdict verdict = receipts.verifyReceipt(receipt.json());
        assertThat(verdict.valid()).isTrue();
        assertThat(verdict.minerSignatureValid()).isNull();
    }

    @Test
    void bundleVerifiesOfflineAgainstThePublishedKeys() {
        byte[] minerKey = Ed25519Signatures.newPrivateKey();
        String jobId = jobs.complete(jobs.registerMiner(minerKey), minerKey);
        awaitReceipt(jobId);

        ReceiptBundle bundle = receipts.findBundle(jobId).orElseThrow();

        ReceiptVerdict verdict = new ReceiptVerifier(trustedKeys()).verifyBundle(bundle.json());
        assertThat(verdict.problems()).isEmpty();
        assertThat(verdict.includedInLog()).isTrue();
        assertThat(verdict.minerSignatureValid()).isTrue();
    }

    @Test
    void checkpointsAreSignedWithinASecondAndStayConsistent() {
        String minerId = jobs.registerMiner(null);
        awaitReceipt(jobs.complete(minerId, null));
        LogCheckpoint first = awaitCheckpointOfCurrentSize();

        awaitReceipt(jobs.complete(minerId, null));
        awaitReceipt(jobs.complete(minerId, null));
        LogCheckpoint second = awaitCheckpointOfCurrentSize();

        SignedCheckpoint older = SignedCheckpoint.parse(first.checkpoint());
        SignedCheckpoint newer = SignedCheckpoint.parse(second.checkpoint());
        assertThat(newer.signedBy(trustedKeys())).isNotNull();
        assertThat(newer.origin()).isEqualTo("aitbc-coordinator/receipts");
        ConsistencyProof proof = receipts.consistencyProof(older.treeSize(), newer.treeSize());
        assertThat(MerkleTree.verifyConsistency(older.treeSize(), newer.treeSize(), older.rootHash(),
                newer.rootHash(), decode(proof.hashes()))).isTrue();
    }

    @Test
    void inclusionProofsAndEntriesMatchTheLog() {
        String minerId = jobs.registerMiner(null);
        String jobId = jobs.complete(minerId, null);
        ReceiptDocument receipt = awaitReceipt(jobId);
        SignedCheckpoint checkpoint = SignedCheckpoint.parse(awaitCheckpointOfCurrentSize().checkpoint());

        InclusionProof proof = receipts.inclusionProof(receipt.logIndex(), checkpoint.treeSize());
        LogEntries entries = receipts.entries(receipt.logIndex(), receipt.logIndex());

        byte[] leafHash = MerkleTree.leafHash(receipt.json().getBytes(StandardCharsets.UTF_8));
        assertThat(MerkleTree.verifyInclusion(receipt.logIndex(), checkpoint.treeSize(), leafHash,
                decode(proof.hashes()), checkpoint.rootHash())).isTrue();
        assertThat(entries.entries()).singleElement()
                .satisfies(entry -> assertThat(entry.receipt()).isEqualTo(receipt.json()))
                .satisfies(entry -> assertThat(entry.leafHash()).isEqualTo(ReceiptFormat.base64(leafHash)));
        assertThat(ReceiptVerifier.parseStrict(entries.json()).get("entries").get(0).get("receipt").get("job_id")
                .textValue()).isEqualTo(jobId);
    }

    @Test
    void rangesOutsideTheLogAreRefused() {
        long size = receipts.checkpoint().treeSize();

        assertThatThrownBy(() -> receipts.inclusionProof(0, size + 1))
                .isInstanceOfSatisfying(CommandRejectedException.class,
                        e -> assertThat(e.code()).isEqualTo("VALIDATION_FAILED"));
        assertThatThrownBy(() -> receipts.consistencyProof(2, 1)).isInstanceOf(CommandRejectedException.class);
        assertThatThrownBy(() -> receipts.entries(size, size + 5)).isInstanceOf(CommandRejectedException.class);
    }

    @Test
    void rotationSignsNewReceiptsWithTheNewKeyAndOldOnesStillVerify() {
        String minerId = jobs.registerMiner(null);
        ReceiptDocument before = awaitReceipt(jobs.complete(minerId, null));
        String oldKey = keyIdOf(before);

        SigningKeyView rotated = receipts.rotateKey();
        ReceiptDocument after = awaitReceipt(jobs.complete(minerId, null));

        assertThat(keyIdOf(after)).isEqualTo(rotated.keyId()).isNotEqualTo(oldKey);
        assertThat(receipts.verifyReceipt(before.json()).valid()).isTrue();
        assertThat(receipts.verifyReceipt(after.json()).valid()).isTrue();
        List<SigningKeyView> keys = receipts.keys();
        assertThat(keys).filteredOn(SigningKeyView::current).singleElement()
                .satisfies(key -> assertThat(key.keyId()).isEqualTo(rotated.keyId()));
        assertThat(keys).filteredOn(key -> key.keyId().equals(oldKey)).singleElement()
                .satisfies(key -> assertThat(key.validUntil()).isEqualTo(rotated.validFrom()));
    }

    @Test
    void verifyRefusesStringsWithoutCanonicalForm() {
        assertThatThrownBy(() -> receipts.verify("{\"receipt\": {\"job_id\": \"\\ud800\"}}"))
                .isInstanceOf(CanonicalizationException.class);
        assertThatThrownBy(() -> receipts.verify("{\"receipt\": "))
                .isInstanceOf(CanonicalizationException.class);
    }

    @Test
    void unknownJobHasNoReceipt() {
        assertThat(receipts.findByJobId("job_unknown")).isEmpty();
        assertThat(receipts.findBundle("job_unknown")).isEmpty();
    }

    private ReceiptDocument awaitReceipt(String jobId) {
        return await().atMost(Duration.ofSeconds(15))
                .until(() -> receipts.findByJobId(jobId), Optional::isPresent)
                .orElseThrow();
    }

    /** Waits for the publisher's own checkpoint (it must come within a second), never signing one here. */
    private LogCheckpoint awaitCheckpointOfCurrentSize() {
        long size = receipts.logSize();
        return await().atMost(Duration.ofMillis(1500))
                .until(receipts::latestStoredCheckpoint,
                        checkpoint -> checkpoint.isPresent() && checkpoint.get().treeSize() >= size)
                .orElseThrow();
    }

    private List<TrustedKey> trustedKeys() {
        return receipts.trustedKeys();
    }

    private static String keyIdOf(ReceiptDocument receipt) {
        return ReceiptVerifier.parseStrict(receipt.json()).get("signature").get("key_id").textValue();
    }

    private static List<byte[]> decode(List<String> hashes) {
        return hashes.stream().map(ReceiptFormat::decodeBase64).toList();
    }
}
