package dev.ferry.cpu;

import static dev.ferry.asm.FReg.*;
import static dev.ferry.asm.Reg.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.asm.Assembler;
import dev.ferry.asm.Csr;
import dev.ferry.asm.Label;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;

/**
 * Every F/D computational instruction on about two thousand operand sets (special values,
 * boundaries of the integer conversions, unboxed singles, random bits; static and dynamic rounding
 * modes, a few reserved ones) against what qemu-system-riscv64 7.2 computed for the same program:
 * destination register, fcsr afterwards, and the trap and its tval when there was one. QEMU's
 * results are kept as a test resource ({@code qemu-fp-ops.txt}); {@link #main} records it again
 * where QEMU is installed.
 */
class FpInstructionQemuRecordTest {
    static final String RESOURCE = "qemu-fp-ops.txt";
    static final long ORIGIN = TestMachine.RAM_BASE;
    static final long OUT = TestMachine.RAM_BASE + 0x80_0000L;
    static final int REC = 48;
    static final long DONE = 0x0d0e_0d0e_0d0e_0d0eL;
    static final long SENTINEL_F = 0x5a5a_5a5a_5a5a_5a5aL, SENTINEL_X = 0x6b6b_6b6b_6b6b_6b6bL;

    /** One operation: rd is ft0 or a0, sources ft1, ft2, ft3 or a1. */
    record Op(String name, char sources, boolean hasRm, BiConsumer<Assembler, Integer> emit) {}

    static final Map<String, Op> OPS = new LinkedHashMap<>();

    private static void op(String name, char sources, boolean hasRm, BiConsumer<Assembler, Integer> emit) {
        OPS.put(name, new Op(name, sources, hasRm, emit));
    }

    static {
        for (char p : new char[] {'s', 'd'}) {
            boolean s = p == 's';
            op("fadd." + p, p, true, (a, rm) -> { if (s) a.fadd_s(FT0, FT1, FT2, rm); else a.fadd_d(FT0, FT1, FT2, rm); });
            op("fsub." + p, p, true, (a, rm) -> { if (s) a.fsub_s(FT0, FT1, FT2, rm); else a.fsub_d(FT0, FT1, FT2, rm); });
            op("fmul." + p, p, true, (a, rm) -> { if (s) a.fmul_s(FT0, FT1, FT2, rm); else a.fmul_d(FT0, FT1, FT2, rm); });
            op("fdiv." + p, p, true, (a, rm) -> { if (s) a.fdiv_s(FT0, FT1, FT2, rm); else a.fdiv_d(FT0, FT1, FT2, rm); });
            op("fsqrt." + p, p, true, (a, rm) -> { if (s) a.fsqrt_s(FT0, FT1, rm); else a.fsqrt_d(FT0, FT1, rm); });
            op("fmadd." + p, p, true, (a, rm) -> { if (s) a.fmadd_s(FT0, FT1, FT2, FT3, rm); else a.fmadd_d(FT0, FT1, FT2, FT3, rm); });
            op("fmsub." + p, p, true, (a, rm) -> { if (s) a.fmsub_s(FT0, FT1, FT2, FT3, rm); else a.fmsub_d(FT0, FT1, FT2, FT3, rm); });
            op("fnmsub." + p, p, true, (a, rm) -> { if (s) a.fnmsub_s(FT0, FT1, FT2, FT3, rm); else a.fnmsub_d(FT0, FT1, FT2, FT3, rm); });
            op("fnmadd." + p, p, true, (a, rm) -> { if (s) a.fnmadd_s(FT0, FT1, FT2, FT3, rm); else a.fnmadd_d(FT0, FT1, FT2, FT3, rm); });
            op("fsgnj." + p, p, false, (a, rm) -> { if (s) a.fsgnj_s(FT0, FT1, FT2); else a.fsgnj_d(FT0, FT1, FT2); });
            op("fsgnjn." + p, p, false, (a, rm) -> { if (s) a.fsgnjn_s(FT0, FT1, FT2); else a.fsgnjn_d(FT0, FT1, FT2); });
            op("fsgnjx." + p, p, false, (a, rm) -> { if (s) a.fsgnjx_s(FT0, FT1, FT2); else a.fsgnjx_d(FT0, FT1, FT2); });
            op("fmin." + p, p, false, (a, rm) -> { if (s) a.fmin_s(FT0, FT1, FT2); else a.fmin_d(FT0, FT1, FT2); });
            op("fmax." + p, p, false, (a, rm) -> { if (s) a.fmax_s(FT0, FT1, FT2); else a.fmax_d(FT0, FT1, FT2); });
            op("feq." + p, p, false, (a, rm) -> { if (s) a.feq_s(A0, FT1, FT2); else a.feq_d(A0, FT1, FT2); });
            op("flt." + p, p, false, (a, rm) -> { if (s) a.flt_s(A0, FT1, FT2); else a.flt_d(A0, FT1, FT2); });
            op("fle." + p, p, false, (a, rm) -> { if (s) a.fle_s(A0, FT1, FT2); else a.fle_d(A0, FT1, FT2); });
            op("fclass." + p, p, false, (a, rm) -> { if (s) a.fclass_s(A0, FT1); else a.fclass_d(A0, FT1); });
            op("fcvt.w." + p, p, true, (a, rm) -> { if (s) a.fcvt_w_s(A0, FT1, rm); else a.fcvt_w_d(A0, FT1, rm); });
            op("fcvt.wu." + p, p, true, (a, rm) -> { if (s) a.fcvt_wu_s(A0, FT1, rm); else a.fcvt_wu_d(A0, FT1, rm); });
            op("fcvt.l." + p, p, true, (a, rm) -> { if (s) a.fcvt_l_s(A0, FT1, rm); else a.fcvt_l_d(A0, FT1, rm); });
            op("fcvt.lu." + p, p, true, (a, rm) -> { if (s) a.fcvt_lu_s(A0, FT1, rm); else a.fcvt_lu_d(A0, FT1, rm); });
            op("fcvt." + p + ".w", 'x', true, (a, rm) -> { if (s) a.fcvt_s_w(FT0, A1, rm); else a.fcvt_d_w(FT0, A1, rm); });
            op("fcvt." + p + ".wu", 'x', true, (a, rm) -> { if (s) a.fcvt_s_wu(FT0, A1, rm); else a.fcvt_d_wu(FT0, A1, rm); });
            op("fcvt." + p + ".l", 'x', true, (a, rm) -> { if (s) a.fcvt_s_l(FT0, A1, rm); else a.fcvt_d_l(FT0, A1, rm); });
            op("fcvt." + p + ".lu", 'x', true, (a, rm) -> { if (s) a.fcvt_s_lu(FT0, A1, rm); else a.fcvt_d_lu(FT0, A1, rm); });
        }
        op("fcvt.s.d", 'd', true, (a, rm) -> a.fcvt_s_d(FT0, FT1, rm));
        op("fcvt.d.s", 's', true, (a, rm) -> a.fcvt_d_s(FT0, FT1, rm));
        op("fmv.x.w", 's', false, (a, rm) -> a.fmv_x_w(A0, FT1));
        op("fmv.x.d", 'd', false, (a, rm) -> a.fmv_x_d(A0, FT1));
        op("fmv.w.x", 'x', false, (a, rm) -> a.fmv_w_x(FT0, A1));
        op("fmv.d.x", 'x', false, (a, rm) -> a.fmv_d_x(FT0, A1));
    }

    record Case(String op, int rm, int frm, int fflags, long f1, long f2, long f3, long x) {}

    /** What a case leaves: ft0, a0, fcsr, and mcause + 1 (0: no trap) and mtval. */
    record Result(long f0, long a0, long fcsr, long trap, long tval) {
        @Override
        public String toString() {
            return String.format("%016x %016x %02x %d %x", f0, a0, fcsr, trap, tval);
        }

        static Result parse(String s) {
            String[] w = s.trim().split("\\s+");
            return new Result(Long.parseUnsignedLong(w[0], 16), Long.parseUnsignedLong(w[1], 16),
                    Long.parseLong(w[2], 16), Long.parseLong(w[3]), Long.parseUnsignedLong(w[4], 16));
        }
    }

    static String format(Case c) {
        return String.format("%-10s %d %d %02x %016x %016x %016x %016x", c.op, c.rm, c.frm, c.fflags, c.f1, c.f2, c.f3, c.x);
    }

    static Case parseCase(String s) {
        String[] w = s.trim().split("\\s+");
        return new Case(w[0], Integer.parseInt(w[1]), Integer.parseInt(w[2]), Integer.parseInt(w[3], 16),
                Long.parseUnsignedLong(w[4], 16), Long.parseUnsignedLong(w[5], 16), Long.parseUnsignedLong(w[6], 16),
                Long.parseUnsignedLong(w[7], 16));
    }

    /**
     * One program for all cases, run with FS=Dirty throughout. A trap lands in a handler that
     * records mcause and mtval and resumes after the trapping instruction. At the end, a DONE
     * marker, then a store to 0x100000: the end of the run for {@link TestMachine} (a no-op for
     * QEMU's sifive_test, which only acts on its own codes).
     */
    static byte[] program(List<Case> cases) {
        Assembler a = new Assembler(ORIGIN);
        Label handler = a.newLabel("trap");
        a.la(T0, handler).csrw(Csr.MTVEC, T0);
        a.li(T0, 3L << 13).csrs(Csr.MSTATUS, T0);
        for (int i = 0; i < cases.size(); i++) {
            Case c = cases.get(i);
            Op op = OPS.get(c.op);
            long[] f = {SENTINEL_F, c.f1, c.f2, c.f3};
            for (int r = 0; r < 4; r++) a.li(T0, f[r]).fmv_d_x(r, T0);
            a.li(A0, SENTINEL_X).li(A1, c.x);
            a.li(T0, c.frm).fsrm(T0).li(T0, c.fflags).fsflags(T0);
            a.li(S11, 0).li(S9, 0);
            op.emit.accept(a, c.rm);
            a.li(T1, OUT + (long) i * REC);
            a.fsd(FT0, 0, T1).sd(A0, 8, T1).frcsr(T0).sd(T0, 16, T1).sd(S11, 24, T1).sd(S9, 32, T1);
        }
        a.li(T1, OUT + (long) cases.size() * REC).li(T0, DONE).sd(T0, 0, T1);
        a.li(T0, TestMachine.EXIT).sd(ZERO, 0, T0);
        Label self = a.label();
        a.j(self);
        a.align(4);
        a.bind(handler);
        a.csrr(S11, Csr.MCAUSE).addi(S11, S11, 1).csrr(S9, Csr.MTVAL);
        a.csrr(T0, Csr.MEPC).addi(T0, T0, 4).csrw(Csr.MEPC, T0).mret();
        return a.assemble();
    }

    static List<Result> results(ByteBuffer b, int n) {
        List<Result> r = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int o = i * REC;
            r.add(new Result(b.getLong(o), b.getLong(o + 8), b.getLong(o + 16), b.getLong(o + 24), b.getLong(o + 32)));
        }
        return r;
    }

    static List<Result> runOnFerry(byte[] program, int n) {
        try (TestMachine m = new TestMachine(16 << 20)) {
            m.ram.load(0, program);
            m.hart.setPc(ORIGIN);
            m.run(200L * n + 100_000);
            assertEquals(DONE, m.bus.read(OUT + (long) n * REC, 8), "the program ran to its end");
            ByteBuffer b = ByteBuffer.allocate(n * REC).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < n * REC; i += 8) b.putLong(i, m.bus.read(OUT + i, 8));
            return results(b, n);
        }
    }

    @Test
    void ferryComputesWhatQemuComputed() throws Exception {
        List<Case> cases = new ArrayList<>();
        List<Result> expected = new ArrayList<>();
        var in = getClass().getResourceAsStream(RESOURCE);
        assertTrue(in != null, RESOURCE + " is missing");
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.isBlank() || line.startsWith("#")) continue;
                int bar = line.indexOf("->");
                cases.add(parseCase(line.substring(0, bar)));
                expected.add(Result.parse(line.substring(bar + 2)));
            }
        }
        assertTrue(cases.size() > 1000, "the recording has " + cases.size() + " cases");
        List<Result> got = runOnFerry(program(cases), cases.size());
        StringBuilder bad = new StringBuilder();
        int mismatches = 0;
        for (int i = 0; i < cases.size(); i++) {
            if (!got.get(i).equals(expected.get(i))) {
                if (++mismatches <= 20) {
                    bad.append('\n').append(format(cases.get(i))).append("\n    qemu  ").append(expected.get(i))
                            .append("\n    ferry ").append(got.get(i));
                }
            }
        }
        assertEquals(0, mismatches, mismatches + " of " + cases.size() + " cases differ from QEMU 7.2:" + bad);
    }

    // ---- recording (needs qemu-system-riscv64 7.2; not part of the test run) ----

    private static final int[] S = {0, 0x80000000, 0x3f800000, 0xbf800000, 1, 0x80000001, 0x007fffff, 0x807fffff,
        0x00800000, 0x80800000, 0x7f7fffff, 0xff7fffff, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000, 0x7f800001,
        0xff800001, 0x7fc12345, 0x7f812345, 0x3f000000, 0x3fc00000, 0x40200000, 0xc0200000, 0x4f000000, 0xcf000000,
        0x4f7fffff, 0x4f800000, 0x5f000000, 0xdf000000, 0x5f800000, 0x4effffff, 0xcf000001, 0x3effffff, 0x3f7fffff,
        0x33800000, 0x34000000, 0x00000003, 0x0ff00000, 0x70000000, 0x4b800001, 0x4b7fffff, 0x3eaaaaab, 0x1f800000,
        0x5f7fffff};
    private static final long[] D = {0L, 0x8000000000000000L, 0x3ff0000000000000L, 0xbff0000000000000L, 1L,
        0x8000000000000001L, 0x000fffffffffffffL, 0x0010000000000000L, 0x7fefffffffffffffL, 0xffefffffffffffffL,
        0x7ff0000000000000L, 0xfff0000000000000L, 0x7ff8000000000000L, 0xfff8000000000000L, 0x7ff0000000000001L,
        0x7ff8dead0000beefL, 0x7ff4000000000000L, 0x3fe0000000000000L, 0x3ff8000000000000L, 0x4004000000000000L,
        0xc004000000000000L, 0x41dfffffffc00000L, 0x41e0000000000000L, 0xc1e0000000000000L, 0xc1e0000000200000L,
        0x41efffffffe00000L, 0x41f0000000000000L, 0x43e0000000000000L, 0xc3e0000000000000L, 0x43f0000000000000L,
        0x43dfffffffffffffL, 0x43efffffffffffffL, 0x3ca0000000000000L, 0x3cb0000000000000L, 0x36a0000000000000L,
        0x3690000000000000L, 0x47efffffe0000000L, 0x47efffffffffffffL, 0x3810000000000000L, 0x380fffffffffffffL,
        0x3fd5555555555555L, 0x4340000000000001L, 0x3ff0000000000001L, 0x0000000000000003L, 0x1ff0000000000000L,
        0x5ff0000000000000L};
    private static final long[] I = {0, 1, -1, 2, 0x7fffffffL, 0x80000000L, 0xffffffffL, -0x80000000L,
        0xffffffff7fffffffL, Long.MAX_VALUE, Long.MIN_VALUE, (1L << 24) + 1, (1L << 24) + 3, (1L << 53) + 1,
        (1L << 53) + 3, -(1L << 53) - 1, 0x123456789abcdefL, 0xfedcba9876543210L, 0x100000001L, (1L << 25) - 1,
        -(1L << 25) + 1};

    static List<Case> generate(long seed, int n) {
        Random rnd = new Random(seed);
        List<Op> ops = new ArrayList<>(OPS.values());
        List<Case> cases = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Op op = ops.get(i % ops.size());
            int rm = new int[] {0, 1, 2, 3, 4, 7}[rnd.nextInt(6)];
            int frm = rnd.nextInt(5);
            if (op.hasRm && rnd.nextInt(30) == 0) {
                if (rnd.nextBoolean()) rm = 5 + rnd.nextInt(2);
                else { rm = 7; frm = 5 + rnd.nextInt(3); }
            }
            if (!op.hasRm) rm = 0;
            long[] f = new long[3];
            for (int k = 0; k < 3; k++) {
                int pick = rnd.nextInt(10);
                if (op.sources == 's') {
                    f[k] = pick < 6 ? boxed(S[rnd.nextInt(S.length)]) : pick < 8 ? boxed(rnd.nextInt())
                            : pick < 9 ? boxed(Float.floatToRawIntBits((float) (rnd.nextGaussian() * 100))) : rnd.nextLong();
                } else {
                    f[k] = pick < 6 ? D[rnd.nextInt(D.length)] : pick < 8 ? rnd.nextLong()
                            : Double.doubleToRawLongBits(rnd.nextGaussian() * 100);
                }
            }
            long x = rnd.nextInt(3) < 2 ? I[rnd.nextInt(I.length)] : rnd.nextLong();
            int flags = rnd.nextInt(4) == 0 ? rnd.nextInt(32) : 0;
            cases.add(new Case(op.name, rm, frm, flags, f[0], f[1], f[2], x));
        }
        return cases;
    }

    private static long boxed(int v) {
        return 0xffff_ffff_0000_0000L | (v & 0xffff_ffffL);
    }

    /** Runs the program on QEMU (monitor on stdin; memory saved with pmemsave once DONE is there). */
    static List<Result> runOnQemu(byte[] program, int n) throws Exception {
        Path dir = Files.createTempDirectory("ferry-fp-qemu");
        Files.write(dir.resolve("p.bin"), program);
        Process p = new ProcessBuilder("qemu-system-riscv64", "-M", "virt", "-m", "128M", "-bios", "none",
                "-kernel", "p.bin", "-display", "none", "-serial", "null", "-monitor", "stdio")
                .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(dir.resolve("log").toFile()).start();
        Path out = dir.resolve("out.bin");
        try (Writer w = new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8)) {
            for (int tries = 0; tries < 60; tries++) {
                Thread.sleep(500);
                Files.deleteIfExists(out);
                // a relative file name: the monitor would read "/" as a division
                w.write("pmemsave 0x" + Long.toHexString(OUT) + " " + ((n + 1) * REC) + " out.bin\n");
                w.flush();
                for (int k = 0; k < 20 && !(Files.exists(out) && Files.size(out) == (n + 1) * REC); k++) Thread.sleep(100);
                if (Files.exists(out) && Files.size(out) == (n + 1) * REC) {
                    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(out)).order(ByteOrder.LITTLE_ENDIAN);
                    if (b.getLong(n * REC) == DONE) {
                        w.write("quit\n");
                        w.flush();
                        p.waitFor();
                        return results(b, n);
                    }
                }
            }
        } finally {
            p.destroy();
        }
        throw new IllegalStateException("QEMU did not finish; see " + dir.resolve("log"));
    }

    /** Records the resource again: {@code main(path-of-qemu-fp-ops.txt)}. */
    public static void main(String[] args) throws Exception {
        List<Case> cases = generate(20260101L, 2400);
        byte[] program = program(cases);
        List<Result> qemu = runOnQemu(program, cases.size());
        StringBuilder sb = new StringBuilder();
        sb.append("# F/D instructions on qemu-system-riscv64 7.2 (-M virt -bios none, FS=Dirty), recorded by\n");
        sb.append("# FpInstructionQemuRecordTest.main from the program FpInstructionQemuRecordTest.program builds.\n");
        sb.append("# op rm frm fflags ft1 ft2 ft3 a1 -> ft0 a0 fcsr mcause+1 mtval   (rd is ft0 or a0; 0 = no trap)\n");
        for (int i = 0; i < cases.size(); i++) sb.append(format(cases.get(i))).append(" -> ").append(qemu.get(i)).append('\n');
        Files.writeString(Path.of(args[0]), sb.toString());
        List<Result> ferry = runOnFerry(program, cases.size());
        int diff = 0;
        for (int i = 0; i < cases.size(); i++) if (!ferry.get(i).equals(qemu.get(i))) diff++;
        System.out.println(cases.size() + " cases recorded; Ferry differs on " + diff);
    }
}
