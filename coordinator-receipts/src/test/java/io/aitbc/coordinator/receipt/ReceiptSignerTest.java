package io.aitbc.coordinator.receipt;

import com.fasterxml.jackson.databind.JsonNode;
import io.aitbc.coordinator.common.api.Ids;
import io.aitbc.coordinator.job.api.JobCompletedEvent;
import io.aitbc.coordinator.receipt.verify.CanonicalizationException;
import io.aitbc.coordinator.receipt.verify.Ed25519Signatures;
import io.aitbc.coordinator.receipt.verify.ReceiptFormat;
import io.aitbc.coordinator.receipt.verify.ReceiptVerifier;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static io.aitbc.coordinator.receipt.SampleReceipts.EPOCH;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ReceiptSignerTest {

    private final SigningKey key = SampleReceipts.key(EPOCH, null);
    private final Instant completedAt = EPOCH.plusSeconds(90);

    @Test
    void receiptHoldsExactlyTheContractsMembersAsStringsAndOneInteger() {
        JobCompletedEvent event = SampleReceipts.completion(completedAt, null, Ids.newId("job", completedAt));

        JsonNode receipt = ReceiptVerifier.parseStrict(text(ReceiptSigner.sign(event, "evt-1", 41, key, null)));

        List<String> members = new ArrayList<>();
        receipt.fieldNames().forEachRemaining(members::add);
        List<String> expected = new ArrayList<>(ReceiptFormat.STRING_FIELDS);
        expected.add("log_index");
        expected.add("signature");
        assertThat(members).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(receipt.get("log_index").isIntegralNumber()).isTrue();
        assertThat(receipt.get("event_id").textValue()).isEqualTo("evt-1");
        assertThat(receipt.get("completed_at").textValue()).isEqualTo("2026-12-01T00:01:30.000Z");
        assertThat(receipt.get("currency").textValue()).isEqualTo("AITBC");
    }

    @Test
    void signingTheSameCompletionAgainGivesTheSameBytes() {
        JobCompletedEvent event = SampleReceipts.completion(completedAt, null, Ids.newId("job", completedAt));

        byte[] first = ReceiptSigner.sign(event, "evt-1", 7, key, null).body();
        byte[] again = ReceiptSigner.sign(event, "evt-1", 7, key, null).body();

        assertThat(again).isEqualTo(first);
    }

    @Test
    void amountsAreCanonicalDecimalStrings() {
        JobCompletedEvent event = new JobCompletedEvent("job_1", "rcpt_1", "client_1", "miner_1", null,
                "ai-inference", 1, new BigDecimal("1420.000"), "tokens", new BigDecimal("0.0000020"),
                new BigDecimal("0.0028400"), completedAt.minusSeconds(1), completedAt, "a".repeat(64),
                "b".repeat(64), null, null, null);

        JsonNode receipt = ReceiptVerifier.parseStrict(text(ReceiptSigner.sign(event, "evt", 0, key, null)));

        assertThat(receipt.get("units").textValue()).isEqualTo("1420");
        assertThat(receipt.get("unit_price").textValue()).isEqualTo("0.000002");
        assertThat(receipt.get("price").textValue()).isEqualTo("0.00284");
    }

    @Test
    void minerSignatureThatDoesNotVerifyIsLeftOut() {
        byte[] minerKey = Ed25519Signatures.newPrivateKey();
        String wrong = ReceiptFormat.base64(Ed25519Signatures.sign(minerKey, "something else".getBytes()));
        JobCompletedEvent event = SampleReceipts.completion(completedAt, wrong, "job_1");

        IssuedReceipt receipt = ReceiptSigner.sign(event, "evt", 0, key, Ed25519Signatures.publicKey(minerKey));

        assertThat(receipt.minerAttested()).isFalse();
        assertThat(ReceiptVerifier.parseStrict(text(receipt)).has("attestations")).isFalse();
    }

    @Test
    void minerSignatureWithoutARegisteredKeyIsLeftOut() {
        byte[] minerKey = Ed25519Signatures.newPrivateKey();
        String signature = ReceiptFormat.base64(Ed25519Signatures.sign(minerKey,
                ReceiptFormat.minerAttestationMessage("job_1", "b".repeat(64))));

        IssuedReceipt receipt = ReceiptSigner.sign(SampleReceipts.completion(completedAt, signature, "job_1"), "evt",
                0, key, null);

        assertThat(receipt.minerAttested()).isFalse();
    }

    @Test
    void valueWithoutCanonicalFormIsRefusedNotReplaced() {
        JobCompletedEvent event = new JobCompletedEvent("job_1", "rcpt_1", "client_\ud800", "miner_1", null,
                "ai-inference", 1, BigDecimal.ONE, "tokens", BigDecimal.ONE, BigDecimal.ONE,
                completedAt.minusSeconds(1), completedAt, "a".repeat(64), "b".repeat(64), null, null, null);

        assertThatThrownBy(() -> ReceiptSigner.sign(event, "evt", 0, key, null))
                .isInstanceOf(CanonicalizationException.class);
    }

    private static String text(IssuedReceipt receipt) {
        return new String(receipt.body(), StandardCharsets.UTF_8);
    }
}
