/**
 * virtio over MMIO, as QEMU 7.2's {@code virt} board has it: the virtio-mmio transport
 * ({@link dev.ferry.hw.virtio.VirtioMmio}, legacy version 1 by default, modern version 2 with
 * {@code -global virtio-mmio.force-legacy=false}), split virtqueues with indirect descriptors and
 * event index, and the devices virtio-blk ({@link dev.ferry.hw.virtio.VirtioBlk} on a
 * {@link dev.ferry.hw.virtio.BlockBackend}), virtio-rng ({@link dev.ferry.hw.virtio.VirtioRng})
 * and virtio-console ({@link dev.ferry.hw.virtio.VirtioConsole}, QEMU's virtio-serial-device with
 * one virtconsole port on a character backend).
 *
 * <p>Wiring (the board's job): {@link dev.ferry.hw.virtio.VirtioMmioSlots#place} builds the eight
 * transports from the devices in command-line order (the first lands at 0x10008000, IRQ 8);
 * each slot's transport is the {@link dev.ferry.memory.MmioHandler} for its 0x1000-byte window,
 * {@link dev.ferry.hw.virtio.VirtioMmio#reset()} is its part of a system reset,
 * {@link dev.ferry.hw.virtio.VirtioMmio#drain()} quiesces it before state is saved,
 * {@link dev.ferry.hw.virtio.VirtioMmio#vmstate()} is its migration section (transport and device
 * together) and {@link dev.ferry.hw.virtio.VirtioMmio#close()} stops its worker.
 *
 * <p>All guest memory is reached through {@link dev.ferry.memory.AddressSpace#dmaRead} and
 * {@link dev.ferry.memory.AddressSpace#dmaWrite} (RAM only; writes are logged dirty). A driver
 * that breaks the ring contract gets a broken device (DEVICE_NEEDS_RESET), never an exception.
 */
package dev.ferry.hw.virtio;
