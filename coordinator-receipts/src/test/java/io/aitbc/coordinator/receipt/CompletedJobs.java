package io.aitbc.coordinator.receipt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aitbc.coordinator.common.api.Ids;
import io.aitbc.coordinator.job.api.AssignJobCommand;
import io.aitbc.coordinator.job.api.CompleteJobCommand;
import io.aitbc.coordinator.job.api.JobRequirements;
import io.aitbc.coordinator.job.api.SubmitJobCommand;
import io.aitbc.coordinator.miner.api.MinerCapabilities;
import io.aitbc.coordinator.miner.api.RegisterMinerCommand;
import io.aitbc.coordinator.receipt.verify.Ed25519Signatures;
import io.aitbc.coordinator.receipt.verify.Jcs;
import io.aitbc.coordinator.receipt.verify.ReceiptFormat;
import org.axonframework.commandhandling.gateway.CommandGateway;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;

/** Drives real jobs through the Job and Miner aggregates, so the receipts come from real events. */
final class CompletedJobs {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final CommandGateway commands;

    CompletedJobs(CommandGateway commands) {
        this.commands = commands;
    }

    /** Registers a miner; with a private key its results are signed. */
    String registerMiner(byte[] minerPrivateKey) {
        String minerId = Ids.newId("miner");
        String publicKey = minerPrivateKey == null ? null
                : ReceiptFormat.base64(Ed25519Signatures.publicKey(minerPrivateKey));
        commands.sendAndWait(new RegisterMinerCommand(minerId, new MinerCapabilities(null, null, null, null), 1,
                "eu", publicKey, new BigDecimal("0.000002"), "tokens"));
        return minerId;
    }

    /** Submits, assigns and completes one job; answers its id. */
    String complete(String minerId, byte[] minerPrivateKey) {
        String jobId = Ids.newId("job");
        JsonNode payload = JSON.createObjectNode().put("prompt", "Say hello").put("max_tokens", 16);
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        commands.sendAndWait(new SubmitJobCommand(jobId, "client_test", "ai-inference", "greeting", payload,
                sha256Hex(payload), JobRequirements.NONE, null, now.plus(1, ChronoUnit.HOURS), 3));
        commands.sendAndWait(new AssignJobCommand(jobId, minerId, null, new BigDecimal("0.000002"), "tokens",
                now.plus(60, ChronoUnit.SECONDS)));
        JsonNode result = JSON.createObjectNode().put("text", "Hello!");
        String resultSha256 = sha256Hex(result);
        String signature = minerPrivateKey == null ? null : ReceiptFormat.base64(Ed25519Signatures.sign(
                minerPrivateKey, ReceiptFormat.minerAttestationMessage(jobId, resultSha256)));
        commands.sendAndWait(new CompleteJobCommand(jobId, minerId, result, resultSha256, new BigDecimal("1420"),
                "tokens", JSON.createObjectNode().put("units", 1420), signature));
        return jobId;
    }

    static String sha256Hex(JsonNode node) {
        return HexFormat.of().formatHex(ReceiptFormat.sha256(Jcs.canonicalize(node)));
    }
}
