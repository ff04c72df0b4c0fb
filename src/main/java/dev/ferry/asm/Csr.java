package dev.ferry.asm;

/**
 * CSR numbers by name, for the Zicsr instructions of {@link Assembler}. (The CPU keeps its own
 * table; this one belongs to the guest-program builder.)
 */
public final class Csr {
    private Csr() {}

    // Unprivileged floating-point CSRs
    public static final int FFLAGS = 0x001;
    public static final int FRM = 0x002;
    public static final int FCSR = 0x003;

    // Unprivileged counters/timers
    public static final int CYCLE = 0xc00;
    public static final int TIME = 0xc01;
    public static final int INSTRET = 0xc02;
    public static final int HPMCOUNTER3 = 0xc03;
    public static final int HPMCOUNTER4 = 0xc04;
    public static final int HPMCOUNTER5 = 0xc05;
    public static final int HPMCOUNTER6 = 0xc06;
    public static final int HPMCOUNTER7 = 0xc07;
    public static final int HPMCOUNTER8 = 0xc08;
    public static final int HPMCOUNTER9 = 0xc09;
    public static final int HPMCOUNTER10 = 0xc0a;
    public static final int HPMCOUNTER11 = 0xc0b;
    public static final int HPMCOUNTER12 = 0xc0c;
    public static final int HPMCOUNTER13 = 0xc0d;
    public static final int HPMCOUNTER14 = 0xc0e;
    public static final int HPMCOUNTER15 = 0xc0f;
    public static final int HPMCOUNTER16 = 0xc10;
    public static final int HPMCOUNTER17 = 0xc11;
    public static final int HPMCOUNTER18 = 0xc12;
    public static final int HPMCOUNTER19 = 0xc13;
    public static final int HPMCOUNTER20 = 0xc14;
    public static final int HPMCOUNTER21 = 0xc15;
    public static final int HPMCOUNTER22 = 0xc16;
    public static final int HPMCOUNTER23 = 0xc17;
    public static final int HPMCOUNTER24 = 0xc18;
    public static final int HPMCOUNTER25 = 0xc19;
    public static final int HPMCOUNTER26 = 0xc1a;
    public static final int HPMCOUNTER27 = 0xc1b;
    public static final int HPMCOUNTER28 = 0xc1c;
    public static final int HPMCOUNTER29 = 0xc1d;
    public static final int HPMCOUNTER30 = 0xc1e;
    public static final int HPMCOUNTER31 = 0xc1f;

    // Supervisor
    public static final int SSTATUS = 0x100;
    public static final int SIE = 0x104;
    public static final int STVEC = 0x105;
    public static final int SCOUNTEREN = 0x106;
    public static final int SENVCFG = 0x10a;
    public static final int STIMECMP = 0x14d;
    public static final int SSCRATCH = 0x140;
    public static final int SEPC = 0x141;
    public static final int SCAUSE = 0x142;
    public static final int STVAL = 0x143;
    public static final int SIP = 0x144;
    public static final int SATP = 0x180;

    // Machine information
    public static final int MVENDORID = 0xf11;
    public static final int MARCHID = 0xf12;
    public static final int MIMPID = 0xf13;
    public static final int MHARTID = 0xf14;
    public static final int MCONFIGPTR = 0xf15;

    // Machine trap setup and handling
    public static final int MSTATUS = 0x300;
    public static final int MISA = 0x301;
    public static final int MEDELEG = 0x302;
    public static final int MIDELEG = 0x303;
    public static final int MIE = 0x304;
    public static final int MTVEC = 0x305;
    public static final int MCOUNTEREN = 0x306;
    public static final int MENVCFG = 0x30a;
    public static final int MCOUNTINHIBIT = 0x320;
    public static final int MSCRATCH = 0x340;
    public static final int MEPC = 0x341;
    public static final int MCAUSE = 0x342;
    public static final int MTVAL = 0x343;
    public static final int MIP = 0x344;
    public static final int MTINST = 0x34a;
    public static final int MTVAL2 = 0x34b;
    public static final int MSECCFG = 0x747;

    // Physical memory protection (RV64: only even pmpcfg registers exist)
    public static final int PMPCFG0 = 0x3a0;
    public static final int PMPCFG2 = 0x3a2;
    public static final int PMPCFG4 = 0x3a4;
    public static final int PMPCFG6 = 0x3a6;
    public static final int PMPCFG8 = 0x3a8;
    public static final int PMPCFG10 = 0x3aa;
    public static final int PMPCFG12 = 0x3ac;
    public static final int PMPCFG14 = 0x3ae;
    public static final int PMPADDR0 = 0x3b0;
    public static final int PMPADDR1 = 0x3b1;
    public static final int PMPADDR2 = 0x3b2;
    public static final int PMPADDR3 = 0x3b3;
    public static final int PMPADDR4 = 0x3b4;
    public static final int PMPADDR5 = 0x3b5;
    public static final int PMPADDR6 = 0x3b6;
    public static final int PMPADDR7 = 0x3b7;
    public static final int PMPADDR8 = 0x3b8;
    public static final int PMPADDR9 = 0x3b9;
    public static final int PMPADDR10 = 0x3ba;
    public static final int PMPADDR11 = 0x3bb;
    public static final int PMPADDR12 = 0x3bc;
    public static final int PMPADDR13 = 0x3bd;
    public static final int PMPADDR14 = 0x3be;
    public static final int PMPADDR15 = 0x3bf;
    public static final int PMPADDR16 = 0x3c0;
    public static final int PMPADDR17 = 0x3c1;
    public static final int PMPADDR18 = 0x3c2;
    public static final int PMPADDR19 = 0x3c3;
    public static final int PMPADDR20 = 0x3c4;
    public static final int PMPADDR21 = 0x3c5;
    public static final int PMPADDR22 = 0x3c6;
    public static final int PMPADDR23 = 0x3c7;
    public static final int PMPADDR24 = 0x3c8;
    public static final int PMPADDR25 = 0x3c9;
    public static final int PMPADDR26 = 0x3ca;
    public static final int PMPADDR27 = 0x3cb;
    public static final int PMPADDR28 = 0x3cc;
    public static final int PMPADDR29 = 0x3cd;
    public static final int PMPADDR30 = 0x3ce;
    public static final int PMPADDR31 = 0x3cf;
    public static final int PMPADDR32 = 0x3d0;
    public static final int PMPADDR33 = 0x3d1;
    public static final int PMPADDR34 = 0x3d2;
    public static final int PMPADDR35 = 0x3d3;
    public static final int PMPADDR36 = 0x3d4;
    public static final int PMPADDR37 = 0x3d5;
    public static final int PMPADDR38 = 0x3d6;
    public static final int PMPADDR39 = 0x3d7;
    public static final int PMPADDR40 = 0x3d8;
    public static final int PMPADDR41 = 0x3d9;
    public static final int PMPADDR42 = 0x3da;
    public static final int PMPADDR43 = 0x3db;
    public static final int PMPADDR44 = 0x3dc;
    public static final int PMPADDR45 = 0x3dd;
    public static final int PMPADDR46 = 0x3de;
    public static final int PMPADDR47 = 0x3df;
    public static final int PMPADDR48 = 0x3e0;
    public static final int PMPADDR49 = 0x3e1;
    public static final int PMPADDR50 = 0x3e2;
    public static final int PMPADDR51 = 0x3e3;
    public static final int PMPADDR52 = 0x3e4;
    public static final int PMPADDR53 = 0x3e5;
    public static final int PMPADDR54 = 0x3e6;
    public static final int PMPADDR55 = 0x3e7;
    public static final int PMPADDR56 = 0x3e8;
    public static final int PMPADDR57 = 0x3e9;
    public static final int PMPADDR58 = 0x3ea;
    public static final int PMPADDR59 = 0x3eb;
    public static final int PMPADDR60 = 0x3ec;
    public static final int PMPADDR61 = 0x3ed;
    public static final int PMPADDR62 = 0x3ee;
    public static final int PMPADDR63 = 0x3ef;

    // Machine counters and event selectors
    public static final int MCYCLE = 0xb00;
    public static final int MINSTRET = 0xb02;
    public static final int MHPMCOUNTER3 = 0xb03;
    public static final int MHPMCOUNTER4 = 0xb04;
    public static final int MHPMCOUNTER5 = 0xb05;
    public static final int MHPMCOUNTER6 = 0xb06;
    public static final int MHPMCOUNTER7 = 0xb07;
    public static final int MHPMCOUNTER8 = 0xb08;
    public static final int MHPMCOUNTER9 = 0xb09;
    public static final int MHPMCOUNTER10 = 0xb0a;
    public static final int MHPMCOUNTER11 = 0xb0b;
    public static final int MHPMCOUNTER12 = 0xb0c;
    public static final int MHPMCOUNTER13 = 0xb0d;
    public static final int MHPMCOUNTER14 = 0xb0e;
    public static final int MHPMCOUNTER15 = 0xb0f;
    public static final int MHPMCOUNTER16 = 0xb10;
    public static final int MHPMCOUNTER17 = 0xb11;
    public static final int MHPMCOUNTER18 = 0xb12;
    public static final int MHPMCOUNTER19 = 0xb13;
    public static final int MHPMCOUNTER20 = 0xb14;
    public static final int MHPMCOUNTER21 = 0xb15;
    public static final int MHPMCOUNTER22 = 0xb16;
    public static final int MHPMCOUNTER23 = 0xb17;
    public static final int MHPMCOUNTER24 = 0xb18;
    public static final int MHPMCOUNTER25 = 0xb19;
    public static final int MHPMCOUNTER26 = 0xb1a;
    public static final int MHPMCOUNTER27 = 0xb1b;
    public static final int MHPMCOUNTER28 = 0xb1c;
    public static final int MHPMCOUNTER29 = 0xb1d;
    public static final int MHPMCOUNTER30 = 0xb1e;
    public static final int MHPMCOUNTER31 = 0xb1f;
    public static final int MHPMEVENT3 = 0x323;
    public static final int MHPMEVENT4 = 0x324;
    public static final int MHPMEVENT5 = 0x325;
    public static final int MHPMEVENT6 = 0x326;
    public static final int MHPMEVENT7 = 0x327;
    public static final int MHPMEVENT8 = 0x328;
    public static final int MHPMEVENT9 = 0x329;
    public static final int MHPMEVENT10 = 0x32a;
    public static final int MHPMEVENT11 = 0x32b;
    public static final int MHPMEVENT12 = 0x32c;
    public static final int MHPMEVENT13 = 0x32d;
    public static final int MHPMEVENT14 = 0x32e;
    public static final int MHPMEVENT15 = 0x32f;
    public static final int MHPMEVENT16 = 0x330;
    public static final int MHPMEVENT17 = 0x331;
    public static final int MHPMEVENT18 = 0x332;
    public static final int MHPMEVENT19 = 0x333;
    public static final int MHPMEVENT20 = 0x334;
    public static final int MHPMEVENT21 = 0x335;
    public static final int MHPMEVENT22 = 0x336;
    public static final int MHPMEVENT23 = 0x337;
    public static final int MHPMEVENT24 = 0x338;
    public static final int MHPMEVENT25 = 0x339;
    public static final int MHPMEVENT26 = 0x33a;
    public static final int MHPMEVENT27 = 0x33b;
    public static final int MHPMEVENT28 = 0x33c;
    public static final int MHPMEVENT29 = 0x33d;
    public static final int MHPMEVENT30 = 0x33e;
    public static final int MHPMEVENT31 = 0x33f;

    // Debug/trace trigger
    public static final int TSELECT = 0x7a0;
    public static final int TDATA1 = 0x7a1;
    public static final int TDATA2 = 0x7a2;
    public static final int TDATA3 = 0x7a3;

    /** pmpaddrN, N in 0..63. */
    public static int pmpaddr(int n) {
        check(n, 0, 63, "pmpaddr");
        return PMPADDR0 + n;
    }

    /** pmpcfgN, N even in 0..14 (RV64). */
    public static int pmpcfg(int n) {
        check(n, 0, 14, "pmpcfg");
        if ((n & 1) != 0) throw new IllegalArgumentException("pmpcfg" + n + " does not exist on RV64");
        return PMPCFG0 + n;
    }

    /** mhpmcounterN, N in 3..31. */
    public static int mhpmcounter(int n) {
        check(n, 3, 31, "mhpmcounter");
        return MCYCLE + n;
    }

    /** mhpmeventN, N in 3..31. */
    public static int mhpmevent(int n) {
        check(n, 3, 31, "mhpmevent");
        return MCOUNTINHIBIT + n;
    }

    /** hpmcounterN, N in 3..31. */
    public static int hpmcounter(int n) {
        check(n, 3, 31, "hpmcounter");
        return CYCLE + n;
    }

    private static void check(int n, int lo, int hi, String what) {
        if (n < lo || n > hi) throw new IllegalArgumentException("no CSR " + what + n);
    }
}
