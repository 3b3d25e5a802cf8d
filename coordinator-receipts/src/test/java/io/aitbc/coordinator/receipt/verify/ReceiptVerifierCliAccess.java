package io.aitbc.coordinator.receipt.verify;

import java.io.PrintStream;
import java.net.http.HttpClient;
import java.time.Duration;

/** Runs the verifier's command line in-process, printing to {@code out} instead of exiting. */
public final class ReceiptVerifierCliAccess {

    private ReceiptVerifierCliAccess() {
    }

    public static int run(PrintStream out, String... args) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        return new ReceiptVerifierCli(out, http).run(args);
    }
}
