package dev.ferry.cpu;

import static dev.ferry.asm.Assembler.*;
import static dev.ferry.asm.FReg.*;
import static dev.ferry.asm.Reg.*;
import static dev.ferry.cpu.FpRig.CODE;
import static dev.ferry.cpu.FpRig.bits;
import static dev.ferry.cpu.FpRig.boxed;
import static dev.ferry.cpu.fpu.Fp.NX;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ferry.asm.Assembler;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Rounding modes: the static rm field, DYN (rm=7) reading frm, and the reserved encodings. rm=5
 * or 6 in any instruction that has an rm field, or DYN while frm holds 5, 6 or 7, is an illegal
 * instruction whose tval is the instruction's bits; nothing is written (not the destination,
 * not fflags, not FS). Instructions without an rm field never look at frm.
 */
class FpInstructionRoundingTest {
    private final FpRig t = new FpRig();

    @AfterEach
    void close() {
        t.close();
    }

    private static final int[] MODES = {RNE, RTZ, RDN, RUP, RMM};
    private static final String[] NAMES = {"RNE", "RTZ", "RDN", "RUP", "RMM"};

    // 1 + 2^-24 and -1 - 2^-24 are exact ties between 1 and 1 + 2^-23 (and their negatives).
    private static final long ONE = boxed(1f), ONE_UP = boxed(0x3f800001), M_ONE = boxed(-1f), M_ONE_UP = boxed(0xbf800001);
    private static final long[] POS_TIE = {ONE, ONE, ONE, ONE_UP, ONE_UP};
    private static final long[] NEG_TIE = {M_ONE, M_ONE, M_ONE_UP, M_ONE, M_ONE_UP};
    private static final long D_ONE = bits(1.0), D_ONE_UP = 0x3ff0000000000001L, D_M_ONE = bits(-1.0),
            D_M_ONE_UP = 0xbff0000000000001L;
    private static final long[] D_POS_TIE = {D_ONE, D_ONE, D_ONE, D_ONE_UP, D_ONE_UP};
    private static final long[] D_NEG_TIE = {D_M_ONE, D_M_ONE, D_M_ONE_UP, D_M_ONE, D_M_ONE_UP};
    /** fcvt.w of 2.5 and -2.5 in each mode. */
    private static final long[] CVT_POS = {2, 2, 2, 3, 3};
    private static final long[] CVT_NEG = {-2, -2, -3, -2, -3};

    private void setTies() {
        t.fflags(0).s(FT1, 1f).s(FT2, 0x1p-24f).s(FT3, -1f).s(FT4, -0x1p-24f)
                .d(FS1, 1).d(FS2, 0x1p-53).d(FS3, -1).d(FS4, -0x1p-53).s(FT5, 2.5f).s(FT6, -2.5f);
    }

    private void checkTies(int i, String how) {
        String m = NAMES[i] + " " + how;
        assertEquals(POS_TIE[i], t.f(FA0), "fadd.s 1 + 2^-24, " + m);
        assertEquals(NEG_TIE[i], t.f(FA1), "fadd.s -1 - 2^-24, " + m);
        assertEquals(D_POS_TIE[i], t.f(FA2), "fadd.d 1 + 2^-53, " + m);
        assertEquals(D_NEG_TIE[i], t.f(FA3), "fadd.d -1 - 2^-53, " + m);
        assertEquals(POS_TIE[i], t.f(FA4), "fmadd.s 1 * 1 + 2^-24, " + m);
        assertEquals(D_NEG_TIE[i], t.f(FA5), "fmsub.d -1 * 1 - 2^-53, " + m);
        assertEquals(CVT_POS[i], t.x(A0), "fcvt.w.s 2.5, " + m);
        assertEquals(CVT_NEG[i], t.x(A1), "fcvt.l.s -2.5, " + m);
        assertEquals(NX, t.flags(), m);
    }

    @Test
    void staticRoundingModes() {
        for (int i = 0; i < MODES.length; i++) {
            int rm = MODES[i];
            setTies();
            t.frm(rm == RNE ? RUP : RNE); // a different dynamic mode, which must not matter
            t.ok(a -> a.fadd_s(FA0, FT1, FT2, rm).fadd_s(FA1, FT3, FT4, rm).fadd_d(FA2, FS1, FS2, rm)
                    .fadd_d(FA3, FS3, FS4, rm).fmadd_s(FA4, FT1, FT1, FT2, rm).fmsub_d(FA5, FS3, FS1, FS2, rm)
                    .fcvt_w_s(A0, FT5, rm).fcvt_l_s(A1, FT6, rm));
            checkTies(i, "static");
        }
    }

    @Test
    void dynamicRoundingModeComesFromFrm() {
        for (int i = 0; i < MODES.length; i++) {
            setTies();
            t.frm(MODES[i]);
            t.ok(a -> a.fadd_s(FA0, FT1, FT2, DYN).fadd_s(FA1, FT3, FT4, DYN).fadd_d(FA2, FS1, FS2, DYN)
                    .fadd_d(FA3, FS3, FS4, DYN).fmadd_s(FA4, FT1, FT1, FT2, DYN).fmsub_d(FA5, FS3, FS1, FS2, DYN)
                    .fcvt_w_s(A0, FT5, DYN).fcvt_l_s(A1, FT6, DYN));
            checkTies(i, "dynamic");
            assertEquals(MODES[i], t.h.frm, "frm is not changed by using it");
        }
    }

    /** frm written by the program itself (fsrm) takes effect for the very next instruction. */
    @Test
    void fsrmThenDynamic() {
        setTies();
        t.ok(a -> a.li(T0, RUP).fsrm(T0).fadd_s(FA0, FT1, FT2).li(T0, RDN).fsrm(T0).fadd_s(FA1, FT1, FT2));
        assertEquals(ONE_UP, t.f(FA0));
        assertEquals(ONE, t.f(FA1));
    }

    // ---- reserved rounding modes ----

    /** Every F/D instruction that has an rm field, writing fa0 or a0 from ft1, ft2, ft3 or a1. */
    private static Map<String, BiConsumer<Assembler, Integer>> withRm() {
        Map<String, BiConsumer<Assembler, Integer>> m = new LinkedHashMap<>();
        m.put("fadd.s", (a, rm) -> a.fadd_s(FA0, FT1, FT2, rm));
        m.put("fsub.s", (a, rm) -> a.fsub_s(FA0, FT1, FT2, rm));
        m.put("fmul.s", (a, rm) -> a.fmul_s(FA0, FT1, FT2, rm));
        m.put("fdiv.s", (a, rm) -> a.fdiv_s(FA0, FT1, FT2, rm));
        m.put("fsqrt.s", (a, rm) -> a.fsqrt_s(FA0, FT1, rm));
        m.put("fmadd.s", (a, rm) -> a.fmadd_s(FA0, FT1, FT2, FT3, rm));
        m.put("fmsub.s", (a, rm) -> a.fmsub_s(FA0, FT1, FT2, FT3, rm));
        m.put("fnmsub.s", (a, rm) -> a.fnmsub_s(FA0, FT1, FT2, FT3, rm));
        m.put("fnmadd.s", (a, rm) -> a.fnmadd_s(FA0, FT1, FT2, FT3, rm));
        m.put("fadd.d", (a, rm) -> a.fadd_d(FA0, FT1, FT2, rm));
        m.put("fsub.d", (a, rm) -> a.fsub_d(FA0, FT1, FT2, rm));
        m.put("fmul.d", (a, rm) -> a.fmul_d(FA0, FT1, FT2, rm));
        m.put("fdiv.d", (a, rm) -> a.fdiv_d(FA0, FT1, FT2, rm));
        m.put("fsqrt.d", (a, rm) -> a.fsqrt_d(FA0, FT1, rm));
        m.put("fmadd.d", (a, rm) -> a.fmadd_d(FA0, FT1, FT2, FT3, rm));
        m.put("fmsub.d", (a, rm) -> a.fmsub_d(FA0, FT1, FT2, FT3, rm));
        m.put("fnmsub.d", (a, rm) -> a.fnmsub_d(FA0, FT1, FT2, FT3, rm));
        m.put("fnmadd.d", (a, rm) -> a.fnmadd_d(FA0, FT1, FT2, FT3, rm));
        m.put("fcvt.w.s", (a, rm) -> a.fcvt_w_s(A0, FT1, rm));
        m.put("fcvt.wu.s", (a, rm) -> a.fcvt_wu_s(A0, FT1, rm));
        m.put("fcvt.l.s", (a, rm) -> a.fcvt_l_s(A0, FT1, rm));
        m.put("fcvt.lu.s", (a, rm) -> a.fcvt_lu_s(A0, FT1, rm));
        m.put("fcvt.w.d", (a, rm) -> a.fcvt_w_d(A0, FT1, rm));
        m.put("fcvt.wu.d", (a, rm) -> a.fcvt_wu_d(A0, FT1, rm));
        m.put("fcvt.l.d", (a, rm) -> a.fcvt_l_d(A0, FT1, rm));
        m.put("fcvt.lu.d", (a, rm) -> a.fcvt_lu_d(A0, FT1, rm));
        m.put("fcvt.s.w", (a, rm) -> a.fcvt_s_w(FA0, A1, rm));
        m.put("fcvt.s.wu", (a, rm) -> a.fcvt_s_wu(FA0, A1, rm));
        m.put("fcvt.s.l", (a, rm) -> a.fcvt_s_l(FA0, A1, rm));
        m.put("fcvt.s.lu", (a, rm) -> a.fcvt_s_lu(FA0, A1, rm));
        m.put("fcvt.d.w", (a, rm) -> a.fcvt_d_w(FA0, A1, rm));   // exact, but rm is still checked
        m.put("fcvt.d.wu", (a, rm) -> a.fcvt_d_wu(FA0, A1, rm)); // exact, but rm is still checked
        m.put("fcvt.d.l", (a, rm) -> a.fcvt_d_l(FA0, A1, rm));
        m.put("fcvt.d.lu", (a, rm) -> a.fcvt_d_lu(FA0, A1, rm));
        m.put("fcvt.s.d", (a, rm) -> a.fcvt_s_d(FA0, FT1, rm));
        m.put("fcvt.d.s", (a, rm) -> a.fcvt_d_s(FA0, FT1, rm));  // exact, but rm is still checked
        return m;
    }

    private static final long FA0_BEFORE = 0x0bad_0bad_0bad_0badL, A0_BEFORE = 0x1bad_1bad_1bad_1badL;

    private void expectIllegal(String name, int rm, int frm, BiConsumer<Assembler, Integer> op) {
        t.fs(FpRig.FS_CLEAN).fflags(0).frm(frm).s(FT1, 1f).s(FT2, 3f).s(FT3, 0.1f).x(A1, 7)
                .f(FA0, FA0_BEFORE).x(A0, A0_BEFORE);
        t.run(a -> op.accept(a, rm));
        String what = name + " rm=" + rm + " frm=" + frm;
        t.assertIllegal(CODE, t.word(CODE));
        assertEquals(FA0_BEFORE, t.f(FA0), what + ": destination untouched");
        assertEquals(A0_BEFORE, t.x(A0), what + ": destination untouched");
        assertEquals(0, t.flags(), what + ": no flags");
        assertEquals(FpRig.FS_CLEAN, t.fsState(), what + ": FS untouched");
        assertEquals(frm, t.h.frm, what);
    }

    @Test
    void reservedStaticRoundingModesAreIllegal() {
        for (var e : withRm().entrySet()) {
            for (int rm : new int[] {5, 6}) expectIllegal(e.getKey(), rm, RNE, e.getValue());
        }
    }

    @Test
    void dynamicWithReservedFrmIsIllegal() {
        for (var e : withRm().entrySet()) {
            for (int frm : new int[] {5, 6, 7}) expectIllegal(e.getKey(), DYN, frm, e.getValue());
        }
    }

    /** The same instructions run fine with every valid static mode while frm holds a reserved value. */
    @Test
    void validStaticModesIgnoreAReservedFrm() {
        for (var e : withRm().entrySet()) {
            for (int rm : MODES) {
                t.fs(FpRig.FS_CLEAN).frm(7).s(FT1, 1f).s(FT2, 3f).s(FT3, 0.1f).x(A1, 7);
                t.ok(a -> e.getValue().accept(a, rm));
            }
        }
    }

    /** Instructions without an rm field do not consult frm, so a reserved frm cannot make them trap. */
    @Test
    void instructionsWithoutRmIgnoreFrm() {
        Map<String, Consumer<Assembler>> m = new LinkedHashMap<>();
        m.put("fsgnj.s", a -> a.fsgnj_s(FA0, FT1, FT2));
        m.put("fsgnjn.d", a -> a.fsgnjn_d(FA0, FT1, FT2));
        m.put("fsgnjx.s", a -> a.fsgnjx_s(FA0, FT1, FT2));
        m.put("fmin.s", a -> a.fmin_s(FA0, FT1, FT2));
        m.put("fmax.d", a -> a.fmax_d(FA0, FT1, FT2));
        m.put("feq.s", a -> a.feq_s(A0, FT1, FT2));
        m.put("flt.d", a -> a.flt_d(A0, FT1, FT2));
        m.put("fle.s", a -> a.fle_s(A0, FT1, FT2));
        m.put("fclass.s", a -> a.fclass_s(A0, FT1));
        m.put("fclass.d", a -> a.fclass_d(A0, FT1));
        m.put("fmv.x.w", a -> a.fmv_x_w(A0, FT1));
        m.put("fmv.w.x", a -> a.fmv_w_x(FA0, A1));
        m.put("fmv.x.d", a -> a.fmv_x_d(A0, FT1));
        m.put("fmv.d.x", a -> a.fmv_d_x(FA0, A1));
        m.put("flw/fsw/fld/fsd", a -> a.flw(FA0, 0, SP).fsw(FA0, 4, SP).fld(FA1, 0, SP).fsd(FA1, 8, SP));
        for (var e : m.entrySet()) {
            for (int frm : new int[] {5, 6, 7}) {
                t.frm(frm).s(FT1, 1f).s(FT2, -2f).x(A1, 3).x(SP, FpRig.DATA);
                t.run(e.getValue());
                assertEquals(false, t.trapped(), e.getKey() + " with frm=" + frm);
            }
        }
    }
}
