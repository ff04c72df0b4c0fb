package dev.ferry.migration.vmstate;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.ObjIntConsumer;
import java.util.function.ObjLongConsumer;
import java.util.function.Predicate;
import java.util.function.ToIntFunction;
import java.util.function.ToLongFunction;

/**
 * The state of one kind of device (or the hart), declared once, in the manner of QEMU's
 * {@code VMStateDescription}: a name, a version and the oldest version it can still load, the
 * fields in stream order, optional subsections, and hooks. The same description saves and loads
 * snapshots and migration section bodies, and writes the section's entry in the stream's JSON
 * VM description.
 *
 * <pre>{@code
 * static final VMStateDescription<Hart> FP = VMStateDescription.<Hart>builder("cpu/fpu")
 *         .version(1).uint64Array("fpr", h -> h.f).uint32("fcsr", h -> h.fcsr, (h, v) -> h.fcsr = v)
 *         .build();
 * static final VMStateDescription<Hart> CPU = VMStateDescription.<Hart>builder("cpu")
 *         .version(2).minimumVersion(1)
 *         .uint64("pc", h -> h.pc, (h, v) -> h.pc = v)
 *         .uint64Array("gpr", h -> h.x)
 *         .uint64("mseccfg", h -> h.mseccfg, (h, v) -> h.mseccfg = v).since(2)
 *         .subsection(FP, h -> h.fpUsed)
 *         .postLoad((h, v) -> h.flushTlb())
 *         .build();
 * }</pre>
 *
 * <h2>Encoding (QEMU's vmstate_save_state / vmstate_load_state)</h2>
 * Fields in declaration order, no tags, big-endian; bool is one byte 0/1; an array is its
 * elements back to back; a buffer is its raw bytes; a nested struct is the nested body inline
 * (with its own subsections). A field whose {@code since} version is above the stream's
 * version_id is absent. After the fields come the subsections whose {@code needed} predicate
 * holds, in declaration order, each framed as {@code 0x05 (QEMU_VM_SUBSECTION), u8 name length,
 * name, be32 version_id}, then its body (recursively). Loading, after the fields and while the
 * next byte is 0x05, peeks the name: a name that cannot be peeked whole, is shorter than this
 * description's name plus one or does not start with it belongs to someone else and ends the
 * subsections (QEMU's rule, so a nested struct leaves its parent's subsections alone); a name
 * with the prefix that is not one of ours is an error ("unknown subsection").
 *
 * <h2>Checks and failure</h2>
 * Loading rejects versions above {@link #versionId()} or below {@link #minimumVersionId()} (for
 * subsections with their own bounds), truncated input, array and buffer lengths beyond the Java
 * storage (or beyond the declared maximum for allocated buffers: nothing is ever allocated from
 * an unchecked stream length), bool bytes other than 0/1, mismatching "equal" fields, and (for
 * {@link #load(Object, byte[], int)}) trailing bytes. Errors are {@link VMStateException}s whose
 * message is a path and a detail ({@code cpu/pmpaddr: array length 20 exceeds 16}).
 *
 * <p><b>No half-written objects.</b> {@link #load} first captures the object's current values
 * with the description itself (every field and every subsection, no hooks; a few hundred bytes
 * to a few KiB), and on any failure writes them back before throwing. So the declared state is
 * as it was. Side effects of hooks that already ran (pre_load, a nested post_load) are not
 * undone; hooks should validate before they change derived state. If the object cannot even be
 * captured (its state is already inconsistent), the load proceeds without that safety net.
 *
 * <p>Saving runs pre_save, then the fields and subsections, then post_save (also when saving
 * failed, as QEMU does). A failed save leaves partial bytes in the writer; the stream discards
 * the section.
 *
 * <p>Descriptions are immutable and thread-safe; one description serves every instance.
 */
public final class VMStateDescription<T> {
    /** QEMU_VM_SUBSECTION. */
    public static final int SUBSECTION = 0x05;

    /** A hook that may fail by throwing a {@link VMStateException} with the reason. */
    @FunctionalInterface
    public interface Hook<T> {
        void run(T obj) throws VMStateException;
    }

    /** post_load receives the version_id the state was loaded from. */
    @FunctionalInterface
    public interface PostLoadHook<T> {
        void run(T obj, int versionId) throws VMStateException;
    }

    /** QEMU's field_exists: decides, instead of the version, whether a field is in the stream. */
    @FunctionalInterface
    public interface FieldTest<T> {
        boolean test(T obj, int versionId);
    }

    @FunctionalInterface
    public interface BoolSetter<T> {
        void set(T obj, boolean value);
    }

    private record Subsection<T>(VMStateDescription<? super T> desc, Predicate<? super T> needed,
                                 String pathSegment) {
    }

    private final String name;
    private final byte[] nameBytes;
    private final int versionId;
    private final int minimumVersionId;
    private final List<Field<T>> fields;
    /** Names in the JSON description: a repeated field name gets "[n]" (its occurrence number). */
    private final String[] jsonNames;
    private final boolean[] fieldCompressible;
    private final List<Subsection<T>> subsections;
    private final Hook<? super T> preSave, postSave, preLoad;
    private final PostLoadHook<? super T> postLoad;
    private final boolean unmigratable;
    private final boolean compressibleAsStruct;

    private VMStateDescription(Builder<T> b, int minimumVersion, String[] jsonNames) {
        this.name = b.name;
        this.nameBytes = b.name.getBytes(StandardCharsets.UTF_8);
        this.versionId = b.version;
        this.minimumVersionId = minimumVersion;
        this.fields = List.copyOf(b.fields);
        this.jsonNames = jsonNames;
        this.fieldCompressible = new boolean[fields.size()];
        boolean allCompress = true;
        for (int i = 0; i < fields.size(); i++) {
            fieldCompressible[i] = fields.get(i).compressible();
            allCompress &= fieldCompressible[i];
        }
        this.subsections = List.copyOf(b.subsections);
        this.preSave = b.preSave;
        this.postSave = b.postSave;
        this.preLoad = b.preLoad;
        this.postLoad = b.postLoad;
        this.unmigratable = b.unmigratable;
        this.compressibleAsStruct = allCompress && subsections.isEmpty();
    }

    public static <T> Builder<T> builder(String name) {
        return new Builder<>(name);
    }

    /** Same as {@link #builder(String)}, with the object type given instead of a type witness. */
    public static <T> Builder<T> builder(String name, Class<T> type) {
        return new Builder<>(name);
    }

    public String name() {
        return name;
    }

    public int versionId() {
        return versionId;
    }

    public int minimumVersionId() {
        return minimumVersionId;
    }

    /** Marked unmigratable: saving, loading and describing it fail (QEMU blocks migration and savevm). */
    public boolean isUnmigratable() {
        return unmigratable;
    }

    public List<VMStateField> fields() {
        return List.copyOf(fields);
    }

    /** The subsection descriptions, in stream order. */
    public List<VMStateDescription<? super T>> subsections() {
        List<VMStateDescription<? super T>> l = new ArrayList<>();
        for (Subsection<T> s : subsections) l.add(s.desc);
        return l;
    }

    boolean compressibleAsStruct() {
        return compressibleAsStruct;
    }

    @Override
    public String toString() {
        return "VMStateDescription[" + name + " v" + versionId + "]";
    }

    // ==== public entry points ==============================================================

    /** Writes the section body of {@code obj}. */
    public void save(T obj, VMStateWriter out) throws VMStateException {
        save(obj, out, null);
    }

    /**
     * Writes the section body of {@code obj} and, when {@code vmdesc} is not null, its
     * description: the members {@code "vmsd_name", "version", "fields"} and, if any subsection
     * was written, {@code "subsections"}, into the JSON object the caller has opened (QEMU's
     * savevm opens it and writes {@code "name"} and {@code "instance_id"} first; see
     * {@link #describe}).
     */
    public void save(T obj, VMStateWriter out, JsonWriter vmdesc) throws VMStateException {
        Objects.requireNonNull(obj, "obj");
        try {
            checkMigratable();
            saveState(obj, vmdesc != null ? new CountingWriter(out) : out, vmdesc, false);
        } catch (VMStateException e) {
            throw e.prependPath(name);
        }
    }

    /** The section body of {@code obj} as bytes. */
    public byte[] save(T obj) throws VMStateException {
        ByteArrayVMStateWriter w = new ByteArrayVMStateWriter();
        save(obj, w);
        return w.toByteArray();
    }

    /**
     * The device's entry in the stream's JSON VM description, as QEMU writes it:
     * {@code {"name": idstr, "instance_id": n, "vmsd_name": ..., "version": v, "fields": [...],
     * "subsections": [...]}}. Sizes are measured by saving the object (hooks run) into nothing.
     */
    public String describe(String idstr, long instanceId, T obj) throws VMStateException {
        JsonWriter j = new JsonWriter();
        j.startObject(null).str("name", idstr).int64("instance_id", instanceId);
        save(obj, new CountingWriter(null), j);
        j.endObject();
        return j.toString();
    }

    /**
     * Loads a section body written at {@code versionId} into {@code obj}. The reader is left
     * after the body (subsections included). On failure {@code obj}'s declared state is put
     * back as it was (see the class comment).
     */
    public void load(T obj, VMStateReader in, int versionId) throws VMStateException {
        loadTransactional(obj, in, versionId, null);
    }

    /** Loads a whole section body; bytes left after it are an error. */
    public void load(T obj, byte[] body, int versionId) throws VMStateException {
        ByteArrayVMStateReader r = new ByteArrayVMStateReader(body);
        loadTransactional(obj, r, versionId, r);
    }

    private void checkMigratable() throws VMStateException {
        if (unmigratable) throw new VMStateException("state is marked unmigratable");
    }

    private void loadTransactional(T obj, VMStateReader in, int version, ByteArrayVMStateReader whole)
            throws VMStateException {
        Objects.requireNonNull(obj, "obj");
        byte[] backup = null;
        try {
            checkMigratable();
            backup = capture(obj);
            loadState(obj, in, version, false);
            if (whole != null && whole.remaining() > 0)
                throw new VMStateException(whole.remaining() + " unexpected trailing bytes after the section body");
        } catch (VMStateException e) {
            restore(obj, backup, e);
            throw e.prependPath(name);
        } catch (RuntimeException e) {
            restore(obj, backup, e);
            throw e;
        }
    }

    /** Every declared value of obj (all subsections, no hooks), or null if that is impossible. */
    private byte[] capture(T obj) {
        try {
            ByteArrayVMStateWriter w = new ByteArrayVMStateWriter();
            saveState(obj, w, null, true);
            return w.toByteArray();
        } catch (VMStateException | RuntimeException e) {
            return null;
        }
    }

    private void restore(T obj, byte[] backup, Exception failure) {
        if (backup == null) return;
        try {
            loadState(obj, new ByteArrayVMStateReader(backup), versionId, true);
        } catch (VMStateException | RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    // ==== the engine =======================================================================
    // Errors thrown from here carry a path relative to this description; callers prepend.

    private static String segment(Field<?> f, int i) {
        return f.isArray() ? f.name + "[" + i + "]" : f.name;
    }

    private static VMStateException hookFailure(String hook, VMStateException e) {
        return new VMStateException(hook + " failed: " + e.getMessage(), e);
    }

    /**
     * @param w      a {@link CountingWriter} whenever {@code vmdesc} is not null
     * @param raw    capture mode: no hooks, every subsection whether needed or not
     */
    void saveState(T obj, VMStateWriter w, JsonWriter vmdesc, boolean raw) throws VMStateException {
        if (!raw && preSave != null) {
            try {
                preSave.run(obj);
            } catch (VMStateException e) {
                throw hookFailure("pre_save", e);
            }
        }
        Throwable failure = null;
        try {
            saveBody(obj, w, vmdesc, raw);
        } catch (VMStateException | RuntimeException e) {
            failure = e;
        }
        if (!raw && postSave != null) {
            try {
                postSave.run(obj);
            } catch (VMStateException e) {
                VMStateException pe = hookFailure("post_save", e);
                if (failure == null) failure = pe;
                else failure.addSuppressed(pe);
            }
        }
        if (failure instanceof VMStateException e) throw e;
        if (failure instanceof RuntimeException e) throw e;
    }

    private void saveBody(T obj, VMStateWriter w, JsonWriter vmdesc, boolean raw) throws VMStateException {
        CountingWriter counter = vmdesc != null ? (CountingWriter) w : null;
        if (vmdesc != null) {
            vmdesc.str("vmsd_name", name);
            vmdesc.int64("version", versionId);
            vmdesc.startArray("fields");
        }
        for (int fi = 0; fi < fields.size(); fi++) {
            Field<T> f = fields.get(fi);
            if (!f.exists(obj, versionId)) continue;
            int n;
            try {
                n = f.count(obj);
            } catch (VMStateException e) {
                throw e.prependPath(f.name);
            }
            boolean compress = fieldCompressible[fi];
            boolean struct = f.structDescription() != null;
            JsonWriter loop = vmdesc;
            for (int i = 0; i < n; i++) {
                long before = 0;
                if (loop != null) {
                    loop.startObject(null);
                    loop.str("name", jsonNames[fi]);
                    if (n > 1) {
                        if (compress) loop.int64("array_len", n);
                        else loop.int64("index", i);
                    }
                    loop.str("type", f.type());
                    if (struct) loop.startObject("struct");
                    before = counter.count();
                }
                try {
                    f.put(obj, i, w, loop, raw);
                } catch (VMStateException e) {
                    throw e.prependPath(segment(f, i));
                }
                if (loop != null) {
                    if (struct) loop.endObject();
                    loop.int64("size", counter.count() - before);
                    loop.endObject();
                    if (compress) loop = null; // an array described by its first element
                }
            }
        }
        if (vmdesc != null) vmdesc.endArray();

        boolean anySub = false;
        for (Subsection<T> s : subsections) {
            if (!raw && !s.needed.test(obj)) continue;
            if (vmdesc != null) {
                if (!anySub) vmdesc.startArray("subsections");
                vmdesc.startObject(null);
            }
            anySub = true;
            byte[] sn = s.desc.nameBytes;
            w.putByte(SUBSECTION);
            w.putByte(sn.length);
            w.putBuffer(sn, 0, sn.length);
            w.putBe32(s.desc.versionId);
            try {
                s.desc.saveState(obj, w, vmdesc, raw);
            } catch (VMStateException e) {
                throw e.prependPath(s.pathSegment);
            }
            if (vmdesc != null) vmdesc.endObject();
        }
        if (vmdesc != null && anySub) vmdesc.endArray();
    }

    void loadState(T obj, VMStateReader r, int version, boolean raw) throws VMStateException {
        if (Integer.compareUnsigned(version, versionId) > 0)
            throw new VMStateException("version " + Integer.toUnsignedString(version)
                    + " is newer than supported " + versionId);
        if (version < minimumVersionId)
            throw new VMStateException("version " + version + " is older than minimum " + minimumVersionId);
        if (!raw && preLoad != null) {
            try {
                preLoad.run(obj);
            } catch (VMStateException e) {
                throw hookFailure("pre_load", e);
            }
        }
        for (Field<T> f : fields) {
            if (!f.exists(obj, version)) continue;
            int n;
            try {
                n = f.count(obj);
            } catch (VMStateException e) {
                throw e.prependPath(f.name);
            }
            for (int i = 0; i < n; i++) {
                try {
                    f.get(obj, i, r, raw);
                } catch (VMStateException e) {
                    throw e.prependPath(segment(f, i));
                }
            }
        }
        loadSubsections(obj, r, raw);
        if (!raw && postLoad != null) {
            try {
                postLoad.run(obj, version);
            } catch (VMStateException e) {
                throw hookFailure("post_load", e);
            }
        }
    }

    private void loadSubsections(T obj, VMStateReader r, boolean raw) throws VMStateException {
        while (r.peekByte(0) == SUBSECTION) {
            int len = r.peekByte(1);
            if (len < nameBytes.length + 1) return; // too short for "name/x" (or no byte): not ours
            byte[] id = new byte[len];
            for (int j = 0; j < len; j++) {
                int b = r.peekByte(2 + j);
                if (b < 0) return; // cannot peek the whole name: not a subsection header
                id[j] = (byte) b;
            }
            if (!Arrays.equals(id, 0, nameBytes.length, nameBytes, 0, nameBytes.length)) return;
            Subsection<T> sub = null;
            for (Subsection<T> s : subsections) {
                if (Arrays.equals(s.desc.nameBytes, id)) {
                    sub = s;
                    break;
                }
            }
            if (sub == null)
                throw new VMStateException("unknown subsection " + new String(id, StandardCharsets.UTF_8));
            r.skip(2 + len);
            try {
                int version = r.getBe32();
                sub.desc.loadState(obj, r, version, raw);
            } catch (VMStateException e) {
                throw e.prependPath(sub.pathSegment);
            }
        }
    }

    // ==== builder ==========================================================================

    /**
     * Declares a description. Field methods add a field at the end of the stream order;
     * {@link #since} and {@link #existsIf} modify the field added last. Integer getters may
     * return the signed or unsigned reading of the value (a uint8 kept in a Java byte is fine);
     * setters receive the signed value for intN and the unsigned one for uintN (uint32 into an
     * int arrives as its bit pattern). Array fields load in place into the existing Java array;
     * a variable length (QEMU's VARRAY/VBUFFER) is read through an int getter, unsigned, when
     * saving or loading (usually a field declared earlier, so it is already loaded), and never
     * exceeds the Java array's length.
     */
    public static final class Builder<T> {
        private final String name;
        private int version = 1;
        private int minimumVersion = -1;
        private final List<Field<T>> fields = new ArrayList<>();
        private final List<Subsection<T>> subsections = new ArrayList<>();
        private Hook<? super T> preSave, postSave, preLoad;
        private PostLoadHook<? super T> postLoad;
        private boolean unmigratable;
        private Field<T> last;

        private Builder(String name) {
            this.name = Objects.requireNonNull(name, "name");
            int len = name.getBytes(StandardCharsets.UTF_8).length;
            if (len == 0 || len > 255) throw new IllegalArgumentException("description name must be 1..255 bytes: '" + name + "'");
        }

        /** version_id (default 1). */
        public Builder<T> version(int version) {
            if (version < 0) throw new IllegalArgumentException(name + ": negative version");
            this.version = version;
            return this;
        }

        /** minimum_version_id: the oldest version this can load (default: the version). */
        public Builder<T> minimumVersion(int minimumVersion) {
            if (minimumVersion < 0) throw new IllegalArgumentException(name + ": negative minimum version");
            this.minimumVersion = minimumVersion;
            return this;
        }

        public Builder<T> unmigratable() {
            this.unmigratable = true;
            return this;
        }

        public Builder<T> preSave(Hook<? super T> hook) {
            this.preSave = hook;
            return this;
        }

        public Builder<T> postSave(Hook<? super T> hook) {
            this.postSave = hook;
            return this;
        }

        public Builder<T> preLoad(Hook<? super T> hook) {
            this.preLoad = hook;
            return this;
        }

        public Builder<T> postLoad(PostLoadHook<? super T> hook) {
            this.postLoad = hook;
            return this;
        }

        /** The last field is present only in streams of version {@code sinceVersion} or newer (QEMU's _V macros). */
        public Builder<T> since(int sinceVersion) {
            lastField("since").since = sinceVersion;
            return this;
        }

        /** The last field is present only when {@code test} says so (QEMU's _TEST macros; replaces the version rule). */
        public Builder<T> existsIf(FieldTest<? super T> test) {
            lastField("existsIf").existsTest = Objects.requireNonNull(test);
            return this;
        }

        /**
         * A subsection: another description of the same object, written after this one's fields
         * when {@code needed} holds. Its name must start with this description's name (QEMU's
         * loader ignores any other), conventionally {@code "parent/sub"}.
         */
        public Builder<T> subsection(VMStateDescription<? super T> sub, Predicate<? super T> needed) {
            Objects.requireNonNull(sub, "sub");
            Objects.requireNonNull(needed, "needed");
            String sn = sub.name;
            if (!sn.startsWith(name) || sub.nameBytes.length < name.getBytes(StandardCharsets.UTF_8).length + 1)
                throw new IllegalArgumentException(name + ": subsection name '" + sn
                        + "' must start with '" + name + "' (e.g. '" + name + "/...')");
            for (Subsection<T> s : subsections)
                if (s.desc.name.equals(sn)) throw new IllegalArgumentException(name + ": duplicate subsection " + sn);
            String seg = sn.startsWith(name + "/") ? sn.substring(name.length() + 1) : sn;
            subsections.add(new Subsection<>(sub, needed, seg));
            last = null;
            return this;
        }

        // ---- scalars ----

        public Builder<T> int8(String name, ToIntFunction<? super T> get, ObjIntConsumer<? super T> set) {
            return intScalar(name, NumType.INT8, get, set);
        }

        public Builder<T> uint8(String name, ToIntFunction<? super T> get, ObjIntConsumer<? super T> set) {
            return intScalar(name, NumType.UINT8, get, set);
        }

        public Builder<T> int16(String name, ToIntFunction<? super T> get, ObjIntConsumer<? super T> set) {
            return intScalar(name, NumType.INT16, get, set);
        }

        public Builder<T> uint16(String name, ToIntFunction<? super T> get, ObjIntConsumer<? super T> set) {
            return intScalar(name, NumType.UINT16, get, set);
        }

        public Builder<T> int32(String name, ToIntFunction<? super T> get, ObjIntConsumer<? super T> set) {
            return intScalar(name, NumType.INT32, get, set);
        }

        public Builder<T> uint32(String name, ToIntFunction<? super T> get, ObjIntConsumer<? super T> set) {
            return intScalar(name, NumType.UINT32, get, set);
        }

        public Builder<T> int64(String name, ToLongFunction<? super T> get, ObjLongConsumer<? super T> set) {
            return add(new Field.Scalar<>(name, NumType.INT64, get, Objects.requireNonNull(set), false));
        }

        public Builder<T> uint64(String name, ToLongFunction<? super T> get, ObjLongConsumer<? super T> set) {
            return add(new Field.Scalar<>(name, NumType.UINT64, get, Objects.requireNonNull(set), false));
        }

        public Builder<T> bool(String name, Predicate<? super T> get, BoolSetter<? super T> set) {
            Objects.requireNonNull(get);
            Objects.requireNonNull(set);
            return add(new Field.Scalar<T>(name, NumType.BOOL, o -> get.test(o) ? 1 : 0,
                    (o, v) -> set.set(o, v != 0), false));
        }

        // ---- "equal" checks: saved like the plain type; loading requires the current value ----

        public Builder<T> uint8Equal(String name, ToIntFunction<? super T> get) {
            return intEqual(name, NumType.UINT8, get);
        }

        public Builder<T> uint16Equal(String name, ToIntFunction<? super T> get) {
            return intEqual(name, NumType.UINT16, get);
        }

        public Builder<T> int32Equal(String name, ToIntFunction<? super T> get) {
            return intEqual(name, NumType.INT32, get);
        }

        public Builder<T> uint32Equal(String name, ToIntFunction<? super T> get) {
            return intEqual(name, NumType.UINT32, get);
        }

        public Builder<T> uint64Equal(String name, ToLongFunction<? super T> get) {
            return add(new Field.Scalar<>(name, NumType.UINT64, Objects.requireNonNull(get), null, true));
        }

        // ---- integer arrays: (whole Java array), (first count elements), Varray (length getter) ----

        public Builder<T> int8Array(String name, Function<? super T, byte[]> ref) {
            return array(name, NumType.INT8, ref, Field.ArrayKind.BYTES, -1, null);
        }

        public Builder<T> int8Array(String name, Function<? super T, byte[]> ref, int count) {
            checkCount(name, count);
            return array(name, NumType.INT8, ref, Field.ArrayKind.BYTES, count, null);
        }

        public Builder<T> int8Varray(String name, Function<? super T, byte[]> ref, ToIntFunction<? super T> length) {
            return array(name, NumType.INT8, ref, Field.ArrayKind.BYTES, -1, Objects.requireNonNull(length));
        }

        public Builder<T> uint8Array(String name, Function<? super T, byte[]> ref) {
            return array(name, NumType.UINT8, ref, Field.ArrayKind.BYTES, -1, null);
        }

        public Builder<T> uint8Array(String name, Function<? super T, byte[]> ref, int count) {
            checkCount(name, count);
            return array(name, NumType.UINT8, ref, Field.ArrayKind.BYTES, count, null);
        }

        public Builder<T> uint8Varray(String name, Function<? super T, byte[]> ref, ToIntFunction<? super T> length) {
            return array(name, NumType.UINT8, ref, Field.ArrayKind.BYTES, -1, Objects.requireNonNull(length));
        }

        public Builder<T> int16Array(String name, Function<? super T, short[]> ref) {
            return array(name, NumType.INT16, ref, Field.ArrayKind.SHORTS, -1, null);
        }

        public Builder<T> int16Array(String name, Function<? super T, short[]> ref, int count) {
            checkCount(name, count);
            return array(name, NumType.INT16, ref, Field.ArrayKind.SHORTS, count, null);
        }

        public Builder<T> int16Varray(String name, Function<? super T, short[]> ref, ToIntFunction<? super T> length) {
            return array(name, NumType.INT16, ref, Field.ArrayKind.SHORTS, -1, Objects.requireNonNull(length));
        }

        public Builder<T> uint16Array(String name, Function<? super T, short[]> ref) {
            return array(name, NumType.UINT16, ref, Field.ArrayKind.SHORTS, -1, null);
        }

        public Builder<T> uint16Array(String name, Function<? super T, short[]> ref, int count) {
            checkCount(name, count);
            return array(name, NumType.UINT16, ref, Field.ArrayKind.SHORTS, count, null);
        }

        public Builder<T> uint16Varray(String name, Function<? super T, short[]> ref, ToIntFunction<? super T> length) {
            return array(name, NumType.UINT16, ref, Field.ArrayKind.SHORTS, -1, Objects.requireNonNull(length));
        }

        public Builder<T> int32Array(String name, Function<? super T, int[]> ref) {
            return array(name, NumType.INT32, ref, Field.ArrayKind.INTS, -1, null);
        }

        public Builder<T> int32Array(String name, Function<? super T, int[]> ref, int count) {
            checkCount(name, count);
            return array(name, NumType.INT32, ref, Field.ArrayKind.INTS, count, null);
        }

        public Builder<T> int32Varray(String name, Function<? super T, int[]> ref, ToIntFunction<? super T> length) {
            return array(name, NumType.INT32, ref, Field.ArrayKind.INTS, -1, Objects.requireNonNull(length));
        }

        public Builder<T> uint32Array(String name, Function<? super T, int[]> ref) {
            return array(name, NumType.UINT32, ref, Field.ArrayKind.INTS, -1, null);
        }

        public Builder<T> uint32Array(String name, Function<? super T, int[]> ref, int count) {
            checkCount(name, count);
            return array(name, NumType.UINT32, ref, Field.ArrayKind.INTS, count, null);
        }

        public Builder<T> uint32Varray(String name, Function<? super T, int[]> ref, ToIntFunction<? super T> length) {
            return array(name, NumType.UINT32, ref, Field.ArrayKind.INTS, -1, Objects.requireNonNull(length));
        }

        public Builder<T> int64Array(String name, Function<? super T, long[]> ref) {
            return array(name, NumType.INT64, ref, Field.ArrayKind.LONGS, -1, null);
        }

        public Builder<T> int64Array(String name, Function<? super T, long[]> ref, int count) {
            checkCount(name, count);
            return array(name, NumType.INT64, ref, Field.ArrayKind.LONGS, count, null);
        }

        public Builder<T> int64Varray(String name, Function<? super T, long[]> ref, ToIntFunction<? super T> length) {
            return array(name, NumType.INT64, ref, Field.ArrayKind.LONGS, -1, Objects.requireNonNull(length));
        }

        public Builder<T> uint64Array(String name, Function<? super T, long[]> ref) {
            return array(name, NumType.UINT64, ref, Field.ArrayKind.LONGS, -1, null);
        }

        public Builder<T> uint64Array(String name, Function<? super T, long[]> ref, int count) {
            checkCount(name, count);
            return array(name, NumType.UINT64, ref, Field.ArrayKind.LONGS, count, null);
        }

        public Builder<T> uint64Varray(String name, Function<? super T, long[]> ref, ToIntFunction<? super T> length) {
            return array(name, NumType.UINT64, ref, Field.ArrayKind.LONGS, -1, Objects.requireNonNull(length));
        }

        public Builder<T> boolArray(String name, Function<? super T, boolean[]> ref) {
            return array(name, NumType.BOOL, ref, Field.ArrayKind.BOOLEANS, -1, null);
        }

        public Builder<T> boolArray(String name, Function<? super T, boolean[]> ref, int count) {
            checkCount(name, count);
            return array(name, NumType.BOOL, ref, Field.ArrayKind.BOOLEANS, count, null);
        }

        public Builder<T> boolVarray(String name, Function<? super T, boolean[]> ref, ToIntFunction<? super T> length) {
            return array(name, NumType.BOOL, ref, Field.ArrayKind.BOOLEANS, -1, Objects.requireNonNull(length));
        }

        // ---- byte buffers (type "buffer": one element, raw bytes) ----

        /** The whole byte array (VMSTATE_BUFFER). */
        public Builder<T> buffer(String name, Function<? super T, byte[]> ref) {
            return add(new Field.Buffer<>(name, Objects.requireNonNull(ref), null, -1, null, 0));
        }

        /** Its first {@code length} bytes (VMSTATE_PARTIAL_BUFFER with a constant length). */
        public Builder<T> buffer(String name, Function<? super T, byte[]> ref, int length) {
            if (length < 0) throw new IllegalArgumentException(this.name + "/" + name + ": negative length");
            return add(new Field.Buffer<>(name, Objects.requireNonNull(ref), null, length, null, 0));
        }

        /** Its first {@code length(obj)} bytes, at most the array's length (VMSTATE_VBUFFER). */
        public Builder<T> vbuffer(String name, Function<? super T, byte[]> ref, ToIntFunction<? super T> length) {
            return add(new Field.Buffer<>(name, Objects.requireNonNull(ref), null, -1, Objects.requireNonNull(length), 0));
        }

        /**
         * A buffer whose array is replaced on load by a fresh one of exactly {@code length(obj)}
         * bytes (VMSTATE_VBUFFER_ALLOC_UINT32); a length above {@code maxLength} is an error.
         */
        public Builder<T> vbufferAlloc(String name, Function<? super T, byte[]> get, BiConsumer<? super T, byte[]> set,
                                       ToIntFunction<? super T> length, int maxLength) {
            if (maxLength < 0) throw new IllegalArgumentException(this.name + "/" + name + ": negative maxLength");
            return add(new Field.Buffer<>(name, Objects.requireNonNull(get), Objects.requireNonNull(set), -1,
                    Objects.requireNonNull(length), maxLength));
        }

        // ---- nested structures (type "struct") ----

        /** VMSTATE_STRUCT: the object {@code ref} returns, described by {@code desc}, inline. */
        public <S> Builder<T> struct(String name, VMStateDescription<S> desc, Function<? super T, ? extends S> ref) {
            return add(new Field.Struct<>(name, Objects.requireNonNull(desc), Field.Elements.single(Objects.requireNonNull(ref)),
                    false, -1, null));
        }

        /** VMSTATE_STRUCT_ARRAY over a whole Java array. */
        public <S> Builder<T> structArray(String name, VMStateDescription<S> desc, Function<? super T, ? extends S[]> ref) {
            return add(new Field.Struct<>(name, Objects.requireNonNull(desc), Field.Elements.array(Objects.requireNonNull(ref)),
                    true, -1, null));
        }

        /** VMSTATE_STRUCT_ARRAY over the first {@code count} elements. */
        public <S> Builder<T> structArray(String name, VMStateDescription<S> desc, Function<? super T, ? extends S[]> ref,
                                          int count) {
            if (count < 0) throw new IllegalArgumentException(this.name + "/" + name + ": negative count");
            return add(new Field.Struct<>(name, Objects.requireNonNull(desc), Field.Elements.array(Objects.requireNonNull(ref)),
                    true, count, null));
        }

        /** VMSTATE_STRUCT_VARRAY_*: {@code length(obj)} elements, at most the array's length. */
        public <S> Builder<T> structVarray(String name, VMStateDescription<S> desc, Function<? super T, ? extends S[]> ref,
                                           ToIntFunction<? super T> length) {
            return add(new Field.Struct<>(name, Objects.requireNonNull(desc), Field.Elements.array(Objects.requireNonNull(ref)),
                    true, -1, Objects.requireNonNull(length)));
        }

        /** A struct array held in a List (all its elements, loaded in place). */
        public <S> Builder<T> structList(String name, VMStateDescription<S> desc,
                                         Function<? super T, ? extends List<? extends S>> ref) {
            return add(new Field.Struct<>(name, Objects.requireNonNull(desc), Field.Elements.list(Objects.requireNonNull(ref)),
                    true, -1, null));
        }

        // ---- escape hatch ----

        public Builder<T> custom(String name, VMStateInfo<? super T> info) {
            Objects.requireNonNull(info);
            Objects.requireNonNull(info.name(), "info name");
            return add(new Field.Custom<>(name, info));
        }

        public VMStateDescription<T> build() {
            int min = minimumVersion < 0 ? version : minimumVersion;
            if (min > version)
                throw new IllegalArgumentException(name + ": minimum version " + min + " above version " + version);
            for (Field<T> f : fields)
                if (f.existsTest == null && f.since > version)
                    throw new IllegalArgumentException(name + "/" + f.name + ": since " + f.since
                            + " above the description's version " + version);
            Map<String, Integer> counts = new HashMap<>();
            for (Field<T> f : fields) counts.merge(f.name, 1, Integer::sum);
            Map<String, Integer> seen = new HashMap<>();
            String[] jsonNames = new String[fields.size()];
            for (int i = 0; i < fields.size(); i++) {
                String fn = fields.get(i).name;
                jsonNames[i] = counts.get(fn) > 1 ? fn + "[" + (seen.merge(fn, 1, Integer::sum) - 1) + "]" : fn;
            }
            VMStateDescription<T> d = new VMStateDescription<>(this, min, jsonNames);
            last = null; // since()/existsIf() must not reach into a built description's fields
            return d;
        }

        // ---- helpers ----

        private Field<T> lastField(String what) {
            if (last == null) throw new IllegalStateException(name + ": " + what + "() must follow a field");
            return last;
        }

        private Builder<T> add(Field<T> f) {
            String fn = f.name;
            if (fn == null || fn.isEmpty()) throw new IllegalArgumentException(name + ": field without a name");
            fields.add(f);
            last = f;
            return this;
        }

        private Builder<T> intScalar(String name, NumType t, ToIntFunction<? super T> get, ObjIntConsumer<? super T> set) {
            Objects.requireNonNull(get);
            Objects.requireNonNull(set);
            return add(new Field.Scalar<T>(name, t, get::applyAsInt, (o, v) -> set.accept(o, (int) v), false));
        }

        private Builder<T> intEqual(String name, NumType t, ToIntFunction<? super T> get) {
            Objects.requireNonNull(get);
            return add(new Field.Scalar<T>(name, t, get::applyAsInt, null, true));
        }

        private void checkCount(String field, int count) {
            if (count < 0) throw new IllegalArgumentException(name + "/" + field + ": negative count");
        }

        private <A> Builder<T> array(String name, NumType t, Function<? super T, A> ref, Field.ArrayKind<A> kind,
                                     int count, ToIntFunction<? super T> length) {
            Objects.requireNonNull(ref);
            return add(new Field.IntArray<>(name, t, ref, kind, count, length));
        }
    }
}
