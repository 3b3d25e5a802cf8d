package io.aitbc.coordinator.gateway.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.aitbc.coordinator.receipt.verify.CanonicalizationException;
import io.aitbc.coordinator.receipt.verify.Jcs;
import org.springframework.http.HttpStatus;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads fields of a JSON request body and collects every problem, so one 400
 * {@code VALIDATION_FAILED} answer lists each bad field ({@code details.fields}) at once.
 *
 * <p>Money is a decimal string: digits, at most one point, at most {@value #MAX_SCALE} decimals and
 * {@value #MAX_INTEGER_DIGITS} integer digits; no sign, exponent, NaN or infinity, and never a
 * JSON number, which would pass through binary floating point.
 */
public final class BodyReader {

    public static final int MAX_SCALE = 18;
    public static final int MAX_INTEGER_DIGITS = 18;
    private static final Pattern DECIMAL = Pattern.compile("(0|[1-9][0-9]{0," + (MAX_INTEGER_DIGITS - 1) + "})"
            + "(\\.[0-9]{1," + MAX_SCALE + "})?");

    private final JsonNode body;
    private final BodyReader parent;
    private final String path;
    private final List<Map<String, String>> problems = new ArrayList<>();

    private BodyReader(JsonNode body, BodyReader parent, String path) {
        this.body = body;
        this.parent = parent;
        this.path = path;
    }

    /** A reader over a body that must be a JSON object. */
    public static BodyReader of(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new ApiException(HttpStatus.BAD_REQUEST, "INVALID_REQUEST", "The request body must be a JSON object");
        }
        try {
            Jcs.requireCanonicalizable(body);
        } catch (CanonicalizationException e) {
            // never store text that could only be signed after a silent replacement
            throw new ApiException(HttpStatus.BAD_REQUEST, "VALIDATION_FAILED",
                    "The body holds text with no canonical form: " + e.getMessage());
        }
        return new BodyReader(body, null, null);
    }

    public JsonNode node() {
        return body;
    }

    /** A reader over the object in {@code field}; problems are reported as {@code field.name}. */
    public BodyReader at(String field) {
        JsonNode child = body.get(field);
        return new BodyReader(child != null && child.isObject() ? child : JsonNodeFactory.instance.objectNode(),
                this, field);
    }

    public boolean has(String field) {
        JsonNode value = body.get(field);
        return value != null && !value.isNull();
    }

    public String string(String field, int maxLength, boolean required) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            if (required) {
                problem(field, "is required");
            }
            return null;
        }
        if (!value.isTextual()) {
            problem(field, "must be a string");
            return null;
        }
        String text = value.textValue();
        if (text.isBlank() && required) {
            problem(field, "must not be empty");
            return null;
        }
        if (text.length() > maxLength) {
            problem(field, "must be at most " + maxLength + " characters");
            return null;
        }
        return text;
    }

    public String matching(String field, Pattern pattern, String rule, boolean required) {
        String text = string(field, 256, required);
        if (text != null && !pattern.matcher(text).matches()) {
            problem(field, rule);
            return null;
        }
        return text;
    }

    public Integer integer(String field, int min, int max, Integer fallback) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return fallback;
        }
        if (!value.isIntegralNumber() || !value.canConvertToInt() || value.intValue() < min || value.intValue() > max) {
            problem(field, "must be an integer from " + min + " to " + max);
            return fallback;
        }
        return value.intValue();
    }

    public Boolean bool(String field, Boolean fallback) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return fallback;
        }
        if (!value.isBoolean()) {
            problem(field, "must be true or false");
            return fallback;
        }
        return value.booleanValue();
    }

    public BigDecimal decimal(String field, boolean required) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            if (required) {
                problem(field, "is required");
            }
            return null;
        }
        if (!value.isTextual()) {
            problem(field, "must be a decimal string such as \"0.001\", not a JSON number");
            return null;
        }
        BigDecimal parsed = parseDecimal(value.textValue());
        if (parsed == null) {
            problem(field, "must be a non-negative decimal with at most " + MAX_SCALE + " decimals");
        }
        return parsed;
    }

    /** A non-negative decimal number (JSON number or decimal string), such as a unit count. */
    public BigDecimal quantity(String field, boolean required) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            if (required) {
                problem(field, "is required");
            }
            return null;
        }
        BigDecimal parsed = null;
        if (value.isTextual()) {
            parsed = parseDecimal(value.textValue());
        } else if (value.isIntegralNumber()) {
            parsed = parseDecimal(value.bigIntegerValue().toString());
        } else if (value.isNumber() && Double.isFinite(value.doubleValue())) {
            parsed = parseDecimal(new BigDecimal(value.asText()).toPlainString());
        }
        if (parsed == null) {
            problem(field, "must be a non-negative number with at most " + MAX_SCALE + " decimals");
        }
        return parsed;
    }

    public List<String> strings(String field, int maxItems, int maxLength) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return List.of();
        }
        if (!value.isArray() || value.size() > maxItems) {
            problem(field, "must be a list of at most " + maxItems + " strings");
            return List.of();
        }
        List<String> items = new ArrayList<>();
        for (JsonNode item : value) {
            if (!item.isTextual() || item.textValue().isBlank() || item.textValue().length() > maxLength) {
                problem(field, "must hold strings of 1 to " + maxLength + " characters");
                return List.of();
            }
            items.add(item.textValue());
        }
        return items;
    }

    public JsonNode object(String field, boolean required) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            if (required) {
                problem(field, "is required");
            }
            return null;
        }
        if (!value.isObject()) {
            problem(field, "must be a JSON object");
            return null;
        }
        return value;
    }

    public void problem(String field, String rule) {
        if (parent != null) {
            parent.problem(path + "." + field, rule);
            return;
        }
        Map<String, String> entry = new LinkedHashMap<>();
        entry.put("field", field);
        entry.put("problem", rule);
        problems.add(entry);
    }

    /** Throws the collected problems as one 400 answer. */
    public void validate() {
        if (parent != null) {
            parent.validate();
            return;
        }
        if (!problems.isEmpty()) {
            String first = problems.get(0).get("field") + " " + problems.get(0).get("problem");
            throw new ApiException(HttpStatus.BAD_REQUEST, "VALIDATION_FAILED",
                    "The request has " + problems.size() + " invalid field(s); first: " + first,
                    Map.of("fields", List.copyOf(problems)));
        }
    }

    public static BigDecimal parseDecimal(String text) {
        if (text == null || !DECIMAL.matcher(text).matches()) {
            return null;
        }
        return new BigDecimal(text);
    }
}
