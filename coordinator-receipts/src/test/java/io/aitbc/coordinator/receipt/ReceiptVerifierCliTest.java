package io.aitbc.coordinator.receipt;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.aitbc.coordinator.receipt.verify.Jcs;
import io.aitbc.coordinator.receipt.verify.MerkleTree;
import io.aitbc.coordinator.receipt.verify.ReceiptFormat;
import io.aitbc.coordinator.receipt.verify.ReceiptVerifierCliAccess;
import io.aitbc.coordinator.receipt.verify.SignedCheckpoint;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static io.aitbc.coordinator.receipt.SampleReceipts.EPOCH;
import static io.aitbc.coordinator.receipt.SampleReceipts.ORIGIN;
import static org.assertj.core.api.Assertions.assertThat;

/** The offline verifier's commands, run in-process; {@code audit} talks to a log served on 127.0.0.1. */
class ReceiptVerifierCliTest {

    private final SigningKey key = SampleReceipts.key(EPOCH, null);
    private final ByteArrayOutputStream output = new ByteArrayOutputStream();
    private final AtomicReference<List<byte[]>> servedLeaves = new AtomicReference<>(List.of());
    private HttpServer server;

    @TempDir
    Path dir;

    @BeforeEach
    void startLog() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v1/receipts/keys", exchange -> answer(exchange, keysJson()));
        server.createContext("/v1/receipts/log/checkpoint", exchange -> answer(exchange,
                "{\"checkpoint\":" + Jcs.quote(checkpoint(served())) + "}"));
        server.createContext("/v1/receipts/log/proof/consistency", exchange -> {
            Map<String, String> query = query(exchange.getRequestURI().getQuery());
            List<String> hashes = LogTree.consistencyProof(Long.parseLong(query.get("from")),
                    Long.parseLong(query.get("to")), served()).stream().map(ReceiptFormat::base64).toList();
            answer(exchange, "{\"hashes\":[" + String.join(",", hashes.stream().map(h -> "\"" + h + "\"").toList())
                    + "]}");
        });
        server.start();
    }

    @AfterEach
    void stopLog() {
        server.stop(0);
    }

    @Test
    void validBundleExitsZero() throws IOException {
        Path bundle = write("bundle.json", SampleReceipts.log(key, 6).bundle(3));

        int status = run("verify", "--bundle", bundle.toString(), "--key", ReceiptFormat.base64(key.publicKey()));

        assertThat(status).isZero();
        assertThat(printed()).startsWith("VALID receipt rcpt_").contains("included in the log at index 3");
    }

    @Test
    void keyFileWithThePublishedKeysIsAccepted() throws IOException {
        Path bundle = write("bundle.json", SampleReceipts.log(key, 2).bundle(1));
        Path keys = write("keys.json", keysJson());

        assertThat(run("verify", "--bundle", bundle.toString(), "--key", keys.toString())).isZero();
    }

    @Test
    void tamperedBundleExitsOneWithAReasonPerProblem() throws IOException {
        String bundle = SampleReceipts.log(key, 6).bundle(3).replace("\"units\":\"1420\"", "\"units\":\"9999\"");
        Path file = write("bundle.json", bundle);

        int status = run("verify", "--bundle", file.toString(), "--key", ReceiptFormat.base64(key.publicKey()));

        assertThat(status).isEqualTo(1);
        assertThat(printed().lines().toList()).startsWith("INVALID")
                .contains("  signature does not verify over the receipt's canonical bytes")
                .contains("  price is not units x unit_price")
                .contains("  inclusion proof does not lead from the receipt's leaf to the checkpoint's root");
    }

    @Test
    void bundleUnderAnotherKeyExitsOne() throws IOException {
        Path bundle = write("bundle.json", SampleReceipts.log(key, 3).bundle(0));
        String otherKey = ReceiptFormat.base64(SampleReceipts.key(EPOCH, null).publicKey());

        assertThat(run("verify", "--bundle", bundle.toString(), "--key", otherKey)).isEqualTo(1);
    }

    @Test
    void missingOptionsExitTwo() {
        assertThat(run("verify", "--bundle", "x.json")).isEqualTo(2);
        assertThat(run("audit", "--url", "http://127.0.0.1:1")).isEqualTo(2);
        assertThat(run("inspect")).isEqualTo(2);
        assertThat(run()).isEqualTo(2);
    }

    @Test
    void auditAcceptsAGrowingLogAndRefusesARewrittenOne() {
        Path state = dir.resolve("audit-state");
        List<byte[]> leaves = leaves(5);
        servedLeaves.set(leaves);

        int first = run(audit(state));
        leaves = new ArrayList<>(leaves);
        leaves.addAll(leaves(9).subList(5, 9));
        servedLeaves.set(leaves);
        int grown = run(audit(state));
        List<byte[]> rewritten = new ArrayList<>(leaves(12));
        rewritten.set(1, "a receipt quietly replaced".getBytes());
        servedLeaves.set(rewritten);
        output.reset();
        int afterRewrite = run(audit(state));

        assertThat(first).isZero();
        assertThat(grown).isZero();
        assertThat(afterRewrite).isEqualTo(1);
        assertThat(printed()).contains("LOG REWRITTEN: the tree of 12 leaves does not extend the tree of 9 leaves");
    }

    @Test
    void auditRefusesAShrunkLog() {
        Path state = dir.resolve("audit-state");
        servedLeaves.set(leaves(6));
        run(audit(state));
        servedLeaves.set(leaves(4));
        output.reset();

        assertThat(run(audit(state))).isEqualTo(1);
        assertThat(printed()).contains("LOG REWRITTEN: the log shrank from 6 to 4 leaves");
    }

    private String[] audit(Path state) {
        return new String[] {"audit", "--url", "http://127.0.0.1:" + server.getAddress().getPort() + "/",
                "--api-key", "auditor-key", "--state", state.toString()};
    }

    private int run(String... args) {
        return ReceiptVerifierCliAccess.run(new PrintStream(output, true, StandardCharsets.UTF_8), args);
    }

    private String printed() {
        return output.toString(StandardCharsets.UTF_8);
    }

    private MemoryLog served() {
        MemoryLog log = new MemoryLog();
        servedLeaves.get().forEach(leaf -> log.append(MerkleTree.leafHash(leaf)));
        return log;
    }

    private String checkpoint(MemoryLog log) {
        return SignedCheckpoint.sign(ORIGIN, log.size(), log.root(), ORIGIN, key.privateKey());
    }

    private String keysJson() {
        SigningKeyView view = key.view();
        return "{\"keys\":[{\"key_id\":\"" + view.keyId() + "\",\"alg\":\"Ed25519\",\"public_key\":\""
                + view.publicKey() + "\",\"valid_from\":\"" + view.validFrom() + "\",\"valid_until\":null,"
                + "\"current\":true}]}";
    }

    private Path write(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    private static List<byte[]> leaves(int count) {
        List<byte[]> leaves = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            leaves.add(("receipt " + i).getBytes());
        }
        return leaves;
    }

    private static void answer(HttpExchange exchange, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        boolean authorised = "auditor-key".equals(exchange.getRequestHeaders().getFirst("X-API-Key"));
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(authorised ? 200 : 401, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    private static Map<String, String> query(String query) {
        Map<String, String> values = new HashMap<>();
        for (String pair : query.split("&")) {
            String[] parts = pair.split("=", 2);
            values.put(parts[0], parts[1]);
        }
        return values;
    }
}
