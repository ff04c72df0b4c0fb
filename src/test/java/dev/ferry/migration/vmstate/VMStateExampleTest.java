package dev.ferry.migration.vmstate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The API as a hart would use it: compact declarations of many fields. */
class VMStateExampleTest {
    static final class Hart {
        long pc;
        long[] x = new long[32];
        long[] f = new long[32];
        int fcsr;
        boolean fpUsed;
        long mstatus, mtvec, mepc, mcause, mtval, mscratch, mie, mip, medeleg, mideleg;
        long stvec, sepc, scause, stval, sscratch, satp;
        int priv;
        long[] pmpaddr = new long[16];
        byte[] pmpcfg = new byte[16];
        int tlbFlushes;

        void flushTlb() {
            tlbFlushes++;
        }
    }

    static final VMStateDescription<Hart> FP_DESC = VMStateDescription.<Hart>builder("cpu/fpu")
            .uint64Array("fpr", h -> h.f)
            .uint32("fcsr", h -> h.fcsr, (h, v) -> h.fcsr = v)
            .postLoad((h, v) -> h.fpUsed = true) // present in the stream, so in use
            .build();

    static final VMStateDescription<Hart> CPU = VMStateDescription.<Hart>builder("cpu")
            .version(1).minimumVersion(1)
            .uint64("pc", h -> h.pc, (h, v) -> h.pc = v)
            .uint64Array("gpr", h -> h.x)
            .uint64("mstatus", h -> h.mstatus, (h, v) -> h.mstatus = v)
            .uint64("mtvec", h -> h.mtvec, (h, v) -> h.mtvec = v)
            .uint64("mepc", h -> h.mepc, (h, v) -> h.mepc = v)
            .uint64("mcause", h -> h.mcause, (h, v) -> h.mcause = v)
            .uint64("mtval", h -> h.mtval, (h, v) -> h.mtval = v)
            .uint64("mscratch", h -> h.mscratch, (h, v) -> h.mscratch = v)
            .uint64("mie", h -> h.mie, (h, v) -> h.mie = v)
            .uint64("mip", h -> h.mip, (h, v) -> h.mip = v)
            .uint64("medeleg", h -> h.medeleg, (h, v) -> h.medeleg = v)
            .uint64("mideleg", h -> h.mideleg, (h, v) -> h.mideleg = v)
            .uint64("stvec", h -> h.stvec, (h, v) -> h.stvec = v)
            .uint64("sepc", h -> h.sepc, (h, v) -> h.sepc = v)
            .uint64("scause", h -> h.scause, (h, v) -> h.scause = v)
            .uint64("stval", h -> h.stval, (h, v) -> h.stval = v)
            .uint64("sscratch", h -> h.sscratch, (h, v) -> h.sscratch = v)
            .uint64("satp", h -> h.satp, (h, v) -> h.satp = v)
            .uint8("priv", h -> h.priv, (h, v) -> h.priv = v)
            .uint64Array("pmpaddr", h -> h.pmpaddr)
            .uint8Array("pmpcfg", h -> h.pmpcfg)
            .subsection(FP_DESC, h -> h.fpUsed)
            .postLoad((h, v) -> h.flushTlb())
            .build();

    @Test
    void hartLikeStateMoves() throws Exception {
        Hart a = new Hart();
        a.pc = 0x8020_0000L;
        for (int i = 0; i < 32; i++) a.x[i] = i * 0x1111L;
        a.satp = 0x8000_0000_0008_0000L;
        a.priv = 1;
        a.pmpcfg[0] = (byte) 0x9F;
        a.fpUsed = true;
        a.f[31] = -1;
        a.fcsr = 0xE0;
        byte[] body = CPU.save(a);
        assertEquals(8 + 256 + 16 * 8 + 1 + 128 + 16 + (2 + 7 + 4 + 256 + 4), body.length);

        Hart b = new Hart();
        CPU.load(b, body, 1);
        assertEquals(1, b.tlbFlushes);
        assertArrayEquals(body, CPU.save(b));
        assertEquals(-1, b.f[31]);
        assertEquals(0x9F, b.pmpcfg[0] & 0xFF);
    }
}
