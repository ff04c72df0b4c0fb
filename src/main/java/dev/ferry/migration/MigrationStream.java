package dev.ferry.migration;

import dev.ferry.migration.vmstate.VMStateException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * QEMU's migration stream, version 3: the header, the configuration section, START/PART/END
 * sections for live state and FULL sections for devices, each with a footer, EOF, and the JSON
 * description of the devices. Big-endian throughout.
 */
public final class MigrationStream {
    private MigrationStream() {}

    public static final int FILE_MAGIC = 0x5145564d; // "QEVM"
    public static final int FILE_VERSION = 3;
    public static final int EOF = 0x00, SECTION_START = 0x01, SECTION_PART = 0x02, SECTION_END = 0x03,
            SECTION_FULL = 0x04, SUBSECTION = 0x05, VMDESCRIPTION = 0x06, CONFIGURATION = 0x07, COMMAND = 0x08,
            SECTION_FOOTER = 0x7e;
    public static final int PAGE_SIZE = 4096;

    // ---- saving ----

    public static void writeHeader(MigrationOutput out, String machineType) throws VMStateException {
        out.putBe32(FILE_MAGIC);
        out.putBe32(FILE_VERSION);
        out.putByte(CONFIGURATION);
        byte[] name = machineType.getBytes(StandardCharsets.UTF_8);
        out.putBe32(name.length);
        out.putBuffer(name);
    }

    private static void sectionHeader(MigrationOutput out, int type, SaveStateEntry e) throws VMStateException {
        out.putByte(type);
        out.putBe32(e.sectionId());
        if (type == SECTION_START || type == SECTION_FULL) {
            byte[] id = e.idstr().getBytes(StandardCharsets.UTF_8);
            out.putByte(id.length);
            out.putBuffer(id);
            out.putBe32(e.instanceId());
            out.putBe32(e.version());
        }
    }

    private static void footer(MigrationOutput out, SaveStateEntry e) throws VMStateException {
        out.putByte(SECTION_FOOTER);
        out.putBe32(e.sectionId());
    }

    /** START sections: every live handler's setup. */
    public static void saveSetup(MigrationOutput out, List<SaveStateEntry> entries) throws VMStateException {
        for (SaveStateEntry e : entries) {
            if (!e.isLive()) continue;
            sectionHeader(out, SECTION_START, e);
            e.live().saveSetup(out);
            footer(out, e);
        }
    }

    /** PART sections: one round of every live handler; true when none has anything pending. */
    public static boolean saveIterate(MigrationOutput out, List<SaveStateEntry> entries, long maxBytes) throws VMStateException {
        boolean done = true;
        for (SaveStateEntry e : entries) {
            if (!e.isLive()) continue;
            sectionHeader(out, SECTION_PART, e);
            done &= e.live().saveIterate(out, maxBytes);
            footer(out, e);
        }
        return done;
    }

    /** What every live handler still has to send. */
    public static LiveSection.Pending pending(List<SaveStateEntry> entries) {
        LiveSection.Pending p = LiveSection.Pending.NONE;
        for (SaveStateEntry e : entries) if (e.isLive()) p = p.plus(e.live().pending());
        return p;
    }

    /**
     * With the vCPUs stopped: END sections for live state, FULL sections for every device,
     * EOF, then the JSON description.
     */
    public static void saveComplete(MigrationOutput out, List<SaveStateEntry> entries) throws VMStateException {
        for (SaveStateEntry e : entries) {
            if (!e.isLive()) continue;
            sectionHeader(out, SECTION_END, e);
            e.live().saveComplete(out);
            footer(out, e);
        }
        StringBuilder json = new StringBuilder("{\"page_size\": " + PAGE_SIZE + ", \"devices\": [");
        boolean first = true;
        for (SaveStateEntry e : entries) {
            if (e.isLive()) continue;
            sectionHeader(out, SECTION_FULL, e);
            try {
                e.device().save(out);
            } catch (VMStateException ex) {
                throw new VMStateException("Failed to save " + e.idstr() + ": " + ex.getMessage(), ex);
            }
            footer(out, e);
            json.append(first ? "" : ", ").append(e.device().describe(e.idstr(), e.instanceId()));
            first = false;
        }
        json.append("]}");
        out.putByte(EOF);
        byte[] desc = json.toString().getBytes(StandardCharsets.UTF_8);
        out.putByte(VMDESCRIPTION);
        out.putBe32(desc.length);
        out.putBuffer(desc);
    }

    /** A whole stream with the machine stopped (snapshots, cold migration). */
    public static void saveAll(MigrationOutput out, SaveStateRegistry registry, String machineType) throws VMStateException {
        writeHeader(out, machineType);
        saveRest(out, registry);
    }

    /** Everything after the header, with the machine stopped. */
    public static void saveRest(MigrationOutput out, SaveStateRegistry registry) throws VMStateException {
        List<SaveStateEntry> entries = registry.entries();
        saveSetup(out, entries);
        while (!saveIterate(out, entries, Long.MAX_VALUE)) {
            // drain everything: the vCPUs are stopped, so this ends
        }
        saveComplete(out, entries);
        out.flush();
    }

    // ---- loading ----

    /** What a completed load found. */
    public record LoadResult(List<String> sectionsLoaded, String vmDescription) {}

    /** Reads a whole stream into the registered handlers; throws with QEMU's messages on any mismatch. */
    public static LoadResult load(MigrationInput in, SaveStateRegistry registry, String machineType) throws MigrationException {
        return load(in, registry, machineType, null);
    }

    /**
     * As {@link #load(MigrationInput, SaveStateRegistry, String)}; {@code openReturnPath} runs
     * when the source asks for the return path (null: the channel has none, and the request fails).
     */
    public static LoadResult load(MigrationInput in, SaveStateRegistry registry, String machineType, Runnable openReturnPath)
            throws MigrationException {
        Map<Integer, SaveStateEntry> bySectionId = new HashMap<>();
        List<String> loaded = new ArrayList<>();
        try {
            int magic = in.getBe32();
            if (magic != FILE_MAGIC) throw new MigrationException("Not a migration stream");
            int version = in.getBe32();
            if (version == 2) throw new MigrationException("SaveVM v2 format is obsolete and don't work anymore");
            if (version != FILE_VERSION) throw new MigrationException("Unsupported migration stream version");
            if (in.peekByte(0) == CONFIGURATION) {
                in.getByte();
                int len = in.getBe32();
                if (len < 0 || len > 256) throw new MigrationException("Invalid machine type length " + len + " in the configuration section");
                byte[] name = new byte[len];
                in.getBuffer(name, 0, len);
                String received = new String(name, StandardCharsets.UTF_8);
                if (!received.equals(machineType))
                    throw new MigrationException("Machine type received is '" + received + "' and local is '" + machineType + "'");
            }
            while (true) {
                long at = in.position();
                int type = in.getByte();
                switch (type) {
                    case SECTION_START, SECTION_FULL -> {
                        int sectionId = in.getBe32();
                        int idlen = in.getByte();
                        byte[] id = new byte[idlen];
                        in.getBuffer(id, 0, idlen);
                        String idstr = new String(id, StandardCharsets.UTF_8);
                        int instance = in.getBe32();
                        int versionId = in.getBe32();
                        SaveStateEntry e = registry.find(idstr, instance);
                        if (e == null)
                            throw new MigrationException("Unknown savevm section or instance '" + idstr + "' " + instance
                                    + ". Make sure that your current VM setup matches your saved VM setup, including any hotplugged devices");
                        if (versionId > e.version())
                            throw new MigrationException("savevm: unsupported version " + versionId + " for '" + idstr + "' v" + e.version());
                        if (versionId < e.minimumVersion())
                            throw new MigrationException("savevm: version " + versionId + " of '" + idstr + "' is older than the oldest supported, " + e.minimumVersion());
                        if ((type == SECTION_START) != e.isLive())
                            throw new MigrationException("savevm: section '" + idstr + "' has the wrong kind (" + (e.isLive() ? "live" : "device") + " state expected)");
                        bySectionId.put(sectionId, e);
                        loadBody(in, e, versionId);
                        checkFooter(in, e, sectionId);
                        if (type == SECTION_FULL) loaded.add(idstr);
                    }
                    case SECTION_PART, SECTION_END -> {
                        int sectionId = in.getBe32();
                        SaveStateEntry e = bySectionId.get(sectionId);
                        if (e == null) throw new MigrationException("Unknown savevm section " + sectionId + " at offset " + at);
                        loadBody(in, e, e.version());
                        checkFooter(in, e, sectionId);
                        if (type == SECTION_END) loaded.add(e.idstr());
                    }
                    case EOF -> {
                        String desc = null;
                        if (in.peekByte(0) == VMDESCRIPTION) {
                            in.getByte();
                            int len = in.getBe32();
                            if (len >= 0 && len <= (64 << 20)) {
                                byte[] d = new byte[len];
                                in.getBuffer(d, 0, len);
                                desc = new String(d, StandardCharsets.UTF_8);
                            }
                        }
                        return new LoadResult(loaded, desc);
                    }
                    case COMMAND -> {
                        int cmd = in.getBe16();
                        int len = in.getBe16();
                        if (cmd == ReturnPath.CMD_OPEN_RETURN_PATH && len == 0) {
                            if (openReturnPath == null) throw new MigrationException("the source asked for a return path, which this channel cannot carry");
                            openReturnPath.run();
                        } else {
                            throw new MigrationException("Unknown or unsupported migration command " + cmd + " (length " + len + ")");
                        }
                    }
                    default -> throw new MigrationException("Unknown savevm section type " + type + " at offset " + at);
                }
            }
        } catch (VMStateException e) {
            throw new MigrationException(e.getMessage(), e);
        }
    }

    private static void loadBody(MigrationInput in, SaveStateEntry e, int versionId) throws MigrationException, VMStateException {
        try {
            if (e.isLive()) e.live().load(in, versionId);
            else e.device().load(in, versionId);
        } catch (VMStateException ex) {
            throw new MigrationException("error while loading state for instance 0x" + Integer.toHexString(e.instanceId())
                    + " of device '" + e.idstr() + "': " + ex.getMessage(), ex);
        }
    }

    private static void checkFooter(MigrationInput in, SaveStateEntry e, int sectionId) throws MigrationException, VMStateException {
        if (in.peekByte(0) != SECTION_FOOTER) throw new MigrationException("Missing section footer for " + e.idstr());
        in.getByte();
        int id = in.getBe32();
        if (id != sectionId)
            throw new MigrationException("Mismatched section id in footer for " + e.idstr() + " - read 0x"
                    + Integer.toHexString(id) + " expected 0x" + Integer.toHexString(sectionId));
    }
}
