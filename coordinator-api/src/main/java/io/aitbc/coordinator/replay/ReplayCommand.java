package io.aitbc.coordinator.replay;

/** Replays an inference trace against a running coordinator over HTTP. */
public final class ReplayCommand {

    private ReplayCommand() {
    }

    public static int run(String[] args) {
        System.err.println("replay: not available in this build");
        return 2;
    }
}
