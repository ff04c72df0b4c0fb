package dev.ferry.cpu;

import static dev.ferry.asm.FReg.*;
import static dev.ferry.asm.Reg.*;
import static dev.ferry.cpu.FpRig.DATA;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * FLW, FLD, FSW, FSD and the compressed C.FLD, C.FSD, C.FLDSP, C.FSDSP: addressing, NaN-boxing
 * of loaded singles, bit-exact transfers (NaN payloads untouched), and misaligned addresses in
 * RAM, which the hart handles as QEMU 7.2 does (the access simply happens, also across a page).
 */
class FpInstructionMemoryTest {
    private final FpRig t = new FpRig();

    @AfterEach
    void close() {
        t.close();
    }

    private void mem64(long addr, long v) {
        t.m.bus.write(addr, 8, v);
    }

    private long mem64(long addr) {
        return t.m.bus.read(addr, 8);
    }

    @Test
    void loadsAndStores() {
        mem64(DATA, 0x7ff0_0000_0000_0001L);      // a signalling NaN double
        mem64(DATA + 8, 0x1111_1111_7f80_0001L);  // a signalling NaN single in the low word
        t.x(A0, DATA + 16).f(FT3, 0x0123_4567_89ab_cdefL).f(FT4, 0xffff_ffff_4049_0fdbL);
        t.ok(a -> a.fld(FT0, -16, A0).flw(FT1, -8, A0).flw(FT2, -4, A0)
                .fsd(FT0, 0, A0).fsw(FT1, 8, A0).fsw(FT3, 12, A0).fsd(FT4, 16, A0));
        assertEquals(0x7ff0_0000_0000_0001L, t.f(FT0), "fld: bit-exact, payload kept");
        assertEquals(0xffff_ffff_7f80_0001L, t.f(FT1), "flw: boxed, payload kept");
        assertEquals(0xffff_ffff_1111_1111L, t.f(FT2), "flw of the high word");
        assertEquals(0x7ff0_0000_0000_0001L, mem64(DATA + 16), "fsd");
        assertEquals(0x89ab_cdef_7f80_0001L, mem64(DATA + 24), "fsw stores the low 32 bits, even of an unboxed value");
        assertEquals(0xffff_ffff_4049_0fdbL, mem64(DATA + 32), "fsd of a boxed single stores the box too");
        assertEquals(0, t.flags(), "loads and stores raise no flags, not even for signalling NaNs");
    }

    @Test
    void fswLeavesNeighbouringBytesAlone() {
        mem64(DATA, 0xaaaa_aaaa_aaaa_aaaaL);
        mem64(DATA + 8, 0xbbbb_bbbb_bbbb_bbbbL);
        t.x(A0, DATA).sBits(FT0, 0x3f80_0000);
        t.ok(a -> a.fsw(FT0, 6, A0));
        assertEquals(0x0000_aaaa_aaaa_aaaaL, mem64(DATA));
        assertEquals(0xbbbb_bbbb_bbbb_3f80L, mem64(DATA + 8));
    }

    @Test
    void misalignedAccessesInRam() {
        mem64(DATA, 0x8877_6655_4433_2211L);
        mem64(DATA + 8, 0xffee_ddcc_bbaa_9988L);
        t.x(A0, DATA);
        t.ok(a -> a.flw(FT0, 1, A0).fld(FT1, 3, A0).flw(FT2, 6, A0));
        assertEquals(0xffff_ffff_5544_3322L, t.f(FT0), "flw at +1");
        assertEquals(0xaa99_8888_7766_5544L, t.f(FT1), "fld at +3");
        assertEquals(0xffff_ffff_9988_8877L, t.f(FT2), "flw at +6");

        t.d(FT3, 1.0).sBits(FT4, 0xdead_beef);
        t.ok(a -> a.fsd(FT3, 0x101, A0).fsw(FT4, 0x10b, A0));
        assertEquals(0, t.m.bus.read(DATA + 0x100, 1), "byte before the fsd");
        assertEquals(0, t.m.bus.read(DATA + 0x109, 1), "byte after the fsd");
        assertEquals(0x3ff0_0000_0000_0000L, read64Unaligned(DATA + 0x101), "fsd at +1");
        assertEquals(0xdead_beefL, t.m.bus.read(DATA + 0x10b, 1) | t.m.bus.read(DATA + 0x10c, 1) << 8
                | t.m.bus.read(DATA + 0x10d, 1) << 16 | t.m.bus.read(DATA + 0x10e, 1) << 24, "fsw at +0xb");
    }

    @Test
    void misalignedAccessesAcrossAPage() {
        long page = DATA + 0x1000;
        mem64(page - 8, 0x8877_6655_4433_2211L);
        mem64(page, 0xffee_ddcc_bbaa_9988L);
        t.x(A0, page);
        t.ok(a -> a.fld(FT0, -3, A0).flw(FT1, -2, A0));
        assertEquals(0xccbb_aa99_8888_7766L, t.f(FT0), "fld across the boundary");
        assertEquals(0xffff_ffff_9988_8877L, t.f(FT1), "flw across the boundary");
        t.f(FT2, 0x0102_0304_0506_0708L).sBits(FT3, 0x1a2b_3c4d);
        t.ok(a -> a.fsd(FT2, -5, A0).fsw(FT3, 0x7fe, A0));
        assertEquals(0x0102_0304_0506_0708L, read64Unaligned(page - 5), "fsd across the boundary");
        assertEquals(0x1a2b_3c4dL, read64Unaligned(page + 0x7fe) & 0xffff_ffffL);
    }

    private long read64Unaligned(long addr) {
        long v = 0;
        for (int i = 7; i >= 0; i--) v = v << 8 | t.m.bus.read(addr + i, 1);
        return v;
    }

    @Test
    void compressedLoadsAndStores() {
        mem64(DATA + 248, 0x4009_21fb_5444_2d18L);
        mem64(DATA + 504, 0x7ff8_dead_beef_0001L);
        mem64(DATA + 8, 0xc000_0000_0000_0000L);
        t.x(S1, DATA).x(SP, DATA).x(A5, DATA + 0x200)
                .f(FA5, 0x1234_5678_9abc_def0L).f(FS11, 0x7ff0_0000_0000_0002L).f(FT0, 0x0fed_cba9_8765_4321L);
        t.ok(a -> a.c_fld(FS0, 248, S1).c_fldsp(FT11, 504).c_fldsp(FA0, 8)
                .c_fsd(FA5, 8, A5).c_fsdsp(FS11, 0).c_fsdsp(FT0, 256));
        assertEquals(0x4009_21fb_5444_2d18L, t.f(FS0), "c.fld fs0, 248(s1)");
        assertEquals(0x7ff8_dead_beef_0001L, t.f(FT11), "c.fldsp ft11, 504(sp)");
        assertEquals(0xc000_0000_0000_0000L, t.f(FA0), "c.fldsp fa0, 8(sp)");
        assertEquals(0x1234_5678_9abc_def0L, mem64(DATA + 0x208), "c.fsd fa5, 8(a5)");
        assertEquals(0x7ff0_0000_0000_0002L, mem64(DATA), "c.fsdsp fs11, 0(sp)");
        assertEquals(0x0fed_cba9_8765_4321L, mem64(DATA + 256), "c.fsdsp ft0, 256(sp)");
        assertEquals(DATA, t.x(SP));
        assertEquals(DATA, t.x(S1));
        assertEquals(0, t.flags());
    }

    @Test
    void compressedMisaligned() {
        mem64(DATA + 8, 0x8877_6655_4433_2211L);
        mem64(DATA + 16, 0xffee_ddcc_bbaa_9988L);
        t.x(S0, DATA + 3).x(SP, DATA + 5).d(FA1, -2.0);
        t.ok(a -> a.c_fld(FA0, 8, S0).c_fsdsp(FA1, 16));
        assertEquals(0xaa99_8888_7766_5544L, t.f(FA0), "c.fld at an odd address");
        assertEquals(0xc000_0000_0000_0000L, read64Unaligned(DATA + 21), "c.fsdsp at an odd address");
    }

    /** A load that faults leaves the destination and FS alone. */
    @Test
    void faultingLoadChangesNothing() {
        t.fs(FpRig.FS_CLEAN).x(A0, 0).f(FT0, 0x1234L);
        t.run(a -> a.fld(FT0, 8, A0));
        assertTrue(t.trapped());
        assertEquals(Trap.LOAD_ACCESS, t.h.mcause);
        assertEquals(8, t.h.mtval);
        assertEquals(0x1234L, t.f(FT0));
        assertEquals(FpRig.FS_CLEAN, t.fsState());
    }
}
