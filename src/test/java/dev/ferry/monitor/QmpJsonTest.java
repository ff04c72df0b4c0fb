package dev.ferry.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** QMP's JSON: QEMU 7.2's streamer, parser messages and output form (expected texts taken from it). */
class QmpJsonTest {
    private static List<String> feed(byte[] b) {
        QmpJson.Streamer s = new QmpJson.Streamer();
        List<String> out = new ArrayList<>();
        for (QmpJson.Item i : s.feed(b, 0, b.length)) out.add(i.isError() ? "E:" + i.error() : QmpJson.write(i.value()));
        return out;
    }

    private static List<String> feed(String s) {
        return feed(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void valuesEndWhereBracesBalanceWhateverTheChunks() {
        String in = "{\"execute\":\n\"query-status\", 'id': [1, {}]}  {\"a\": []}\n";
        List<String> whole = feed(in);
        assertEquals(List.of("{\"execute\": \"query-status\", \"id\": [1, {}]}", "{\"a\": []}"), whole);
        QmpJson.Streamer s = new QmpJson.Streamer();
        List<String> bytewise = new ArrayList<>();
        for (byte b : in.getBytes(StandardCharsets.UTF_8)) {
            for (QmpJson.Item i : s.feed(new byte[] {b}, 0, 1)) bytewise.add(QmpJson.write(i.value()));
        }
        assertEquals(whole, bytewise);
    }

    @Test
    void parseErrorsAsQemu() {
        assertEquals(List.of("E:JSON parse error, missing : in object pair"), feed("{\"a\" 1}\n"));
        assertEquals(List.of("E:JSON parse error, expecting value"), feed("{\"a\":1,}\n"));
        assertEquals(List.of("E:JSON parse error, expected separator in list"), feed("[1 2]\n"));
        assertEquals(List.of("E:JSON parse error, expected separator in dict"), feed("{\"a\":1 \"b\":2}\n"));
        assertEquals(List.of("E:JSON parse error, key is not a string in object"), feed("{1:2}\n"));
        assertEquals(List.of("E:JSON parse error, invalid keyword 'tru'"), feed("{\"a\":tru}\n"));
        assertEquals(List.of("E:JSON parse error, invalid keyword 'nullx'"), feed("{\"a\":nullx}\n"));
        assertEquals(List.of("E:JSON parse error, invalid escape sequence in string"), feed("{\"a\":\"\\x\"}\n"));
        assertEquals(List.of("E:JSON parse error, duplicate key"), feed("{\"a\":1, \"a\":2}\n"));
        assertEquals(List.of("E:JSON parse error, expecting value"), feed("}\n"));
        assertEquals(List.of("E:JSON parse error, stray '01'", "E:JSON parse error, expecting value"), feed("{\"a\": 01}\n"));
        assertEquals(List.of("E:JSON parse error, stray '1e}'"), feed("{\"a\": 1e}\n"));
        assertEquals(List.of("E:JSON parse error, stray '-}'"), feed("{\"a\": -}\n"));
        assertEquals(List.of("E:JSON parse error, stray '.'", "E:JSON parse error, expecting value"), feed("{\"a\": .5}\n"));
        assertEquals(List.of("E:JSON parse error, stray 'T'", "E:JSON parse error, expecting value"), feed("{\"a\": TRUE}\n"));
        assertEquals(List.of("E:JSON parse error, stray '\"x\t'", "E:JSON parse error, expecting value"), feed("{\"a\": \"x\ty\"}\n"));
        assertEquals(List.of("E:JSON parse error, stray '\"abc\n'"), feed("\"abc\n\"\n"));
    }

    @Test
    void recoverySkipsToAStructuralCharacterOrLineEnd() {
        assertEquals(List.of("E:JSON parse error, stray '@'"), feed("@ 5\n"));
        assertEquals(List.of("E:JSON parse error, stray '@'", "5"), feed("@\n5\n"));
        assertEquals(List.of("E:JSON parse error, stray '@'", "E:JSON parse error, expecting value", "{}"), feed("@,{}\n"));
        assertEquals(List.of("E:JSON parse error, stray '@'", "E:JSON parse error, stray ''\n'"), feed("@'{'\n"));
        assertEquals(List.of("E:JSON parse error, stray ''", "{}"), feed("\0{}\n"));
        assertEquals(List.of("E:JSON parse error, stray '\uFFFD'", "{}"), feed(new byte[] {(byte) 0xc3, (byte) 0xa9, '{', '}'}));
        assertEquals(List.of("E:JSON parse error, stray '@'", "E:JSON parse error, expecting value", "E:JSON parse error, expecting value"),
                feed("{\"a\":[1,@]}\n"));
        assertEquals(List.of(), feed("{\"a\": [1,}\n"), "a bracket still open: waiting for more");
    }

    @Test
    void nestingLimit() {
        List<String> r = feed("[".repeat(1025) + "]".repeat(1025));
        assertEquals("E:JSON nesting depth limit exceeded", r.get(0));
        assertEquals(1026, r.size());
        assertTrue(r.subList(1, r.size()).stream().allMatch("E:JSON parse error, expecting value"::equals));
        assertEquals(1, feed("{\"a\":" + "[".repeat(1023) + "]".repeat(1023) + "}").size());
    }

    @Test
    void stringsAndUnicode() {
        assertEquals(List.of("\"\\uD83D\\uDE00\""), feed("\"\\ud83d\\ude00\""));
        assertEquals(List.of("\"\\uD83D\\uDE00\""), feed(new byte[] {'"', (byte) 0xf0, (byte) 0x9f, (byte) 0x98, (byte) 0x80, '"'}));
        assertEquals(List.of("E:JSON parse error, \\ud83d is not a valid Unicode character"), feed("\"\\ud83d\""));
        assertEquals(List.of("E:JSON parse error, \\uDE00 is not a valid Unicode character"), feed("\"\\uDE00\""));
        assertEquals(List.of("E:JSON parse error, \\u12\" is not a valid Unicode character"), feed("\"\\u12\""));
        assertEquals(List.of("\"\\u0000\""), feed("\"\\u0000\""));
        assertEquals(List.of("\"\\u0000\""), feed(new byte[] {'"', (byte) 0xc0, (byte) 0x80, '"'}));
        assertEquals(List.of("E:JSON parse error, invalid UTF-8 sequence in string"), feed(new byte[] {'"', (byte) 0xc3, '"'}));
        assertEquals(List.of("E:JSON parse error, invalid UTF-8 sequence in string"), feed(new byte[] {'"', (byte) 0xed, (byte) 0xa0, (byte) 0x80, '"'}));
        assertEquals(List.of("E:JSON parse error, invalid UTF-8 sequence in string"),
                feed(new byte[] {'"', (byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80, '"'}));
        assertEquals(List.of("\"a\\\"b\\\\c/\\n\\t\\u0001\\u007F\""), feed("\"a\\\"b\\\\c\\/\\n\\t\\u0001\u007f\""));
        assertEquals(List.of("\"a'b\"", "\"a\\\"b\""), feed("'a\\'b' 'a\"b'"));
    }

    @Test
    void numbers() {
        assertEquals(List.of("[9223372036854775807, 9223372036854775808, 1.8446744073709552e+19, -9223372036854775808, -9.2233720368547758e+18]"),
                feed("[9223372036854775807, 9223372036854775808, 18446744073709551616, -9223372036854775808, -9223372036854775809]"));
        assertEquals(List.of("[0, 100000, 100000, 0.00050000000000000001, -1.5, 3, -0, 0, inf]"),
                feed("[-0, 1E5, 1e+5, 0.5e-3, -1.5, 3.0e0, -0.0e0, 1e-400, 1e400]"));
        assertEquals("0.10000000000000001", QmpJson.formatDouble(0.1));
        assertEquals("1.5000000000000001e+300", QmpJson.formatDouble(1.5e300));
        assertEquals("4.9406564584124654e-324", QmpJson.formatDouble(Double.MIN_VALUE));
        assertEquals("100", QmpJson.formatDouble(100.0));
        assertEquals("1e+20", QmpJson.formatDouble(1e20));
        assertEquals("123456789.125", QmpJson.formatDouble(123456789.125));
        assertEquals("0.30000000000000004", QmpJson.formatDouble(0.1 + 0.2));
        assertEquals("-inf", QmpJson.formatDouble(Double.NEGATIVE_INFINITY));
    }

    @Test
    void argumentTypesCheckAsQemusVisitor() {
        QmpType.StructType cap = QmpType.struct("MigrationCapabilityStatus")
                .member("capability", QmpType.enumOf("MigrationCapability", "xbzrle", "events"))
                .member("state", QmpType.BOOL).build();
        QmpType.StructType args = QmpType.struct("args")
                .member("capabilities", QmpType.arrayOf(cap))
                .optional("downtime-limit", QmpType.UINT64)
                .optional("threshold", QmpType.UINT8)
                .optional("count", QmpType.INT32)
                .optional("tls-creds", QmpType.STR_OR_NULL)
                .optional("rate", QmpType.NUMBER).build();
        assertEquals("Invalid parameter type for 'capabilities', expected: array", err(args, "{\"capabilities\": {}}"));
        assertEquals("Invalid parameter type for 'capabilities[0]', expected: object", err(args, "{\"capabilities\": [1]}"));
        assertEquals("Parameter 'capability' does not accept value 'nosuch'",
                err(args, "{\"capabilities\": [{\"capability\": \"nosuch\", \"state\": true}]}"));
        assertEquals("Invalid parameter type for 'capabilities[0].capability', expected: string",
                err(args, "{\"capabilities\": [{\"capability\": 5, \"state\": true}]}"));
        assertEquals("Parameter 'capabilities[0].state' is missing", err(args, "{\"capabilities\": [{\"capability\": \"xbzrle\"}]}"));
        assertEquals("Parameter 'capabilities[0].foo' is unexpected",
                err(args, "{\"capabilities\": [{\"capability\": \"xbzrle\", \"state\": true, \"foo\": 1}]}"));
        assertEquals("Invalid parameter type for 'capabilities[1].state', expected: boolean",
                err(args, "{\"capabilities\": [{\"capability\": \"xbzrle\", \"state\": true}, {\"capability\": \"events\", \"state\": 1}]}"));
        assertEquals("Parameter 'capabilities' is missing", err(args, "{}"));
        assertEquals("Parameter 'downtime-limit' expects uint64", err(args, "{\"capabilities\": [], \"downtime-limit\": \"x\"}"));
        assertEquals("Parameter 'downtime-limit' expects uint64", err(args, "{\"capabilities\": [], \"downtime-limit\": 1.5}"));
        assertEquals("Parameter 'downtime-limit' expects uint64", err(args, "{\"capabilities\": [], \"downtime-limit\": 18446744073709551616}"));
        assertEquals("Parameter 'threshold' expects uint8_t", err(args, "{\"capabilities\": [], \"threshold\": 300}"));
        assertEquals("Parameter 'threshold' expects uint8_t", err(args, "{\"capabilities\": [], \"threshold\": -1}"));
        assertEquals("Parameter 'count' expects int32_t", err(args, "{\"capabilities\": [], \"count\": 2147483648}"));
        assertEquals("Invalid parameter type for 'count', expected: integer", err(args, "{\"capabilities\": [], \"count\": null}"));
        assertEquals("Invalid parameter type for 'tls-creds', expected: StrOrNull", err(args, "{\"capabilities\": [], \"tls-creds\": 5}"));
        assertEquals("Invalid parameter type for 'rate', expected: number", err(args, "{\"capabilities\": [], \"rate\": \"x\"}"));
        ObjectNode ok = args.checkMembers(obj("{\"capabilities\": [], \"downtime-limit\": -1, \"tls-creds\": null, \"rate\": 2}"), "");
        assertEquals("18446744073709551615", ok.get("downtime-limit").bigIntegerValue().toString(), "QEMU casts a negative uint64");
        assertEquals(-1L, ok.get("downtime-limit").longValue());
        assertTrue(ok.get("tls-creds").isNull());
    }

    private static ObjectNode obj(String json) {
        JsonNode v = feedOne(json);
        return (ObjectNode) v;
    }

    private static JsonNode feedOne(String json) {
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        return new QmpJson.Streamer().feed(b, 0, b.length).get(0).value();
    }

    private static String err(QmpType.StructType t, String json) {
        return assertThrows(QmpError.class, () -> t.checkMembers(obj(json), "")).desc();
    }
}
