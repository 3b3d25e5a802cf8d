package io.aitbc.coordinator;

import io.aitbc.coordinator.auditverify.AuditVerifyCommand;
import io.aitbc.coordinator.bench.BenchCommand;
import io.aitbc.coordinator.replay.ReplayCommand;

import java.util.Arrays;

/** The commands the coordinator's jar runs besides the server. Exit codes: 0 ok, 1 failed, 2 usage. */
final class Commands {

    private Commands() {
    }

    static int run(String[] args) {
        ConsoleLogging.toStandardError();
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        return switch (args[0]) {
            case "replay" -> ReplayCommand.run(rest);
            case "bench" -> BenchCommand.run(rest);
            case "audit-verify" -> AuditVerifyCommand.run(rest);
            case "help", "--help" -> usage(0);
            default -> usage(2);
        };
    }

    private static int usage(int exitCode) {
        var out = exitCode == 0 ? System.out : System.err;
        out.println("""
                usage: java -jar coordinator-api.jar [--server.port=N …]   serve the API
                       java -jar coordinator-api.jar replay --url URL --api-key KEY --trace FILE \
                [--limit N] [--speed F|0] [--miners M] [--marketplace]
                       java -jar coordinator-api.jar bench --url URL --api-key ADMIN_KEY --pg-url JDBC_URL \
                [--pg-user U] [--seconds N] [--pid PID] [--rebuild-events N]
                       java -jar coordinator-api.jar audit-verify --url URL --api-key AUDITOR_KEY""");
        return exitCode;
    }
}
