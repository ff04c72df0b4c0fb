package dev.ferry.cli;

import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

/** The option-group syntax and the sizes. */
class SyntaxTest {
    private static KeyValues parse(String text, String implied, KeyValues.Flags flags) {
        return KeyValues.parse(text, implied, flags, null);
    }

    @Test
    void impliedFirstKeyAndOrder() {
        var kv = parse("virt,dumpdtb=f.dtb,aclint=on", "type", KeyValues.Flags.REJECT);
        assertEquals(List.of(new KeyValues.Entry("type", "virt"), new KeyValues.Entry("dumpdtb", "f.dtb"),
                new KeyValues.Entry("aclint", "on")), kv.entries());
        assertEquals(Optional.of("virt"), parse("type=virt", "type", KeyValues.Flags.REJECT).get("type"));
        assertTrue(parse("", "type", KeyValues.Flags.REJECT).isEmpty());
    }

    @Test
    void doubleCommaIsAComma() {
        assertEquals(Optional.of("a,b,c"), parse("file=a,,b,,c,format=raw", null, KeyValues.Flags.BOOLEAN_WARN).get("file"));
        assertEquals(Optional.of("x,"), parse("path=x,,", null, KeyValues.Flags.BOOLEAN_WARN).get("path"));
        assertEquals(List.of("a,b", "c"), KeyValues.splitList("a,,b,c"));
    }

    @Test
    void shortFormBooleans() {
        var warnings = new ArrayList<String>();
        var kv = KeyValues.parse("unix,path=/s,server,nowait", "backend", KeyValues.Flags.BOOLEAN_WARN, warnings::add);
        assertEquals(Optional.of(true), kv.bool("server"));
        assertEquals(Optional.of(false), kv.bool("wait"));
        assertEquals(2, warnings.size());
        var e = assertThrows(CliError.class, () -> parse("virt,dumpdtb", "type", KeyValues.Flags.REJECT));
        assertEquals("Expected '=' after parameter 'dumpdtb'", e.getMessage());
    }

    @Test
    void booleanSpellings() {
        for (String on : List.of("on", "yes", "true")) assertTrue(KeyValues.parseBool("k", on));
        for (String off : List.of("off", "no", "false")) assertFalse(KeyValues.parseBool("k", off));
        assertEquals("Parameter 'k' expects 'on' or 'off'",
                assertThrows(CliError.class, () -> KeyValues.parseBool("k", "maybe")).getMessage());
    }

    @Test
    void lastValueWinsAndUnusedKeysAreReported() {
        var kv = parse("a=1,b=2,a=3", null, KeyValues.Flags.BOOLEAN_WARN);
        assertEquals(Optional.of("3"), kv.get("a"));
        assertEquals(List.of("b"), kv.unused());
        assertEquals("Invalid parameter 'b'", assertThrows(CliError.class, kv::rejectUnused).getMessage());
        assertEquals(Map.of("a", "3", "b", "2"), kv.toMap());
    }

    private static long size(String s, long unit) {
        return Sizes.parse(s, "size", unit, null).longValueExact();
    }

    @Test
    void sizes() {
        assertEquals(256L << 20, size("256M", 1));
        assertEquals(256L << 20, size("256", Sizes.MiB));
        assertEquals(2L << 30, size("2g", 1));
        assertEquals(1L << 40, size("1T", 1));
        assertEquals(3L << 50, size("3P", 1));
        assertEquals(1L << 60, size("1E", 1));
        assertEquals(1536, size("1.5K", 1));
        assertEquals(100, size("100B", Sizes.MiB));
        assertEquals(4096, size("0x1000", 1));
        assertEquals(new BigInteger("18446744073709551615"), Sizes.parse("18446744073709551615", "size", 1, null));
        for (String bad : List.of("", "abc", "-1", "1.5", "1.5B", "12Q", "1KB", ".5G", "0x"))
            assertThrows(CliError.class, () -> Sizes.parse(bad, "size", 1, null), bad);
        assertEquals("Value '16E' is out of range for parameter 'size'",
                assertThrows(CliError.class, () -> Sizes.parse("16E", "size", 1, null)).getMessage());
        var warnings = new ArrayList<String>();
        assertEquals(1L << 20, Sizes.parse("0x1", "size", Sizes.MiB, warnings::add).longValueExact());
        assertEquals(List.of("warning: Using a multiplier suffix on hex numbers is deprecated: 0x1M"), warnings);
        assertEquals("256M", Sizes.format(256L << 20));
        assertEquals("1T", Sizes.format(1L << 40));
        assertEquals("1536K", Sizes.format(1536L << 10));
    }
}
