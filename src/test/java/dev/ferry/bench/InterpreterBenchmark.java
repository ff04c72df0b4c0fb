package dev.ferry.bench;

import static dev.ferry.asm.Reg.*;

import dev.ferry.asm.Assembler;
import dev.ferry.asm.Label;
import dev.ferry.cpu.Hart;
import dev.ferry.cpu.TestMachine;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.*;

/**
 * Guest instructions per second of the interpreter on a mixed integer loop: ALU work, loads
 * and stores to a 64 KiB array, taken and untaken branches, and a call per iteration.
 * A figure to track (run with bench/interpreter), not a test.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class InterpreterBenchmark {
    static final int SLICE = 10_000_000;
    TestMachine m;

    @Setup
    public void setup() {
        m = new TestMachine(8 << 20);
        Assembler a = new Assembler(TestMachine.RAM_BASE);
        Label loop = a.newLabel(), fn = a.newLabel(), skip = a.newLabel();
        a.li(S0, TestMachine.RAM_BASE + (1 << 20)); // array base
        a.li(S1, 0); // index
        a.li(S2, 0x9e3779b97f4a7c15L);
        a.li(SP, TestMachine.RAM_BASE + (4 << 20));
        a.bind(loop);
        a.andi(T0, S1, 0x7f8);
        a.add(T0, T0, S0);
        a.ld(T1, 0, T0);
        a.mul(T2, T1, S2);
        a.xor(T1, T1, T2);
        a.srli(T3, T1, 17);
        a.add(T1, T1, T3);
        a.sd(T1, 0, T0);
        a.andi(T4, T1, 1);
        a.beqz(T4, skip);
        a.addi(S3, S3, 1);
        a.bind(skip);
        a.call(fn);
        a.addi(S1, S1, 8);
        a.j(loop);
        a.bind(fn);
        a.addi(SP, SP, -16);
        a.sd(RA, 8, SP);
        a.slli(T5, S1, 3);
        a.sub(T6, T5, S1);
        a.ld(RA, 8, SP);
        a.addi(SP, SP, 16);
        a.ret();
        m.load(a);
    }

    @TearDown
    public void tearDown() {
        m.close();
    }

    @Benchmark
    @OperationsPerInvocation(SLICE)
    public Hart.Exit mixedIntegerLoop() {
        return m.hart.run(SLICE);
    }
}
