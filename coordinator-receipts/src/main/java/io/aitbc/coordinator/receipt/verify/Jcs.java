package io.aitbc.coordinator.receipt.verify;

import com.fasterxml.jackson.databind.JsonNode;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The JSON Canonicalization Scheme of RFC 8785: the one byte sequence that signatures and log leaves
 * are computed over.
 *
 * <ul>
 *   <li>No whitespace; object members sorted by their names compared as UTF-16 code units.</li>
 *   <li>Strings in UTF-8, escaping only {@code "}, {@code \}, and the control characters below
 *       U+0020 ({@code \b \t \n \f \r} in their short form, the others as lowercase <code>&#92;u00xx</code>).
 *       A lone surrogate has no UTF-8 form: it raises {@link CanonicalizationException}.</li>
 *   <li>Numbers as IEEE 754 doubles printed the way ECMAScript's {@code Number.prototype.toString}
 *       does: the shortest digits that read back as the same double. NaN and infinities raise
 *       {@link CanonicalizationException}; integers beyond 2<sup>53</sup> are rounded to a double,
 *       as RFC 8785 prescribes (receipts hold no such numbers).</li>
 * </ul>
 */
public final class Jcs {

    private static final BigInteger MAX_EXACT_INTEGER = BigInteger.ONE.shiftLeft(53);
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private Jcs() {
    }

    /**
     * The RFC 8785 form of {@code node} in UTF-8.
     *
     * @throws CanonicalizationException when the value has no canonical form
     */
    public static byte[] canonicalize(JsonNode node) {
        StringBuilder out = new StringBuilder(256);
        write(node, out, true);
        return utf8(out);
    }

    /** The canonical text of {@code node} but with members in their given order, to detect reordering. */
    static String asGiven(JsonNode node) {
        StringBuilder out = new StringBuilder(256);
        write(node, out, false);
        return out.toString();
    }

    /** The RFC 8785 form of {@code node} as text. */
    public static String canonicalString(JsonNode node) {
        return new String(canonicalize(node), StandardCharsets.UTF_8);
    }

    /**
     * Checks that every string in {@code node}, names included, can be canonicalised, without
     * producing the bytes; lets an API refuse such input before it is stored.
     *
     * @throws CanonicalizationException naming the first offending value
     */
    public static void requireCanonicalizable(JsonNode node) {
        write(node, new StringBuilder(), false);
    }

    /** The canonical text of one string, quotes included. */
    public static String quote(String value) {
        StringBuilder out = new StringBuilder(value.length() + 2);
        writeString(value, out);
        return out.toString();
    }

    /** ECMAScript's shortest round-trip text of a finite double, as RFC 8785 section 3.2.2.3 demands. */
    public static String formatNumber(double value) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            throw new CanonicalizationException("JSON has no form for the number " + value);
        }
        if (value == 0) {
            return "0";
        }
        if (value < 0) {
            return "-" + formatNumber(-value);
        }
        BigDecimal shortest = shortestDigits(value).stripTrailingZeros();
        String digits = shortest.unscaledValue().toString();
        int k = digits.length();
        int n = k - shortest.scale();
        if (k <= n && n <= 21) {
            return digits + "0".repeat(n - k);
        }
        if (0 < n && n <= 21) {
            return digits.substring(0, n) + "." + digits.substring(n);
        }
        if (-6 < n && n <= 0) {
            return "0." + "0".repeat(-n) + digits;
        }
        int exponent = n - 1;
        String mantissa = k == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        return mantissa + "e" + (exponent < 0 ? "-" : "+") + Math.abs(exponent);
    }

    private static void write(JsonNode node, StringBuilder out, boolean sort) {
        if (node == null || node.isMissingNode()) {
            throw new CanonicalizationException("A missing value has no JSON form");
        }
        switch (node.getNodeType()) {
            case OBJECT -> writeObject(node, out, sort);
            case ARRAY -> writeArray(node, out, sort);
            case STRING -> writeString(node.textValue(), out);
            case NUMBER -> out.append(number(node));
            case BOOLEAN -> out.append(node.booleanValue() ? "true" : "false");
            case NULL -> out.append("null");
            default -> throw new CanonicalizationException("A " + node.getNodeType() + " value has no JSON form");
        }
    }

    private static void writeObject(JsonNode node, StringBuilder out, boolean sort) {
        List<Map.Entry<String, JsonNode>> members = new ArrayList<>(node.size());
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            members.add(it.next());
        }
        if (sort) {
            // String.compareTo compares UTF-16 code units, exactly the order RFC 8785 prescribes
            members.sort(Map.Entry.comparingByKey());
        }
        out.append('{');
        for (int i = 0; i < members.size(); i++) {
            if (i > 0) {
                out.append(',');
            }
            writeString(members.get(i).getKey(), out);
            out.append(':');
            write(members.get(i).getValue(), out, sort);
        }
        out.append('}');
    }

    private static void writeArray(JsonNode node, StringBuilder out, boolean sort) {
        out.append('[');
        for (int i = 0; i < node.size(); i++) {
            if (i > 0) {
                out.append(',');
            }
            write(node.get(i), out, sort);
        }
        out.append(']');
    }

    private static void writeString(String value, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= value.length() || !Character.isLowSurrogate(value.charAt(i + 1))) {
                    throw loneSurrogate(c, i);
                }
                out.append(c).append(value.charAt(++i));
                continue;
            }
            if (Character.isLowSurrogate(c)) {
                throw loneSurrogate(c, i);
            }
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\b' -> out.append("\\b");
                case '\t' -> out.append("\\t");
                case '\n' -> out.append("\\n");
                case '\f' -> out.append("\\f");
                case '\r' -> out.append("\\r");
                default -> {
                    if (c < 0x20) {
                        out.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xf]);
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    private static CanonicalizationException loneSurrogate(char c, int index) {
        return new CanonicalizationException(String.format(
                "A string holds a lone surrogate U+%04X at index %d, which has no UTF-8 form", (int) c, index));
    }

    private static String number(JsonNode node) {
        if (node.isIntegralNumber()) {
            BigInteger value = node.bigIntegerValue();
            if (value.abs().compareTo(MAX_EXACT_INTEGER) <= 0) {
                return value.toString();
            }
            return formatNumber(value.doubleValue());
        }
        if (node.isBigDecimal()) {
            return formatNumber(node.decimalValue().doubleValue());
        }
        return formatNumber(node.doubleValue());
    }

    /**
     * The fewest significant digits that read back as {@code value}; of several candidates with as
     * few digits, the one nearest the exact value, as ECMAScript recommends.
     */
    private static BigDecimal shortestDigits(double value) {
        BigDecimal exact = new BigDecimal(value);
        for (int precision = 1; precision <= 17; precision++) {
            BigDecimal nearest = exact.round(new MathContext(precision, RoundingMode.HALF_EVEN));
            if (nearest.doubleValue() == value) {
                return nearest;
            }
            // near a power of two the rounding interval is lopsided: a farther candidate may still fit
            BigDecimal down = exact.round(new MathContext(precision, RoundingMode.FLOOR));
            BigDecimal up = exact.round(new MathContext(precision, RoundingMode.CEILING));
            boolean downFits = down.doubleValue() == value;
            boolean upFits = up.doubleValue() == value;
            if (downFits || upFits) {
                if (downFits && upFits) {
                    return exact.subtract(down).compareTo(up.subtract(exact)) <= 0 ? down : up;
                }
                return downFits ? down : up;
            }
        }
        return exact.round(MathContext.DECIMAL64);
    }

    private static byte[] utf8(CharSequence text) {
        // surrogates were checked while writing, so the encoder never substitutes a character here
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }
}
