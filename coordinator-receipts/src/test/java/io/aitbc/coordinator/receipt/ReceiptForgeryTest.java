package io.aitbc.coordinator.receipt;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aitbc.coordinator.receipt.verify.CanonicalizationException;
import io.aitbc.coordinator.receipt.verify.Ed25519Signatures;
import io.aitbc.coordinator.receipt.verify.Jcs;
import io.aitbc.coordinator.receipt.verify.ReceiptFormat;
import io.aitbc.coordinator.receipt.verify.ReceiptVerdict;
import io.aitbc.coordinator.receipt.verify.ReceiptVerifier;
import io.aitbc.coordinator.receipt.verify.SignedCheckpoint;
import io.aitbc.coordinator.receipt.verify.TrustedKey;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;

import static io.aitbc.coordinator.receipt.SampleReceipts.EPOCH;
import static io.aitbc.coordinator.receipt.SampleReceipts.ORIGIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Every forgery the verifier must refuse, one test each, after a genuine receipt that it accepts. */
class ReceiptForgeryTest {

    private final SigningKey key = SampleReceipts.key(EPOCH, null);
    private final ReceiptVerifier verifier = new ReceiptVerifier(List.of(key.trusted()));

    @Test
    void genuineReceiptIsValid() {
        String receipt = SampleReceipts.receipt(key, EPOCH.plusSeconds(60), 0);

        ReceiptVerdict verdict = verifier.verify(receipt, null);

        assertThat(verdict.problems()).isEmpty();
        assertThat(verdict.valid()).isTrue();
        assertThat(verdict.signatureValid()).isTrue();
        assertThat(verdict.keyKnown()).isTrue();
        assertThat(verdict.coordinatorAttestations()).containsExactly(key.keyId());
        assertThat(verdict.minerSignatureValid()).isNull();
        assertThat(verdict.includedInLog()).isNull();
    }

    @Test
    void genuineReceiptPrettyPrintedIsStillCanonical() {
        String receipt = SampleReceipts.receipt(key, EPOCH.plusSeconds(60), 0);

        String pretty = ReceiptVerifier.parseStrict(receipt).toPrettyString();

        assertThat(verifier.verify(pretty, null).valid()).isTrue();
    }

    @Test
    void changedFieldIsRejected() {
        String receipt = SampleReceipts.receipt(key, EPOCH.plusSeconds(60), 0);

        String forged = receipt.replace("\"price\":\"0.00284\"", "\"price\":\"0.0284\"")
                .replace("\"units\":\"1420\"", "\"units\":\"14200\"");

        ReceiptVerdict verdict = verifier.verify(forged, null);
        assertThat(forged).isNotEqualTo(receipt);
        assertThat(verdict.valid()).isFalse();
        assertThat(verdict.signatureValid()).isFalse();
        assertThat(verdict.problems()).contains("signature does not verify over the receipt's canonical bytes");
    }

    @Test
    void reorderedJsonIsRejected() {
        ObjectNode receipt = sampleReceipt();
        ObjectNode reordered = receipt.objectNode();
        reordered.set("version", receipt.get("version"));
        receipt.fields().forEachRemaining(member -> reordered.set(member.getKey(), member.getValue()));

        ReceiptVerdict fromText = verifier.verify(reordered.toString(), null);
        ReceiptVerdict fromTree = verifier.verify(reordered);

        assertThat(fromText.valid()).isFalse();
        assertThat(fromText.problems()).anyMatch(problem -> problem.startsWith("receipt is not in canonical form"));
        assertThat(fromTree.valid()).isFalse();
        assertThat(fromTree.problems()).anyMatch(problem -> problem.startsWith("receipt is not in canonical form"));
    }

    @Test
    void reEscapedJsonIsRejected() {
        String receipt = SampleReceipts.receipt(key, EPOCH.plusSeconds(60), 0);

        String reEscaped = receipt.replace("\"currency\":\"AITBC\"", "\"currency\":\"\\u0041ITBC\"");

        ReceiptVerdict verdict = verifier.verify(reEscaped, null);
        assertThat(reEscaped).isNotEqualTo(receipt);
        assertThat(verdict.valid()).isFalse();
        assertThat(verdict.problems()).anyMatch(problem -> problem.startsWith("receipt is not in canonical form"));
    }

    @Test
    void respelledNumberIsRejected() {
        String receipt = SampleReceipts.receipt(key, EPOCH.plusSeconds(60), 7);

        String respelled = receipt.replace("\"log_index\":7", "\"log_index\":7.0");

        ReceiptVerdict verdict = verifier.verify(respelled, null);
        assertThat(verdict.valid()).isFalse();
        assertThat(verdict.problems()).contains("log_index is missing or not a non-negative integer");
    }

    @Test
    void signatureWithSPlusLIsRejected() {
        ObjectNode receipt = sampleReceipt();
        ObjectNode signature = (ObjectNode) receipt.get("signature");
        byte[] sig = ReceiptFormat.decodeBase64Url(signature.get("sig").textValue());
        signature.put("sig", ReceiptFormat.base64Url(plusL(sig)));

        ReceiptVerdict verdict = verifier.verify(Jcs.canonicalString(receipt), null);

        assertThat(verdict.valid()).isFalse();
        assertThat(verdict.signatureValid()).isFalse();
        assertThat(verdict.problems()).contains("signature is not canonical (S >= L)");
    }

    @Test
    void smallOrderKeyIsRejectedEvenWhenPinned() {
        // the identity point with R = identity and S = 0 "signs" every message
        byte[] identity = HexFormat.of().parseHex("0100000000000000000000000000000000000000000000000000000000000000");
        byte[] sig = new byte[64];
        System.arraycopy(identity, 0, sig, 0, 32);
        ObjectNode receipt = sampleReceipt();
        ((ObjectNode) receipt.get("signature"))
                .put("key_id", ReceiptFormat.keyId(identity))
                .put("public_key", ReceiptFormat.base64(identity))
                .put("sig", ReceiptFormat.base64Url(sig));
        ReceiptVerifier trustingIt = new ReceiptVerifier(List.of(TrustedKey.pinned(identity)));

        ReceiptVerdict verdict = trustingIt.verify(Jcs.canonicalString(receipt), null);

        assertThat(verdict.valid()).isFalse();
        assertThat(verdict.signatureValid()).isFalse();
        assertThat(verdict.problems()).contains("signing key rejected: public key is a small-order point");
    }

    @Test
    void unknownKeyIsRejected() {
        SigningKey stranger = SampleReceipts.key(EPOCH, null);
        String receipt = SampleReceipts.receipt(stranger, EPOCH.plusSeconds(60), 0);

        ReceiptVerdict verdict = verifier.verify(receipt, null);

        assertThat(verdict.valid()).isFalse();
        assertThat(verdict.signatureValid()).isTrue();
        assertThat(verdict.keyKnown()).isFalse();
        assertThat(verdict.problems())
                .contains("signing key " + stranger.keyId() + " is not a trusted coordinator key");
    }

    @Test
    void keyIdThatDoesNotMatchTheKeyIsRejected() {
        ObjectNode receipt = sampleReceipt();
        ((ObjectNode) receipt.get("signature")).put("key_id", "0000000000000000");

        ReceiptVerdict verdict = verifier.verify(Jcs.canonicalString(receipt), null);

        assertThat(verdict.valid()).isFalse();
        assertThat(verdict.problems()).contains("signature.key_id does not match signature.public_key");
    }

    @Test
    void receiptFromARotatedOutKeyWithALaterDateIsRejected() {
        // given: the first key was retired an hour in, its successor signs from then on
        Instant rotation = EPOCH.plusSeconds(3600);
        SigningKey retired = SampleReceipts.key(EPOCH, rotation);
        SigningKey current = SampleReceipts.key(rotation, null);
        ReceiptVerifier afterRotation = new ReceiptVerifier(List.of(retired.trusted(), current.trusted()));

        // when: someone holding the retired key signs a receipt dated after the rotation
        String forged = SampleReceipts.receipt(retired, rotation.plusSeconds(60), 0);
        String genuineOld = SampleReceipts.receipt(retired, rotation.minusSeconds(60), 0);

        // then
        ReceiptVerdict verdict = afterRotation.verify(forged, null);
        assertThat(verdict.valid()).isFalse();
        assertThat(verdict.keyKnown()).isFalse();
        assertThat(verdict.problems()).anyMatch(problem -> problem.contains("outside the validity of key "
                + retired.keyId()));
        assertThat(afterRotation.verify(genuineOld, null).valid()).isTrue();
    }

    @Test
    void genuineBundleIsValid() {
        SampleReceipts.SampleLog log = SampleReceipts.log(key, 7);

        for (int index = 0; index < 7; index++) {
            ReceiptVerdict verdict = verifier.verifyBundle(log.bundle(index));

            assertThat(verdict.problems()).isEmpty();
            assertThat(verdict.includedInLog()).isTrue();
        }
    }

    @Test
    void inclusionProofForAnotherLeafIsRejected() {
        SampleReceipts.SampleLog log = SampleReceipts.log(key, 7);

        ReceiptVerdict verdict = verifier.verifyBundle(log.bundle(2, 3));

        assertThat(verdict.valid()).isFalse();
        assertThat(verdict.signatureValid()).isTrue();
        assertThat(verdict.includedInLog()).isFalse();
        assertThat(verdict.problems())
                .contains("inclusion proof does not lead from the receipt's leaf to the checkpoint's root");
    }

    @Test
    void checkpointWithABadSignatureIsRejected() {
        SampleReceipts.SampleLog log = SampleReceipts.log(key, 5);
        String note = log.checkpoint();
        int signatureStart = note.lastIndexOf(' ') + 1;
        char flipped = note.charAt(signatureStart + 10) == 'A' ? 'B' : 'A';
        String forged = note.substring(0, signatureStart + 10) + flipped + note.substring(signatureStart + 11);

        ReceiptVerdict verdict = verifier.verifyBundle(log.bundle(1, 1, forged));

        assertThat(verdict.valid()).isFalse();
        assertThat(verdict.includedInLog()).isFalse();
        assertThat(verdict.problems()).contains("checkpoint signature does not verify under any trusted key");
    }

    @Test
    void checkpointWithAnAlteredRootIsRejected() {
        SampleReceipts.SampleLog log = SampleReceipts.log(key, 5);
        SignedCheckpoint original = SignedCheckpoint.parse(log.checkpoint());
        byte[] otherRoot = ReceiptFormat.sha256("another tree".getBytes());
        String forged = log.checkpoint().replace(ReceiptFormat.base64(original.rootHash()),
                ReceiptFormat.base64(otherRoot));

        assertThat(verifier.verifyBundle(log.bundle(1, 1, forged)).problems())
                .contains("checkpoint signature does not verify under any trusted key");
    }

    @Test
    void minerAttestationVerifies() {
        byte[] minerKey = Ed25519Signatures.newPrivateKey();
        String receipt = SampleReceipts.attestedReceipt(key, EPOCH.plusSeconds(60), minerKey);
        ReceiptVerifier knowingTheMiner = new ReceiptVerifier(List.of(key.trusted()),
                minerId -> Ed25519Signatures.publicKey(minerKey), Clock.systemUTC());

        ReceiptVerdict verdict = knowingTheMiner.verify(receipt, null);

        assertThat(verdict.problems()).isEmpty();
        assertThat(verdict.minerSignatureValid()).isTrue();
    }

    @Test
    void forgedMinerAttestationIsRejected() {
        byte[] minerKey = Ed25519Signatures.newPrivateKey();
        ObjectNode receipt = (ObjectNode) ReceiptVerifier.parseStrict(
                SampleReceipts.attestedReceipt(key, EPOCH.plusSeconds(60), minerKey));
        ObjectNode attestation = (ObjectNode) receipt.get("attestations").get(0);
        byte[] otherSignature = Ed25519Signatures.sign(minerKey,
                ReceiptFormat.minerAttestationMessage("job_other", "c".repeat(64)));
        attestation.put("sig", ReceiptFormat.base64Url(otherSignature));

        ReceiptVerdict verdict = verifier.verify(Jcs.canonicalString(receipt), null);

        assertThat(verdict.valid()).isFalse();
        assertThat(verdict.signatureValid()).isTrue();
        assertThat(verdict.minerSignatureValid()).isFalse();
        assertThat(verdict.problems()).contains("miner signature does not verify over the job id and result digest");
    }

    @Test
    void minerAttestationByAKeyTheMinerNeverRegisteredIsRejected() {
        byte[] impostor = Ed25519Signatures.newPrivateKey();
        byte[] registered = Ed25519Signatures.publicKey(Ed25519Signatures.newPrivateKey());
        String receipt = SampleReceipts.attestedReceipt(key, EPOCH.plusSeconds(60), impostor);
        ReceiptVerifier knowingTheMiner = new ReceiptVerifier(List.of(key.trusted()), minerId -> registered,
                Clock.systemUTC());

        ReceiptVerdict verdict = knowingTheMiner.verify(receipt, null);

        assertThat(verdict.minerSignatureValid()).isFalse();
        assertThat(verdict.problems()).contains("miner attestation key is not the key miner miner_3 registered");
    }

    @Test
    void duplicateMembersAreRefused() {
        String receipt = SampleReceipts.receipt(key, EPOCH.plusSeconds(60), 0);

        String duplicated = "{\"price\":\"0\"," + receipt.substring(1);

        assertThatThrownBy(() -> verifier.verify(duplicated, null)).isInstanceOf(CanonicalizationException.class);
    }

    @Test
    void loneSurrogateIsRefusedNotReplaced() {
        String receipt = SampleReceipts.receipt(key, EPOCH.plusSeconds(60), 0);

        String withSurrogate = receipt.replace("\"client_id\":\"client_7\"", "\"client_id\":\"client_\\ud800\"");

        assertThatThrownBy(() -> verifier.verify(withSurrogate, null))
                .isInstanceOf(CanonicalizationException.class)
                .hasMessageContaining("lone surrogate");
    }

    @Test
    void floatsAndBooleansAreNotReceiptValues() {
        ObjectNode receipt = sampleReceipt();
        receipt.put("refunded", false);

        ReceiptVerdict verdict = verifier.verify(Jcs.canonicalString(receipt), null);

        assertThat(verdict.problems()).contains("refunded is neither a string nor an integer");
    }

    private ObjectNode sampleReceipt() {
        return (ObjectNode) ReceiptVerifier.parseStrict(SampleReceipts.receipt(key, EPOCH.plusSeconds(60), 0));
    }

    private static byte[] plusL(byte[] signature) {
        return Ed25519SignaturesAccess.withSPlusL(signature);
    }
}
