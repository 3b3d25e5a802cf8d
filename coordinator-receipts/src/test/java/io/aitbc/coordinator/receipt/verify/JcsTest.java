package io.aitbc.coordinator.receipt.verify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Known answers from RFC 8785 (sections 3.2.2, 3.2.3 and appendix B). */
class JcsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void rfc8785MainExampleIsCanonicalised() throws Exception {
        String input = """
                {
                  "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
                  "string": "\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\"\\/",
                  "literals": [null, true, false]
                }""";

        String canonical = Jcs.canonicalString(JSON.readTree(input));

        assertThat(canonical).isEqualTo("{\"literals\":[null,true,false],"
                + "\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],"
                + "\"string\":\"\u20ac$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}");
    }

    @Test
    void membersAreSortedByUtf16CodeUnits() throws Exception {
        String input = """
                {
                  "\\u20ac": "Euro Sign",
                  "\\r": "Carriage Return",
                  "\\ufb33": "Hebrew Letter Dalet With Dagesh",
                  "1": "One",
                  "\\ud83d\\ude00": "Emoji: Grinning Face",
                  "\\u0080": "Control",
                  "\\u00f6": "Latin Small Letter O With Diaeresis"
                }""";

        String canonical = Jcs.canonicalString(JSON.readTree(input));

        assertThat(canonical).isEqualTo("{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u0080\":\"Control\","
                + "\"\u00f6\":\"Latin Small Letter O With Diaeresis\",\"\u20ac\":\"Euro Sign\","
                + "\"\ud83d\ude00\":\"Emoji: Grinning Face\",\"\ufb33\":\"Hebrew Letter Dalet With Dagesh\"}");
    }

    @Test
    void outputIsUtf8WithoutWhitespace() throws Exception {
        byte[] bytes = Jcs.canonicalize(JSON.readTree("{ \"b\" : [ 1 , 2 ] , \"a\" : \"\u00e9\" }"));

        assertThat(bytes).isEqualTo("{\"a\":\"\u00e9\",\"b\":[1,2]}".getBytes(StandardCharsets.UTF_8));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "0000000000000000, 0",
            "8000000000000000, 0",
            "0000000000000001, 5e-324",
            "8000000000000001, -5e-324",
            "7fefffffffffffff, 1.7976931348623157e+308",
            "ffefffffffffffff, -1.7976931348623157e+308",
            "4340000000000000, 9007199254740992",
            "c340000000000000, -9007199254740992",
            "4430000000000000, 295147905179352830000",
            "44b52d02c7e14af5, 9.999999999999997e+22",
            "44b52d02c7e14af6, 1e+23",
            "44b52d02c7e14af7, 1.0000000000000001e+23",
            "444b1ae4d6e2ef4e, 999999999999999700000",
            "444b1ae4d6e2ef4f, 999999999999999900000",
            "444b1ae4d6e2ef50, 1e+21",
            "3eb0c6f7a0b5ed8c, 9.999999999999997e-7",
            "3eb0c6f7a0b5ed8d, 0.000001",
            "41b3de4355555553, 333333333.3333332",
            "41b3de4355555554, 333333333.33333325",
            "41b3de4355555555, 333333333.3333333",
            "41b3de4355555556, 333333333.3333334",
            "41b3de4355555557, 333333333.33333343",
            "becbf647612f3696, -0.0000033333333333333333",
            "43143ff3c1cb0959, 1424953923781206.2"
    })
    void numbersFollowAppendixB(String ieeeHex, String expected) {
        double value = Double.longBitsToDouble(Long.parseUnsignedLong(ieeeHex, 16));

        assertThat(Jcs.formatNumber(value)).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource({"7fffffffffffffff", "7ff0000000000000", "fff0000000000000"})
    void nanAndInfinityHaveNoCanonicalForm(String ieeeHex) {
        double value = Double.longBitsToDouble(Long.parseUnsignedLong(ieeeHex, 16));

        assertThatThrownBy(() -> Jcs.formatNumber(value)).isInstanceOf(CanonicalizationException.class);
    }

    @Test
    void loneHighSurrogateIsRefused() throws Exception {
        JsonNode node = JSON.readTree("{\"job_type\": \"a\\ud800b\"}");

        assertThatThrownBy(() -> Jcs.canonicalize(node))
                .isInstanceOf(CanonicalizationException.class)
                .hasMessageContaining("lone surrogate U+D800");
    }

    @Test
    void loneLowSurrogateInAMemberNameIsRefused() throws Exception {
        JsonNode node = JSON.readTree("{\"\\udc00\": 1}");

        assertThatThrownBy(() -> Jcs.requireCanonicalizable(node)).isInstanceOf(CanonicalizationException.class);
    }

    @Test
    void controlCharactersUseShortOrLowercaseEscapes() throws Exception {
        JsonNode node = JSON.readTree("[\"\\b\\t\\n\\f\\r\\u001f\\u007f\"]");

        assertThat(Jcs.canonicalString(node)).isEqualTo("[\"\\b\\t\\n\\f\\r\\u001f\u007f\"]");
    }

    @Test
    void integersBeyondDoublePrecisionAreRoundedAsTheRfcPrescribes() throws Exception {
        assertThat(Jcs.canonicalString(JSON.readTree("[9007199254740993, 41, -7]")))
                .isEqualTo("[9007199254740992,41,-7]");
    }
}
