package dev.ferry.cpu;

import static dev.ferry.asm.Assembler.*;
import static dev.ferry.asm.FReg.*;
import static dev.ferry.asm.Reg.*;
import static dev.ferry.cpu.FpRig.CODE;
import static dev.ferry.cpu.FpRig.DATA;
import static dev.ferry.cpu.FpRig.FS_CLEAN;
import static dev.ferry.cpu.FpRig.FS_DIRTY;
import static dev.ferry.cpu.FpRig.FS_INITIAL;
import static dev.ferry.cpu.FpRig.FS_OFF;
import static dev.ferry.cpu.fpu.Fp.NX;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.ferry.asm.Assembler;
import dev.ferry.asm.Csr;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * mstatus.FS. With FS=Off every F/D instruction (loads, stores and moves included, compressed
 * ones too) and every access to fflags, frm or fcsr is an illegal instruction with the
 * instruction's bits as tval, and nothing changes. With FS=Initial or Clean, writing an f
 * register or changing fcsr makes FS Dirty, and SD then reads 1 in mstatus and sstatus;
 * instructions that only read FP state leave FS alone (so do compares and conversions to
 * integer that leave fflags as it was, as QEMU 7.2 does).
 */
class FpInstructionFsTest {
    private final FpRig t = new FpRig();

    @AfterEach
    void close() {
        t.close();
    }

    private static Map<String, Consumer<Assembler>> writesAnFRegister() {
        Map<String, Consumer<Assembler>> m = new LinkedHashMap<>();
        m.put("flw", a -> a.flw(FA0, 0, S0));
        m.put("fld", a -> a.fld(FA0, 0, S0));
        m.put("c.fld", a -> a.c_fld(FA0, 8, S0));
        m.put("c.fldsp", a -> a.c_fldsp(FT11, 8));
        m.put("fadd.s", a -> a.fadd_s(FA0, FT1, FT2, RNE));
        m.put("fsub.d", a -> a.fsub_d(FA0, FT3, FT3, RNE));
        m.put("fmul.s", a -> a.fmul_s(FA0, FT1, FT2, RNE));
        m.put("fdiv.d", a -> a.fdiv_d(FA0, FT3, FT3, RNE));
        m.put("fsqrt.s", a -> a.fsqrt_s(FA0, FT1, RNE));
        m.put("fmadd.s", a -> a.fmadd_s(FA0, FT1, FT2, FT1, RNE));
        m.put("fmsub.d", a -> a.fmsub_d(FA0, FT3, FT3, FT3, RNE));
        m.put("fnmsub.s", a -> a.fnmsub_s(FA0, FT1, FT2, FT1, RNE));
        m.put("fnmadd.d", a -> a.fnmadd_d(FA0, FT3, FT3, FT3, RNE));
        m.put("fsgnj.s", a -> a.fsgnj_s(FA0, FT1, FT2));
        m.put("fsgnjx.d", a -> a.fsgnjx_d(FA0, FT3, FT3));
        m.put("fmin.s", a -> a.fmin_s(FA0, FT1, FT2));
        m.put("fmax.d", a -> a.fmax_d(FA0, FT3, FT3));
        m.put("fcvt.s.w", a -> a.fcvt_s_w(FA0, A1, RNE));
        m.put("fcvt.d.lu", a -> a.fcvt_d_lu(FA0, A1, RNE));
        m.put("fcvt.s.d", a -> a.fcvt_s_d(FA0, FT3, RNE));
        m.put("fcvt.d.s", a -> a.fcvt_d_s(FA0, FT1, RNE));
        m.put("fmv.w.x", a -> a.fmv_w_x(FA0, A1));
        m.put("fmv.d.x", a -> a.fmv_d_x(FA0, A1));
        return m;
    }

    /** Instructions that read FP state only (with the operands below: no exception raised). */
    private static Map<String, Consumer<Assembler>> readsOnly() {
        Map<String, Consumer<Assembler>> m = new LinkedHashMap<>();
        m.put("fsw", a -> a.fsw(FT1, 0, S0));
        m.put("fsd", a -> a.fsd(FT3, 0, S0));
        m.put("c.fsd", a -> a.c_fsd(FA1, 8, S0));
        m.put("c.fsdsp", a -> a.c_fsdsp(FT3, 16));
        m.put("fmv.x.w", a -> a.fmv_x_w(A0, FT1));
        m.put("fmv.x.d", a -> a.fmv_x_d(A0, FT3));
        m.put("fclass.s", a -> a.fclass_s(A0, FT1));
        m.put("fclass.d", a -> a.fclass_d(A0, FT3));
        m.put("feq.s", a -> a.feq_s(A0, FT1, FT2));
        m.put("flt.d", a -> a.flt_d(A0, FT3, FT3));
        m.put("fle.s", a -> a.fle_s(A0, FT1, FT2));
        m.put("fcvt.w.s", a -> a.fcvt_w_s(A0, FT1, RTZ));
        m.put("fcvt.lu.d", a -> a.fcvt_lu_d(A0, FT3, RTZ));
        m.put("csrr fflags", a -> a.frflags(A0));
        m.put("csrr frm", a -> a.frrm(A0));
        m.put("csrr fcsr", a -> a.frcsr(A0));
        m.put("csrrsi fflags, 0", a -> a.csrrsi(A0, Csr.FFLAGS, 0));
        m.put("csrrc fcsr, x0", a -> a.csrrc(A0, Csr.FCSR, ZERO));
        return m;
    }

    /** Instructions that write no f register but change fflags, frm or fcsr. */
    private static Map<String, Consumer<Assembler>> changeFcsr() {
        Map<String, Consumer<Assembler>> m = new LinkedHashMap<>();
        m.put("feq.s sNaN", a -> a.feq_s(A0, FT1, FT4));
        m.put("flt.s qNaN", a -> a.flt_s(A0, FT5, FT1));
        m.put("fcvt.w.s 1.5", a -> a.fcvt_w_s(A0, FT2, RTZ));
        m.put("fcvt.wu.d -1", a -> a.fcvt_wu_d(A0, FT6, RTZ));
        m.put("csrw fflags", a -> a.fsflags(A1));
        m.put("csrw frm", a -> a.fsrm(A1));
        m.put("csrwi fcsr", a -> a.csrwi(Csr.FCSR, 0x1f));
        m.put("csrsi fflags", a -> a.csrsi(Csr.FFLAGS, 2));
        m.put("csrrs fflags, a1", a -> a.csrrs(A0, Csr.FFLAGS, A1));
        m.put("csrrw fcsr, x0", a -> a.csrrw(A0, Csr.FCSR, ZERO));
        return m;
    }

    /** Every kind of access to fflags, frm and fcsr. */
    private static Map<String, Consumer<Assembler>> csrAccesses() {
        Map<String, Consumer<Assembler>> m = new LinkedHashMap<>();
        for (int csr : new int[] {Csr.FFLAGS, Csr.FRM, Csr.FCSR}) {
            String n = csr == Csr.FFLAGS ? "fflags" : csr == Csr.FRM ? "frm" : "fcsr";
            m.put("csrrw " + n, a -> a.csrrw(A0, csr, A1));
            m.put("csrrw x0, " + n, a -> a.csrrw(ZERO, csr, A1));
            m.put("csrrs " + n, a -> a.csrrs(A0, csr, A1));
            m.put("csrrs " + n + ", x0", a -> a.csrrs(A0, csr, ZERO));
            m.put("csrrc " + n, a -> a.csrrc(A0, csr, A1));
            m.put("csrrc " + n + ", x0", a -> a.csrrc(A0, csr, ZERO));
            m.put("csrrwi " + n, a -> a.csrrwi(A0, csr, 1));
            m.put("csrrsi " + n, a -> a.csrrsi(A0, csr, 1));
            m.put("csrrsi " + n + ", 0", a -> a.csrrsi(A0, csr, 0));
            m.put("csrrci " + n, a -> a.csrrci(A0, csr, 1));
        }
        return m;
    }

    /** Operands: ft1 1.0f, ft2 1.5f, ft3 2.0, ft4 sNaN(s), ft5 qNaN(s), ft6 -1.0; s0 and sp point at data. */
    private void operands(int fs) {
        t.fs(fs).fflags(0).frm(RNE)
                .s(FT1, 1f).s(FT2, 1.5f).d(FT3, 2.0).sBits(FT4, 0x7f800001).sBits(FT5, 0x7fc00000).d(FT6, -1)
                .f(FA0, 0x0bad_0bad_0bad_0badL).f(FA1, 0x4000_0000_0000_0000L).f(FT11, 0x1bad_1bad_1bad_1badL)
                .x(S0, DATA).x(SP, DATA).x(A0, 0x2bad_2bad_2bad_2badL).x(A1, 3);
        for (int i = 0; i < 64; i += 8) t.m.bus.write(DATA + i, 8, 0x3ff8_0000_0000_0000L + i);
    }

    private long[] memory() {
        long[] m = new long[8];
        for (int i = 0; i < 8; i++) m[i] = t.m.bus.read(DATA + 8L * i, 8);
        return m;
    }

    private void expectIllegalWithFsOff(String name, Consumer<Assembler> insn) {
        operands(FS_OFF);
        long[] f = t.h.f.clone(), x = t.h.x.clone(), mem = memory();
        t.run(insn);
        long first = t.half(CODE);
        long bits = (first & 3) == 3 ? t.word(CODE) : first; // 16 bits for a compressed instruction
        t.assertIllegal(CODE, bits);
        assertArrayEquals(f, t.h.f, name + ": f registers");
        long[] xAfter = t.h.x.clone();
        xAfter[T5] = x[T5];
        xAfter[T6] = x[T6]; // the rig's exit sequence
        assertArrayEquals(x, xAfter, name + ": x registers");
        assertArrayEquals(mem, memory(), name + ": memory");
        assertEquals(0, t.flags(), name + ": fflags");
        assertEquals(RNE, t.h.frm, name + ": frm");
        assertEquals(FS_OFF, t.fsState(), name + ": FS stays Off");
    }

    @Test
    void fsOffMakesEveryFpInstructionIllegal() {
        for (var e : writesAnFRegister().entrySet()) expectIllegalWithFsOff(e.getKey(), e.getValue());
        for (var e : readsOnly().entrySet()) expectIllegalWithFsOff(e.getKey(), e.getValue());
        for (var e : changeFcsr().entrySet()) expectIllegalWithFsOff(e.getKey(), e.getValue());
    }

    @Test
    void fsOffMakesEveryFcsrAccessIllegal() {
        for (var e : csrAccesses().entrySet()) expectIllegalWithFsOff(e.getKey(), e.getValue());
    }

    /** Compressed FP loads and stores trap with their 16 bits as tval. */
    @Test
    void fsOffCompressedTval() {
        operands(FS_OFF);
        t.run(a -> a.c_fsdsp(FT3, 16));
        t.assertIllegal(CODE, 0xa80e);
        operands(FS_OFF);
        t.run(a -> a.c_fld(FA0, 8, S0));
        t.assertIllegal(CODE, 0x2408);
    }

    /** The FS check applies at every privilege level. */
    @Test
    void fsOffInUserAndSupervisorMode() {
        for (int priv : new int[] {Hart.PRV_U, Hart.PRV_S}) {
            operands(FS_OFF);
            long[] at = new long[1];
            t.run(a -> {
                FpRig.enter(a, priv);
                at[0] = a.here();
                a.fadd_d(FA0, FT3, FT3);
            });
            t.assertIllegal(at[0], t.word(at[0]));
            assertEquals(priv, (t.h.mstatus >>> 11) & 3, "trapped from the expected mode");
            assertEquals(FS_OFF, t.fsState());
        }
    }

    private void expectFsAfter(String name, Consumer<Assembler> insn, int from, int expect) {
        operands(from);
        t.ok(a -> {
            insn.accept(a);
            a.csrr(S10, Csr.MSTATUS).csrr(S11, Csr.SSTATUS);
        });
        String w = name + " from FS=" + from;
        assertEquals(expect, t.fsState(), w);
        assertEquals(expect, (t.x(S10) >>> 13) & 3, w + ": mstatus.FS");
        assertEquals(expect, (t.x(S11) >>> 13) & 3, w + ": sstatus.FS");
        long sd = expect == FS_DIRTY ? 1 : 0;
        assertEquals(sd, t.x(S10) >>> 63, w + ": mstatus.SD");
        assertEquals(sd, t.x(S11) >>> 63, w + ": sstatus.SD");
    }

    @Test
    void writingAnFRegisterMakesFsDirty() {
        for (int from : new int[] {FS_INITIAL, FS_CLEAN, FS_DIRTY}) {
            for (var e : writesAnFRegister().entrySet()) expectFsAfter(e.getKey(), e.getValue(), from, FS_DIRTY);
        }
    }

    @Test
    void changingFcsrMakesFsDirty() {
        for (int from : new int[] {FS_INITIAL, FS_CLEAN, FS_DIRTY}) {
            for (var e : changeFcsr().entrySet()) expectFsAfter(e.getKey(), e.getValue(), from, FS_DIRTY);
        }
    }

    @Test
    void readingFpStateLeavesFsAlone() {
        for (int from : new int[] {FS_INITIAL, FS_CLEAN, FS_DIRTY}) {
            for (var e : readsOnly().entrySet()) expectFsAfter(e.getKey(), e.getValue(), from, from);
        }
    }

    /** An exception flag that is already set is not a change: an inexact conversion leaves FS Clean then. */
    @Test
    void raisingAFlagAlreadySetIsNoChange() {
        operands(FS_CLEAN);
        t.fflags(NX).ok(a -> a.fcvt_w_s(A0, FT2, RTZ));
        assertEquals(1, t.x(A0));
        assertEquals(NX, t.flags());
        assertEquals(FS_CLEAN, t.fsState());
    }

    /** A trapping FP instruction (reserved rounding mode) does not dirty FS either. */
    @Test
    void illegalFpInstructionLeavesFsAlone() {
        operands(FS_CLEAN);
        t.run(a -> a.fadd_s(FA0, FT1, FT2, 6));
        t.assertIllegal(CODE, t.word(CODE));
        assertEquals(FS_CLEAN, t.fsState());
    }

    /** Supervisor code controls FS through sstatus: Off disables FP, Initial re-enables it. */
    @Test
    void supervisorTogglesFsThroughSstatus() {
        operands(FS_DIRTY);
        t.ok(a -> {
            FpRig.enter(a, Hart.PRV_S);
            a.li(T0, 3L << 13).csrc(Csr.SSTATUS, T0).csrr(S2, Csr.SSTATUS);   // FS=Off
            a.li(T0, 1L << 13).csrs(Csr.SSTATUS, T0).csrr(S3, Csr.SSTATUS);   // FS=Initial
            a.fadd_d(FA0, FT3, FT3).csrr(S4, Csr.SSTATUS);                     // -> Dirty
        });
        assertEquals(Hart.PRV_S, t.h.priv);
        assertEquals(0, (t.x(S2) >>> 13) & 3);
        assertEquals(0, t.x(S2) >>> 63, "SD clear with FS=Off");
        assertEquals(FS_INITIAL, (t.x(S3) >>> 13) & 3);
        assertEquals(0, t.x(S3) >>> 63);
        assertEquals(FS_DIRTY, (t.x(S4) >>> 13) & 3);
        assertEquals(1, t.x(S4) >>> 63);
        assertEquals(FpRig.bits(4.0), t.f(FA0));

        operands(FS_DIRTY);
        t.run(a -> {
            FpRig.enter(a, Hart.PRV_S);
            a.li(T0, 3L << 13).csrc(Csr.SSTATUS, T0);
            a.fmv_x_d(A0, FT3);
        });
        assertEquals(Trap.ILLEGAL, t.h.mcause, "FP disabled from S-mode");
        assertFalse(t.x(A0) == FpRig.bits(2.0));
    }
}
