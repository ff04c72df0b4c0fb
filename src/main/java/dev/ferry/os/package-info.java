/**
 * The host operating system's calls the JDK does not offer, through the FFM API (Linux on x86-64
 * and AArch64): Unix sockets that carry file descriptors (SCM_RIGHTS), as QMP's {@code getfd}
 * needs, and descriptors used as streams, as {@code fd:} migration channels need.
 */
package dev.ferry.os;
