/**
 * IEEE 754 binary32/binary64 arithmetic for the RISC-V F and D extensions, bit-exact with the
 * specification (and so with QEMU): all five rounding modes, the five accrued exception flags,
 * canonical NaNs, tininess after rounding, RISC-V FMIN/FMAX, compares, FCLASS and the
 * saturating float-to-integer conversions.
 *
 * <p>{@link dev.ferry.cpu.fpu.Fp} is the whole API: static functions on raw bit patterns
 * ({@code long} for binary64, {@code int} for binary32) that take a resolved rounding mode and
 * an {@link dev.ferry.cpu.fpu.FpFlags} to accrue into. Decoding, NaN-boxing, {@code mstatus.FS}
 * and the {@code fcsr} CSRs belong to the hart.
 *
 * <p>The fast paths rely on the JVM's correctly rounded double arithmetic and on
 * {@link java.lang.Math#fma} being a hardware instruction (x86-64 with FMA3, AArch64); without
 * it, the JDK's software fallback for {@code Math.fma} is correct but very slow.
 */
package dev.ferry.cpu.fpu;
