package io.aitbc.coordinator.replay;

import io.aitbc.coordinator.replay.TraceReader.TraceFormatException;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TraceReaderTest {

    private static final Path CONVERSATION_TRACE =
            Path.of("../traces/azure-llm-inference-2023/AzureLLMInferenceTrace_conv.csv");

    @Test
    void arrivalTimesAreRelativeToTheFirstRowWithSevenFractionDigits() throws IOException {
        List<TraceRow> rows = parse("""
                TIMESTAMP,ContextTokens,GeneratedTokens\r
                2023-11-16 18:15:46.6805900,374,44\r
                2023-11-16 18:15:50.9951690,396,109\r
                2023-11-16 18:16:00.0000001,91,16""", 0);

        assertThat(rows).containsExactly(
                new TraceRow(2, Duration.ZERO, 374, 44),
                new TraceRow(3, Duration.ofNanos(4_314_579_000L), 396, 109),
                new TraceRow(4, Duration.ofNanos(13_319_410_100L), 91, 16));
    }

    @Test
    void limitKeepsTheFirstRows() throws IOException {
        List<TraceRow> rows = parse("""
                TIMESTAMP,ContextTokens,GeneratedTokens
                2023-11-16 18:15:46.1,1,1
                2023-11-16 18:15:47.1,2,2
                2023-11-16 18:15:48.1,3,3
                """, 2);

        assertThat(rows).extracting(TraceRow::contextTokens).containsExactly(1, 2);
    }

    @Test
    void columnsAreFoundByNameInAnyOrderAndCase() throws IOException {
        List<TraceRow> rows = parse("""
                \uFEFFgeneratedtokens, Timestamp ,CONTEXTTOKENS
                44,2023-11-16 18:15:46,374

                9,2023-11-16 18:15:47.5,12
                """, 0);

        assertThat(rows).containsExactly(
                new TraceRow(2, Duration.ZERO, 374, 44),
                new TraceRow(4, Duration.ofMillis(1_500), 12, 9));
    }

    @Test
    void aRowOlderThanTheFirstArrivesAtZero() throws IOException {
        List<TraceRow> rows = parse("""
                TIMESTAMP,ContextTokens,GeneratedTokens
                2023-11-16 18:15:46,1,1
                2023-11-16 18:15:45,2,2
                """, 0);

        assertThat(rows).extracting(TraceRow::arrival).containsExactly(Duration.ZERO, Duration.ZERO);
    }

    @Test
    void malformedRowsNameTheirLine() {
        String header = "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46,1,1\n";

        assertThatThrownBy(() -> parse(header + "2023-11-16 18:15:47,1\n", 0))
                .isInstanceOf(TraceFormatException.class)
                .hasMessage("test.csv line 3: expected 3 columns but found 2");
        assertThatThrownBy(() -> parse(header + "yesterday,1,1\n", 0))
                .hasMessage("test.csv line 3: TIMESTAMP [yesterday] is not a time stamp");
        assertThatThrownBy(() -> parse(header + "2023-11-16 18:15:47,-5,1\n", 0))
                .hasMessage("test.csv line 3: ContextTokens [-5] is negative");
        assertThatThrownBy(() -> parse(header + "2023-11-16 18:15:47,1,many\n", 0))
                .hasMessage("test.csv line 3: GeneratedTokens [many] is not a whole number");
    }

    @Test
    void aHeaderWithoutTheTokenColumnsIsRefused() {
        assertThatThrownBy(() -> parse("TIMESTAMP,Tokens\n2023-11-16 18:15:46,1\n", 0))
                .isInstanceOf(TraceFormatException.class)
                .hasMessage("test.csv line 1: the header has no ContextTokens column");
        assertThatThrownBy(() -> parse("", 0))
                .hasMessage("test.csv line 1: the file is empty");
    }

    @Test
    void theShippedConversationTraceReadsCompletely() throws IOException {
        List<TraceRow> rows = TraceReader.read(CONVERSATION_TRACE, 0);

        // the published file holds 19,366 requests over just under an hour
        assertThat(rows).hasSize(19_366);
        assertThat(rows.get(0)).isEqualTo(new TraceRow(2, Duration.ZERO, 374, 44));
        assertThat(rows.get(rows.size() - 1).arrival()).isEqualTo(Duration.ofNanos(3_501_721_937_000L));
        assertThat(rows).isSortedAccordingTo((a, b) -> a.arrival().compareTo(b.arrival()));
    }

    private static List<TraceRow> parse(String text, int limit) throws IOException {
        return TraceReader.parse(new BufferedReader(new StringReader(text)), "test.csv", limit);
    }
}
