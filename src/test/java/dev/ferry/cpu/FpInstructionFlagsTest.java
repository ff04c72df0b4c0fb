package dev.ferry.cpu;

import static dev.ferry.asm.Assembler.*;
import static dev.ferry.asm.FReg.*;
import static dev.ferry.asm.Reg.*;
import static dev.ferry.cpu.fpu.Fp.DZ;
import static dev.ferry.cpu.fpu.Fp.NV;
import static dev.ferry.cpu.fpu.Fp.NX;
import static dev.ferry.cpu.fpu.Fp.OF;
import static dev.ferry.cpu.fpu.Fp.UF;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ferry.asm.Csr;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * fflags accrual through instructions, and the three CSR views of the FP control state: fflags
 * (bits 4:0), frm (bits 2:0) and fcsr (frm in bits 7:5, fflags in 4:0, the rest read as zero).
 */
class FpInstructionFlagsTest {
    private final FpRig t = new FpRig();

    @AfterEach
    void close() {
        t.close();
    }

    /** Each instruction ORs its exceptions in; nothing that raises none (or a non-FP one) clears any. */
    @Test
    void flagsAccrue() {
        t.s(FT1, 1f).s(FT2, 0f).s(FT3, 3f).s(FT4, -1f).sBits(FT5, 0x7f7fffff).sBits(FT6, 0x00800001).s(FT7, 0.5f)
                .x(SP, FpRig.DATA);
        t.ok(a -> a.fdiv_s(FA0, FT1, FT2, RNE).frflags(A0)       // DZ
                .fadd_s(FA0, FT1, FT1, RNE).frflags(A1)              // exact: still DZ
                .fdiv_s(FA0, FT1, FT3, RNE).frflags(A2)              // + NX
                .fsqrt_s(FA0, FT4, RNE).frflags(A3)                  // + NV
                .fmul_s(FA0, FT5, FT5, RNE).frflags(A4)              // + OF (and NX)
                .fmul_s(FA0, FT6, FT7, RNE).frflags(A5)              // + UF (and NX)
                .fsgnj_s(FA1, FT1, FT2).fmv_x_w(T0, FT1).fmv_d_x(FA2, T0).fsd(FA2, 0, SP).fld(FA3, 0, SP)
                .feq_s(T1, FT1, FT1).fclass_s(T1, FT1).fmin_s(FA4, FT1, FT2).fcvt_d_s(FA5, FT1)
                .addi(T2, ZERO, 1).csrr(T2, Csr.MSTATUS)
                .frflags(A6));
        assertEquals(DZ, t.x(A0));
        assertEquals(DZ, t.x(A1), "an exact operation does not clear flags");
        assertEquals(DZ | NX, t.x(A2));
        assertEquals(DZ | NX | NV, t.x(A3));
        assertEquals(DZ | NX | NV | OF, t.x(A4));
        assertEquals(DZ | NX | NV | OF | UF, t.x(A5));
        assertEquals(0x1f, t.x(A6), "moves, loads, stores, exact ops and integer ops leave fflags alone");
        assertEquals(0x1f, t.flags());
    }

    @Test
    void flagsFromIntegerWritingInstructions() {
        t.sBits(FT1, 0x7f800001).s(FT2, 1f).s(FT3, 1.5f).d(FT4, 1e20);
        t.ok(a -> a.feq_s(A0, FT1, FT2).frflags(A1).fsflags(ZERO)
                .fcvt_w_s(A2, FT3, RTZ).frflags(A3).fsflags(ZERO)
                .fcvt_w_d(A4, FT4, RTZ).frflags(A5));
        assertEquals(NV, t.x(A1), "feq with a signalling NaN");
        assertEquals(NX, t.x(A3), "inexact conversion");
        assertEquals(NV, t.x(A5), "out-of-range conversion");
    }

    @Test
    void fcsrFrmAndFflagsAgree() {
        t.fflags(0x0a).frm(RDN);
        t.ok(a -> a.frcsr(A0).frrm(A1).frflags(A2));
        assertEquals(RDN << 5 | 0x0a, t.x(A0));
        assertEquals(RDN, t.x(A1));
        assertEquals(0x0a, t.x(A2));
        assertEquals(RDN << 5 | 0x0a, t.h.readCsr(Csrs.FCSR));

        // csrrw on fcsr: old value out, both fields replaced
        t.x(A3, 0b100_10101);
        t.ok(a -> a.fscsr(A0, A3).frrm(A1).frflags(A2).frcsr(A4));
        assertEquals(RDN << 5 | 0x0a, t.x(A0), "csrrw returns the old fcsr");
        assertEquals(4, t.x(A1));
        assertEquals(0x15, t.x(A2));
        assertEquals(0x95, t.x(A4));
        assertEquals(4, t.h.frm);
        assertEquals(0x15, t.flags());

        // writing one view changes only its field in the others
        t.x(A3, RUP).x(A4, 0x03);
        t.ok(a -> a.fsrm(A0, A3).frcsr(A1).fsflags(A2, A4).frcsr(A5));
        assertEquals(4, t.x(A0), "fsrm returns the old frm");
        assertEquals(RUP << 5 | 0x15, t.x(A1));
        assertEquals(0x15, t.x(A2), "fsflags returns the old flags");
        assertEquals(RUP << 5 | 0x03, t.x(A5));
    }

    @Test
    void unusedBitsAreIgnoredAndReadAsZero() {
        t.x(A1, -1L);
        t.ok(a -> a.csrrw(A0, Csr.FCSR, A1).frcsr(A2).fsflags(A1).frcsr(A3).li(T0, 0).fscsr(T0).fsrm(A1).frcsr(A4));
        assertEquals(0, t.x(A0));
        assertEquals(0xff, t.x(A2), "fcsr keeps bits 7:0 only");
        assertEquals(0xff, t.x(A3));
        assertEquals(7 << 5, t.x(A4), "frm keeps 3 bits, and may hold a reserved mode");
        assertEquals(7, t.h.frm);
    }

    @Test
    void setAndClearForms() {
        t.fflags(0).frm(0);
        t.ok(a -> a.csrsi(Csr.FFLAGS, NV | NX).frflags(A0)
                .csrci(Csr.FFLAGS, NX).frflags(A1)
                .li(T0, 0x60).csrs(Csr.FCSR, T0).frcsr(A2)
                .li(T0, 0x20).csrrc(A3, Csr.FCSR, T0).frcsr(A4)
                .csrrwi(A5, Csr.FRM, RMM).csrrsi(A6, Csr.FFLAGS, DZ).frcsr(A7));
        assertEquals(NV | NX, t.x(A0));
        assertEquals(NV, t.x(A1));
        assertEquals(0x60 | NV, t.x(A2));
        assertEquals(0x60 | NV, t.x(A3), "csrrc returns the old value");
        assertEquals(0x40 | NV, t.x(A4));
        assertEquals(2, t.x(A5), "csrrwi returns the old frm");
        assertEquals(NV, t.x(A6));
        assertEquals(RMM << 5 | NV | DZ, t.x(A7));
    }

    /** fflags, frm and fcsr are user-level CSRs: U-mode reads and writes them (FS permitting). */
    @Test
    void accessibleFromUserMode() {
        t.fflags(NX).frm(RTZ);
        t.ok(a -> {
            FpRig.enter(a, Hart.PRV_U);
            a.frcsr(A0).csrsi(Csr.FFLAGS, OF).frflags(A1);
        });
        assertEquals(Hart.PRV_U, t.h.priv);
        assertEquals(RTZ << 5 | NX, t.x(A0));
        assertEquals(NX | OF, t.x(A1));
    }
}
