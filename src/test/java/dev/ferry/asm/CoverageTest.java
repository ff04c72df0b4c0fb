package dev.ferry.asm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every public instruction method of {@link Assembler} has at least one encoding test case. */
class CoverageTest {

    /** Methods that are not single instructions; they are exercised by LabelTest and LoadImmediateTest. */
    static final Set<String> NOT_INSTRUCTIONS = Set.of("origin", "size", "here", "newLabel", "bind", "label",
            "addressOf", "assemble", "emit32", "emit16", "word", "half", "dword", "bytes", "zero", "align", "ascii",
            "asciz", "li", "la", "lla", "call", "tail", "c_unimp");

    @Test
    void everyInstructionMethodHasAnEncodingCase() {
        Set<String> tested = new TreeSet<>();
        Stream.concat(EncodingTest.CASES.stream().map(EncodingTest.Case::asm),
                        CompressedEncodingTest.CASES.stream().map(CompressedEncodingTest.Case::asm))
                .map(asm -> asm.split(" ")[0].replaceAll("\\.(aq|rl|aqrl)$", "").replace('.', '_'))
                .forEach(tested::add);
        Set<String> missing = new TreeSet<>();
        for (Method m : Assembler.class.getDeclaredMethods()) {
            if (!Modifier.isPublic(m.getModifiers()) || m.getReturnType() != Assembler.class) continue;
            if (NOT_INSTRUCTIONS.contains(m.getName())) continue;
            if (!tested.contains(m.getName())) missing.add(m.getName());
        }
        assertEquals(Set.of(), missing);
    }
}
