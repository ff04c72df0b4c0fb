package dev.ferry.cli;

/**
 * A connected serial port: {@code index} 0 is the virt machine's UART. Ports the machine does not
 * have are kept (QEMU ignores them too). {@code -serial none} makes no entry.
 */
public record SerialPort(int index, String chardev) {}
