/**
 * Disk images: the layer virtio-blk sits on and internal snapshots use.
 *
 * <p>{@link dev.ferry.block.BlockDriver} is what a device sees; {@link dev.ferry.block.Images#open}
 * opens one (probing the format when not given), {@link dev.ferry.block.RawImage} and
 * {@link dev.ferry.block.Qcow2Image} implement it, {@link dev.ferry.block.Qcow2Image#create} makes
 * new qcow2 images. Images are locked as QEMU locks them (OFD locks on bytes 100+perm and
 * 200+perm), so QEMU, qemu-img and Ferry see each other. Every failure is a
 * {@link dev.ferry.block.BlockException} with a message for the user.
 */
package dev.ferry.block;
