package io.aitbc.coordinator.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The figures of one run: each with the coordinator's number, the baseline measured in the same run
 * on the same PostgreSQL, their ratio, and the machine's load when it was taken.
 */
final class BenchReport {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One figure; {@code baseline} is {@code NaN} for figures that have none (latencies, memory). */
    record Figure(String key, String label, double value, String unit, double baseline, String baselineLabel,
                  String target, double load) {

        double ratio() {
            return Double.isNaN(baseline) || baseline == 0 ? Double.NaN : value / baseline;
        }
    }

    private final List<Figure> figures = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    void add(String key, String label, double value, String unit, double baseline, String baselineLabel,
             String target) {
        figures.add(new Figure(key, label, value, unit, baseline, baselineLabel, target, loadAverage()));
    }

    void note(String note) {
        notes.add(note);
    }

    /** The one-minute load average, as {@code uptime} shows it. */
    static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    void print(PrintStream out) {
        out.println();
        out.printf(Locale.ROOT, "%-44s %14s %-8s %14s %-28s %7s %-10s %5s%n", "figure", "value", "unit",
                "baseline", "baseline is", "ratio", "target", "load");
        for (Figure figure : figures) {
            out.printf(Locale.ROOT, "%-44s %14s %-8s %14s %-28s %7s %-10s %5.1f%n", figure.label(),
                    number(figure.value()), figure.unit(), number(figure.baseline()),
                    figure.baselineLabel() == null ? "" : figure.baselineLabel(),
                    Double.isNaN(figure.ratio()) ? "" : String.format(Locale.ROOT, "%.3f", figure.ratio()),
                    figure.target() == null ? "" : figure.target(), figure.load());
        }
        notes.forEach(note -> out.println("note: " + note));
        out.println(json());
    }

    String json() {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode values = root.putObject("figures");
        for (Figure figure : figures) {
            ObjectNode node = values.putObject(figure.key());
            put(node, "value", figure.value());
            node.put("unit", figure.unit());
            put(node, "baseline", figure.baseline());
            put(node, "ratio", figure.ratio());
            put(node, "load", figure.load());
        }
        notes.forEach(root.putArray("notes")::add);
        return root.toString();
    }

    private static void put(ObjectNode node, String field, double value) {
        if (Double.isNaN(value)) {
            node.putNull(field);
        } else {
            node.put(field, Math.round(value * 1000) / 1000.0);
        }
    }

    private static String number(double value) {
        if (Double.isNaN(value)) {
            return "";
        }
        return value >= 100 ? String.format(Locale.ROOT, "%,.0f", value) : String.format(Locale.ROOT, "%.2f", value);
    }
}
