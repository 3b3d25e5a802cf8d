package io.aitbc.coordinator.replay;

import com.fasterxml.jackson.databind.JsonNode;
import io.aitbc.coordinator.receipt.verify.Jcs;
import io.aitbc.coordinator.receipt.verify.ReceiptFormat;

import java.util.HexFormat;

/** The digests a receipt carries of a job's payload and result: lowercase hex SHA-256 of the RFC 8785 form. */
final class Digests {

    private Digests() {
    }

    static String sha256(JsonNode document) {
        return HexFormat.of().formatHex(ReceiptFormat.sha256(Jcs.canonicalize(document)));
    }
}
