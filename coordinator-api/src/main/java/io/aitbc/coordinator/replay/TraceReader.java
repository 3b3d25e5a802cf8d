package io.aitbc.coordinator.replay;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Reads an inference trace in the form of the Azure LLM inference trace: a header
 * {@code TIMESTAMP,ContextTokens,GeneratedTokens} (columns in any order, names in any case) and one
 * request per line, time stamps as {@code yyyy-MM-dd HH:mm:ss.fffffff} without a zone.
 *
 * <p>Arrival times are relative to the first row. The published files are sorted by time; a row
 * older than the first one arrives at zero rather than before the replay starts.
 */
final class TraceReader {

    private static final DateTimeFormatter TIMESTAMP = new DateTimeFormatterBuilder()
            .appendPattern("uuuu-MM-dd HH:mm:ss")
            .optionalStart()
            .appendFraction(ChronoField.NANO_OF_SECOND, 1, 9, true)
            .optionalEnd()
            .toFormatter(Locale.ROOT);

    private TraceReader() {
    }

    /** The first {@code limit} rows of the file, or all of them for a limit of zero. */
    static List<TraceRow> read(Path file, int limit) throws IOException {
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return parse(reader, file.getFileName().toString(), limit);
        }
    }

    static List<TraceRow> parse(BufferedReader reader, String source, int limit) throws IOException {
        String header = reader.readLine();
        if (header == null) {
            throw new TraceFormatException(source, 1, "the file is empty");
        }
        Columns columns = Columns.of(source, header.replace("\uFEFF", ""));

        List<TraceRow> rows = new ArrayList<>();
        LocalDateTime first = null;
        int lineNumber = 1;
        String line;
        while ((line = reader.readLine()) != null && (limit == 0 || rows.size() < limit)) {
            lineNumber++;
            if (line.isBlank()) {
                continue;
            }
            String[] cells = line.split(",", -1);
            if (cells.length != columns.count()) {
                throw new TraceFormatException(source, lineNumber,
                        "expected " + columns.count() + " columns but found " + cells.length);
            }
            LocalDateTime arrival = timestamp(source, lineNumber, cells[columns.timestamp()]);
            if (first == null) {
                first = arrival;
            }
            Duration offset = Duration.between(first, arrival);
            rows.add(new TraceRow(
                    lineNumber,
                    offset.isNegative() ? Duration.ZERO : offset,
                    tokens(source, lineNumber, "ContextTokens", cells[columns.context()]),
                    tokens(source, lineNumber, "GeneratedTokens", cells[columns.generated()])));
        }
        return rows;
    }

    private static LocalDateTime timestamp(String source, int line, String text) {
        try {
            return LocalDateTime.parse(text.trim(), TIMESTAMP);
        } catch (DateTimeParseException e) {
            throw new TraceFormatException(source, line, "TIMESTAMP [" + text.trim() + "] is not a time stamp");
        }
    }

    private static int tokens(String source, int line, String column, String text) {
        try {
            int value = Integer.parseInt(text.trim());
            if (value < 0) {
                throw new TraceFormatException(source, line, column + " [" + value + "] is negative");
            }
            return value;
        } catch (NumberFormatException e) {
            throw new TraceFormatException(source, line, column + " [" + text.trim() + "] is not a whole number");
        }
    }

    private record Columns(int count, int timestamp, int context, int generated) {

        static Columns of(String source, String header) {
            List<String> names = Arrays.stream(header.split(",", -1))
                    .map(name -> name.trim().toLowerCase(Locale.ROOT))
                    .toList();
            return new Columns(
                    names.size(),
                    indexOf(source, names, "TIMESTAMP"),
                    indexOf(source, names, "ContextTokens"),
                    indexOf(source, names, "GeneratedTokens"));
        }

        private static int indexOf(String source, List<String> names, String column) {
            int index = names.indexOf(column.toLowerCase(Locale.ROOT));
            if (index < 0) {
                throw new TraceFormatException(source, 1, "the header has no " + column + " column");
            }
            return index;
        }
    }

    /** A trace that cannot be replayed, with the line that says why. */
    static final class TraceFormatException extends IllegalArgumentException {

        TraceFormatException(String source, int line, String problem) {
            super(source + " line " + line + ": " + problem);
        }
    }
}
