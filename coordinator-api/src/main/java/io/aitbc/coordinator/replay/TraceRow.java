package io.aitbc.coordinator.replay;

import java.time.Duration;

/**
 * One request of an inference trace.
 *
 * @param line            the row's line in the file (the header is line 1), so reports point back at it
 * @param arrival         when the request arrived, relative to the first row of the trace
 * @param contextTokens   the prompt size
 * @param generatedTokens the completion size
 */
record TraceRow(int line, Duration arrival, int contextTokens, int generatedTokens) {

    /** The units a miner bills for this request: every token it read or wrote. */
    long units() {
        return (long) contextTokens + generatedTokens;
    }
}
