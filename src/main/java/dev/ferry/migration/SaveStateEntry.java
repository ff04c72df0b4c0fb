package dev.ferry.migration;

/**
 * One registered piece of machine state, keyed as QEMU keys it: an idstr (device path and
 * name) and an instance id, with the section id the source gives it in a stream.
 */
public record SaveStateEntry(String idstr, int instanceId, int sectionId, DeviceSection device, LiveSection live) {
    public int version() {
        return live != null ? live.version() : device.description().versionId();
    }

    public int minimumVersion() {
        return live != null ? 1 : device.description().minimumVersionId();
    }

    public boolean isLive() {
        return live != null;
    }

    public String describeName() {
        return "'" + idstr + "' " + instanceId;
    }
}
