/**
 * The guest-program builder: an assembler for RISC-V 64 written as Java calls, used by the CPU's
 * unit tests and by the built-in demo guest.
 *
 * <pre>{@code
 * import static dev.ferry.asm.Reg.*;
 *
 * Assembler a = new Assembler(0x8000_0000L);
 * Label loop = a.newLabel(), done = a.newLabel(), msg = a.newLabel();
 * a.li(T0, 0x1000_0000L);          // UART
 * a.la(A0, msg);
 * a.bind(loop);
 * a.lbu(A1, 0, A0);
 * a.beqz(A1, done);
 * a.sb(A1, 0, T0);
 * a.addi(A0, A0, 1);
 * a.j(loop);
 * a.bind(done).wfi();
 * a.bind(msg).asciz("hello\n");
 * byte[] image = a.assemble();
 * }</pre>
 *
 * <p>{@link dev.ferry.asm.Assembler} has one method per mnemonic (RV64GC, Zicsr, Zifencei,
 * privileged, Zba, Zbb, Zbc, Zbs, Zihintpause) plus the usual pseudo-instructions; registers are
 * in {@link dev.ferry.asm.Reg} and {@link dev.ferry.asm.FReg}, CSR numbers in
 * {@link dev.ferry.asm.Csr}.
 */
package dev.ferry.asm;
