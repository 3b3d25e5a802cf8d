package io.aitbc.coordinator.receipt.verify;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/**
 * What a verification found. The offline verifier and {@code POST /v1/receipts/verify} answer the
 * same verdict for the same receipt.
 *
 * @param valid                   true when {@code problems} is empty
 * @param signatureValid          the coordinator's signature verifies over the canonical bytes
 * @param keyKnown                the signing key is a trusted key (and the receipt lies in its validity)
 * @param minerSignatureValid     the miner's attestation verifies; {@code null} when there is none
 * @param coordinatorAttestations ids of the trusted coordinator keys whose signature verified
 * @param includedInLog           the receipt is a leaf of the transparency log; {@code null} when
 *                                no proof or log was at hand
 * @param problems                one sentence per problem found
 * @param verifiedAt              when the verdict was reached, RFC 3339 UTC with milliseconds
 */
public record ReceiptVerdict(
        @JsonProperty("valid") boolean valid,
        @JsonProperty("signature_valid") boolean signatureValid,
        @JsonProperty("key_known") boolean keyKnown,
        @JsonProperty("miner_signature_valid") Boolean minerSignatureValid,
        @JsonProperty("coordinator_attestations") List<String> coordinatorAttestations,
        @JsonProperty("included_in_log") Boolean includedInLog,
        @JsonProperty("problems") List<String> problems,
        @JsonProperty("verified_at") String verifiedAt) {

    public ReceiptVerdict {
        coordinatorAttestations = List.copyOf(coordinatorAttestations);
        problems = List.copyOf(problems);
    }
}
