package io.aitbc.coordinator.replay;

import com.fasterxml.jackson.databind.JsonNode;
import io.aitbc.coordinator.common.api.Money;
import io.aitbc.coordinator.receipt.verify.CanonicalizationException;
import io.aitbc.coordinator.receipt.verify.ReceiptFormat;
import io.aitbc.coordinator.receipt.verify.ReceiptVerdict;
import io.aitbc.coordinator.receipt.verify.ReceiptVerifier;
import io.aitbc.coordinator.receipt.verify.TrustedKey;
import io.aitbc.coordinator.replay.ReplayLedger.Completion;
import io.aitbc.coordinator.replay.ReplayLedger.Snapshot;
import io.aitbc.coordinator.replay.ReplayLedger.Submission;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Checks each completed job's receipt, as the exact text the coordinator served, in two ways:
 * {@link ReceiptVerifier} with the coordinator's published keys (canonical form, shape, signature,
 * key validity), and against what the replay itself sent and was told (job, client, miner, units,
 * unit price, the exact price, the digests of payload and result).
 *
 * <p>The published keys are trusted as they are: the replay checks what the coordinator signed, not
 * who runs it. An auditor who must not trust the service pins its key with the offline verifier.
 */
final class ReceiptChecks {

    /** A coordinator signing key as {@code GET /v1/receipts/keys} lists it. */
    record SigningKey(String keyId, String publicKey, String validFrom, String validUntil) {
    }

    private final List<String> keyProblems = new ArrayList<>();
    private final ReceiptVerifier verifier;
    private final String clientId;

    ReceiptChecks(List<SigningKey> keys, String clientId) {
        List<TrustedKey> trusted = new ArrayList<>();
        for (SigningKey key : keys) {
            TrustedKey parsed = trustedKey(key);
            if (parsed != null) {
                trusted.add(parsed);
            }
        }
        if (trusted.isEmpty()) {
            keyProblems.add("GET /v1/receipts/keys lists no usable key");
        }
        this.verifier = new ReceiptVerifier(trusted);
        this.clientId = clientId;
    }

    /** Problems with the published keys themselves, such as a key that is not base64. */
    List<String> keyProblems() {
        return List.copyOf(keyProblems);
    }

    /** An outcome for every completed job among {@code finalStates}; {@code receipts} holds their texts. */
    Map<String, ReceiptOutcome> check(Map<String, FinalState> finalStates, Map<String, String> receipts,
                                      Snapshot ledger) {
        Map<String, Submission> submissions = new HashMap<>();
        ledger.submissions().forEach(submission -> submissions.putIfAbsent(submission.jobId(), submission));
        Map<String, Completion> completions = new HashMap<>();
        ledger.completions().forEach(completion -> completions.putIfAbsent(completion.jobId(), completion));

        Map<String, ReceiptOutcome> outcomes = new HashMap<>();
        finalStates.forEach((jobId, state) -> {
            if (!state.status().equals("completed")) {
                return;
            }
            String receipt = receipts.get(jobId);
            outcomes.put(jobId, receipt == null
                    ? ReceiptOutcome.missing(jobId)
                    : outcome(receipt, state, submissions.get(jobId), completions.get(jobId)));
        });
        return outcomes;
    }

    private ReceiptOutcome outcome(String receipt, FinalState state, Submission submission, Completion completion) {
        List<String> problems = problems(receipt, state, submission, completion);
        JsonNode parsed;
        try {
            parsed = ReceiptVerifier.parseStrict(receipt);
        } catch (CanonicalizationException e) {
            return new ReceiptOutcome(state.jobId(), true, problems);
        }
        return new ReceiptOutcome(state.jobId(), true, problems, parsed.path("unit_price").asText(null),
                parsed.path("price").asText(null));
    }

    /** Every way the receipt falls short; empty for a receipt that checks out. */
    List<String> problems(String receiptText, FinalState state, Submission submission, Completion completion) {
        JsonNode receipt;
        List<String> problems = new ArrayList<>();
        try {
            receipt = ReceiptVerifier.parseStrict(receiptText);
            ReceiptVerdict verdict = verifier.verify(receiptText, null);
            problems.addAll(verdict.problems());
        } catch (CanonicalizationException e) {
            return List.of("the receipt is not usable JSON: " + e.getMessage());
        }

        expect(problems, receipt, "job_id", state.jobId());
        expect(problems, receipt, "status", "completed");
        expect(problems, receipt, "job_type", SimulatedMiner.JOB_TYPE);
        expect(problems, receipt, "client_id", clientId);
        expect(problems, receipt, "currency", Money.CURRENCY);
        if (state.receiptId() != null) {
            expect(problems, receipt, "receipt_id", state.receiptId());
        }
        if (submission != null) {
            expect(problems, receipt, "payload_sha256", submission.payloadSha256());
        }
        if (completion != null) {
            expect(problems, receipt, "miner_id", completion.minerId());
            expect(problems, receipt, "units", Long.toString(completion.units()));
            expect(problems, receipt, "unit_type", "tokens");
            expect(problems, receipt, "result_sha256", completion.resultSha256());
            if (completion.receiptId() != null) {
                expect(problems, receipt, "receipt_id", completion.receiptId());
            }
            // the price the poll named is the agreed one; the miner checked it against what it asked
            BigDecimal agreed = ReplayMoney.parse(completion.unitPrice());
            if (agreed == null) {
                problems.add("the assignment named no readable unit price: " + completion.unitPrice());
            } else {
                expectAmount(problems, receipt, "unit_price", agreed);
            }
        }
        BigDecimal units = decimal(receipt, "units");
        BigDecimal unitPrice = decimal(receipt, "unit_price");
        if (units != null && unitPrice != null) {
            expectAmount(problems, receipt, "price", Money.price(units, unitPrice));
        }
        return problems;
    }

    private TrustedKey trustedKey(SigningKey key) {
        byte[] publicKey = key.publicKey() == null ? null : ReceiptFormat.decodeBase64(key.publicKey());
        if (publicKey == null || key.keyId() == null) {
            keyProblems.add("key " + key.keyId() + " has no key id or no standard base64 public_key");
            return null;
        }
        try {
            return new TrustedKey(key.keyId(), publicKey, time(key.validFrom()), time(key.validUntil()));
        } catch (DateTimeParseException e) {
            keyProblems.add("key " + key.keyId() + " has a validity time that is not RFC 3339: " + e.getMessage());
            return null;
        }
    }

    private static Instant time(String text) {
        return text == null ? null : Instant.parse(text);
    }

    private static void expect(List<String> problems, JsonNode receipt, String field, String expected) {
        String actual = receipt.path(field).isTextual() ? receipt.path(field).asText() : null;
        if (!Objects.equals(actual, expected)) {
            problems.add(field + " is " + receipt.path(field) + ", expected \"" + expected + "\"");
        }
    }

    private static void expectAmount(List<String> problems, JsonNode receipt, String field, BigDecimal expected) {
        BigDecimal actual = decimal(receipt, field);
        if (actual == null || actual.compareTo(expected) != 0) {
            problems.add(field + " is " + receipt.path(field) + ", expected \"" + Money.format(expected) + "\"");
        }
    }

    private static BigDecimal decimal(JsonNode receipt, String field) {
        JsonNode value = receipt.path(field);
        if (!value.isTextual()) {
            return null;
        }
        try {
            return new BigDecimal(value.asText());
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
