package dev.ferry.cpu;

import static dev.ferry.asm.Assembler.*;
import static dev.ferry.asm.FReg.*;
import static dev.ferry.asm.Reg.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ferry.asm.Assembler;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The F/D instruction tests drive the hart with programs from {@link Assembler}; this pins every
 * F, D and compressed-FP encoding it emits to the word GNU as 2.40 ({@code -march=rv64gc})
 * produces for the same line, so the hart is proven to decode the standard encodings rather
 * than whatever the builder happens to emit.
 */
class FpInstructionEncodingTest {

    private record Case(String gnu, long word, Consumer<Assembler> emit) {}

    private static Case c(String gnu, long word, Consumer<Assembler> emit) {
        return new Case(gnu, word, emit);
    }

    private static final Case[] CASES = {
        c("flw ft0,-4(a1)", 0xffc5a007L, a -> a.flw(FT0, -4, A1)),
        c("fld fs1,2040(sp)", 0x7f813487L, a -> a.fld(FS1, 2040, SP)),
        c("fsw fa2,-2048(a3)", 0x80c6a027L, a -> a.fsw(FA2, -2048, A3)),
        c("fsd ft11,8(t6)", 0x01ffb427L, a -> a.fsd(FT11, 8, T6)),
        c("fmadd.s fa0,fa1,fa2,fa3,rne", 0x68c58543L, a -> a.fmadd_s(FA0, FA1, FA2, FA3, RNE)),
        c("fmsub.s ft1,ft2,ft3,ft4,rtz", 0x203110c7L, a -> a.fmsub_s(FT1, FT2, FT3, FT4, RTZ)),
        c("fnmsub.s fs2,fs3,fs4,fs5,rdn", 0xa949a94bL, a -> a.fnmsub_s(FS2, FS3, FS4, FS5, RDN)),
        c("fnmadd.s ft8,ft9,ft10,ft11,rup", 0xf9eebe4fL, a -> a.fnmadd_s(FT8, FT9, FT10, FT11, RUP)),
        c("fmadd.d fa0,fa1,fa2,fa3,rmm", 0x6ac5c543L, a -> a.fmadd_d(FA0, FA1, FA2, FA3, RMM)),
        c("fmsub.d ft1,ft2,ft3,ft4", 0x223170c7L, a -> a.fmsub_d(FT1, FT2, FT3, FT4)),
        c("fnmsub.d fs2,fs3,fs4,fs5", 0xab49f94bL, a -> a.fnmsub_d(FS2, FS3, FS4, FS5)),
        c("fnmadd.d ft8,ft9,ft10,ft11,rne", 0xfbee8e4fL, a -> a.fnmadd_d(FT8, FT9, FT10, FT11, RNE)),
        c("fadd.s fa0,fa1,fa2,rne", 0x00c58553L, a -> a.fadd_s(FA0, FA1, FA2, RNE)),
        c("fsub.s fa0,fa1,fa2,rtz", 0x08c59553L, a -> a.fsub_s(FA0, FA1, FA2, RTZ)),
        c("fmul.s fa0,fa1,fa2,rdn", 0x10c5a553L, a -> a.fmul_s(FA0, FA1, FA2, RDN)),
        c("fdiv.s fa0,fa1,fa2,rup", 0x18c5b553L, a -> a.fdiv_s(FA0, FA1, FA2, RUP)),
        c("fsqrt.s fa0,fa1,rmm", 0x5805c553L, a -> a.fsqrt_s(FA0, FA1, RMM)),
        c("fadd.d ft0,ft1,ft2", 0x0220f053L, a -> a.fadd_d(FT0, FT1, FT2)),
        c("fsub.d ft0,ft1,ft2,rne", 0x0a208053L, a -> a.fsub_d(FT0, FT1, FT2, RNE)),
        c("fmul.d ft0,ft1,ft2,rtz", 0x12209053L, a -> a.fmul_d(FT0, FT1, FT2, RTZ)),
        c("fdiv.d ft0,ft1,ft2,rdn", 0x1a20a053L, a -> a.fdiv_d(FT0, FT1, FT2, RDN)),
        c("fsqrt.d ft0,ft1,rup", 0x5a00b053L, a -> a.fsqrt_d(FT0, FT1, RUP)),
        c("fsgnj.s fa0,fa1,fa2", 0x20c58553L, a -> a.fsgnj_s(FA0, FA1, FA2)),
        c("fsgnjn.s fa0,fa1,fa2", 0x20c59553L, a -> a.fsgnjn_s(FA0, FA1, FA2)),
        c("fsgnjx.s fa0,fa1,fa2", 0x20c5a553L, a -> a.fsgnjx_s(FA0, FA1, FA2)),
        c("fsgnj.d fa0,fa1,fa2", 0x22c58553L, a -> a.fsgnj_d(FA0, FA1, FA2)),
        c("fsgnjn.d fa0,fa1,fa2", 0x22c59553L, a -> a.fsgnjn_d(FA0, FA1, FA2)),
        c("fsgnjx.d fa0,fa1,fa2", 0x22c5a553L, a -> a.fsgnjx_d(FA0, FA1, FA2)),
        c("fmin.s fa0,fa1,fa2", 0x28c58553L, a -> a.fmin_s(FA0, FA1, FA2)),
        c("fmax.s fa0,fa1,fa2", 0x28c59553L, a -> a.fmax_s(FA0, FA1, FA2)),
        c("fmin.d fa0,fa1,fa2", 0x2ac58553L, a -> a.fmin_d(FA0, FA1, FA2)),
        c("fmax.d fa0,fa1,fa2", 0x2ac59553L, a -> a.fmax_d(FA0, FA1, FA2)),
        c("feq.s a0,fa1,fa2", 0xa0c5a553L, a -> a.feq_s(A0, FA1, FA2)),
        c("flt.s a0,fa1,fa2", 0xa0c59553L, a -> a.flt_s(A0, FA1, FA2)),
        c("fle.s a0,fa1,fa2", 0xa0c58553L, a -> a.fle_s(A0, FA1, FA2)),
        c("feq.d a0,fa1,fa2", 0xa2c5a553L, a -> a.feq_d(A0, FA1, FA2)),
        c("flt.d a0,fa1,fa2", 0xa2c59553L, a -> a.flt_d(A0, FA1, FA2)),
        c("fle.d a0,fa1,fa2", 0xa2c58553L, a -> a.fle_d(A0, FA1, FA2)),
        c("fclass.s a5,ft7", 0xe00397d3L, a -> a.fclass_s(A5, FT7)),
        c("fclass.d a5,ft7", 0xe20397d3L, a -> a.fclass_d(A5, FT7)),
        c("fcvt.w.s a0,fa1,rtz", 0xc0059553L, a -> a.fcvt_w_s(A0, FA1, RTZ)),
        c("fcvt.wu.s a0,fa1,rne", 0xc0158553L, a -> a.fcvt_wu_s(A0, FA1, RNE)),
        c("fcvt.l.s a0,fa1,rdn", 0xc025a553L, a -> a.fcvt_l_s(A0, FA1, RDN)),
        c("fcvt.lu.s a0,fa1,rup", 0xc035b553L, a -> a.fcvt_lu_s(A0, FA1, RUP)),
        c("fcvt.w.d a0,fa1,rmm", 0xc205c553L, a -> a.fcvt_w_d(A0, FA1, RMM)),
        c("fcvt.wu.d a0,fa1", 0xc215f553L, a -> a.fcvt_wu_d(A0, FA1)),
        c("fcvt.l.d a0,fa1,rtz", 0xc2259553L, a -> a.fcvt_l_d(A0, FA1, RTZ)),
        c("fcvt.lu.d a0,fa1,rtz", 0xc2359553L, a -> a.fcvt_lu_d(A0, FA1, RTZ)),
        c("fcvt.s.w fa0,a1,rne", 0xd0058553L, a -> a.fcvt_s_w(FA0, A1, RNE)),
        c("fcvt.s.wu fa0,a1,rtz", 0xd0159553L, a -> a.fcvt_s_wu(FA0, A1, RTZ)),
        c("fcvt.s.l fa0,a1,rdn", 0xd025a553L, a -> a.fcvt_s_l(FA0, A1, RDN)),
        c("fcvt.s.lu fa0,a1", 0xd035f553L, a -> a.fcvt_s_lu(FA0, A1)),
        c("fcvt.d.w fa0,a1", 0xd2058553L, a -> a.fcvt_d_w(FA0, A1)),
        c("fcvt.d.wu fa0,a1", 0xd2158553L, a -> a.fcvt_d_wu(FA0, A1)),
        c("fcvt.d.l fa0,a1,rup", 0xd225b553L, a -> a.fcvt_d_l(FA0, A1, RUP)),
        c("fcvt.d.lu fa0,a1,rmm", 0xd235c553L, a -> a.fcvt_d_lu(FA0, A1, RMM)),
        c("fcvt.s.d fa0,fa1,rtz", 0x40159553L, a -> a.fcvt_s_d(FA0, FA1, RTZ)),
        c("fcvt.d.s fa0,fa1", 0x42058553L, a -> a.fcvt_d_s(FA0, FA1)),
        c("fmv.x.w t0,ft3", 0xe00182d3L, a -> a.fmv_x_w(T0, FT3)),
        c("fmv.w.x ft3,t0", 0xf00281d3L, a -> a.fmv_w_x(FT3, T0)),
        c("fmv.x.d t0,ft3", 0xe20182d3L, a -> a.fmv_x_d(T0, FT3)),
        c("fmv.d.x ft3,t0", 0xf20281d3L, a -> a.fmv_d_x(FT3, T0)),
        c("c.fld fs0,248(s1)", 0x3ce0, a -> a.c_fld(FS0, 248, S1)),
        c("c.fsd fa5,8(a5)", 0xa79c, a -> a.c_fsd(FA5, 8, A5)),
        c("c.fldsp ft11,504(sp)", 0x3ffe, a -> a.c_fldsp(FT11, 504)),
        c("c.fsdsp fs11,0(sp)", 0xa06e, a -> a.c_fsdsp(FS11, 0)),
        c("c.fldsp fa0,8(sp)", 0x2522, a -> a.c_fldsp(FA0, 8)),
        c("c.fsdsp ft0,256(sp)", 0xa202, a -> a.c_fsdsp(FT0, 256)),
    };

    @Test
    void assemblerEmitsTheStandardEncodings() {
        for (Case k : CASES) {
            Assembler a = new Assembler(0);
            k.emit.accept(a);
            byte[] b = a.assemble();
            long w = 0;
            for (int i = b.length - 1; i >= 0; i--) w = (w << 8) | (b[i] & 0xff);
            assertEquals(k.word < 0x10000 ? 2 : 4, b.length, k.gnu);
            assertEquals(k.word, w, () -> k.gnu + ": 0x" + Long.toHexString(k.word) + " expected");
        }
    }

    /** Each compressed FP form executes exactly as its 32-bit expansion: same register, same address. */
    @Test
    void compressedFormsExpandToTheirBaseInstructions() {
        assertEquals(0x0f84b407, Rvc.expand(0x3ce0), "c.fld fs0,248(s1) = fld fs0,248(s1)");
        assertEquals(0x00f7b427, Rvc.expand(0xa79c), "c.fsd fa5,8(a5) = fsd fa5,8(a5)");
        assertEquals(0x1f813f87, Rvc.expand(0x3ffe), "c.fldsp ft11,504(sp) = fld ft11,504(sp)");
        assertEquals(0x01b13027, Rvc.expand(0xa06e), "c.fsdsp fs11,0(sp) = fsd fs11,0(sp)");
        assertEquals(0x00813507, Rvc.expand(0x2522), "c.fldsp fa0,8(sp) = fld fa0,8(sp)");
        assertEquals(0x10013027, Rvc.expand(0xa202), "c.fsdsp ft0,256(sp) = fsd ft0,256(sp)");
    }
}
