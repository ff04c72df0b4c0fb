package dev.ferry.migration.vmstate;

import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.ObjLongConsumer;
import java.util.function.ToIntFunction;
import java.util.function.ToLongFunction;

/**
 * One field of a description: how many elements it has for a given object, and how to put and
 * get element {@code i}. The engine ({@link VMStateDescription}) walks elements one by one, as
 * QEMU does, so the JSON description can measure each element's size.
 */
abstract class Field<T> implements VMStateField {
    final String name;
    int since;
    VMStateDescription.FieldTest<? super T> existsTest;

    Field(String name) {
        this.name = name;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final int sinceVersion() {
        return since;
    }

    @Override
    public final boolean hasExistsTest() {
        return existsTest != null;
    }

    boolean exists(T obj, int versionId) {
        return existsTest != null ? existsTest.test(obj, versionId) : since <= versionId;
    }

    /** Whether the field is an array (error paths then name the element: {@code gpr[3]}). */
    boolean isArray() {
        return false;
    }

    /** The nested description of a struct field, else null. */
    VMStateDescription<?> structDescription() {
        return null;
    }

    /** QEMU's vmsd_can_compress: may an array of this field be described by its first element? */
    boolean compressible() {
        if (existsTest != null) return false;
        VMStateDescription<?> d = structDescription();
        return d == null || d.compressibleAsStruct();
    }

    /** Number of elements to put or get now (validated against the Java storage). */
    abstract int count(T obj) throws VMStateException;

    abstract void put(T obj, int i, VMStateWriter w, JsonWriter vmdesc, boolean raw) throws VMStateException;

    abstract void get(T obj, int i, VMStateReader r, boolean raw) throws VMStateException;

    // ---- helpers -------------------------------------------------------------------------

    static int checkedLength(int requested, int capacity, String what) throws VMStateException {
        if (Integer.compareUnsigned(requested, capacity) > 0)
            throw new VMStateException(what + " length " + Integer.toUnsignedString(requested)
                    + " exceeds " + capacity);
        return requested;
    }

    static <A> A nonNull(A a, String what) throws VMStateException {
        if (a == null) throw new VMStateException(what + " is null");
        return a;
    }

    // ---- scalars -------------------------------------------------------------------------

    static final class Scalar<T> extends Field<T> {
        final NumType type;
        final ToLongFunction<? super T> getter;
        final ObjLongConsumer<? super T> setter; // null for "equal" fields
        final boolean equal;

        Scalar(String name, NumType type, ToLongFunction<? super T> getter, ObjLongConsumer<? super T> setter,
               boolean equal) {
            super(name);
            this.type = type;
            this.getter = getter;
            this.setter = setter;
            this.equal = equal;
        }

        @Override
        public String type() {
            return equal ? type.equalName() : type.qemuName;
        }

        @Override
        int count(T obj) {
            return 1;
        }

        @Override
        void put(T obj, int i, VMStateWriter w, JsonWriter vmdesc, boolean raw) throws VMStateException {
            long v = getter.applyAsLong(obj);
            type.checkRange(v);
            type.put(w, v);
        }

        @Override
        void get(T obj, int i, VMStateReader r, boolean raw) throws VMStateException {
            long v = type.get(r);
            if (equal) {
                long cur = type.canonical(getter.applyAsLong(obj));
                if (cur != v)
                    throw new VMStateException("value " + type.hex(v) + " does not match expected " + type.hex(cur));
            } else {
                setter.accept(obj, v);
            }
        }
    }

    // ---- integer arrays ------------------------------------------------------------------

    /** Element access for the Java array types an integer array field can live in. */
    interface ArrayKind<A> {
        int length(A a);

        long get(A a, int i);

        void set(A a, int i, long v);

        ArrayKind<long[]> LONGS = new ArrayKind<>() {
            public int length(long[] a) { return a.length; }
            public long get(long[] a, int i) { return a[i]; }
            public void set(long[] a, int i, long v) { a[i] = v; }
        };
        ArrayKind<int[]> INTS = new ArrayKind<>() {
            public int length(int[] a) { return a.length; }
            public long get(int[] a, int i) { return a[i]; }
            public void set(int[] a, int i, long v) { a[i] = (int) v; }
        };
        ArrayKind<short[]> SHORTS = new ArrayKind<>() {
            public int length(short[] a) { return a.length; }
            public long get(short[] a, int i) { return a[i]; }
            public void set(short[] a, int i, long v) { a[i] = (short) v; }
        };
        ArrayKind<byte[]> BYTES = new ArrayKind<>() {
            public int length(byte[] a) { return a.length; }
            public long get(byte[] a, int i) { return a[i]; }
            public void set(byte[] a, int i, long v) { a[i] = (byte) v; }
        };
        ArrayKind<boolean[]> BOOLEANS = new ArrayKind<>() {
            public int length(boolean[] a) { return a.length; }
            public long get(boolean[] a, int i) { return a[i] ? 1 : 0; }
            public void set(boolean[] a, int i, long v) { a[i] = v != 0; }
        };
    }

    /**
     * An array of integers: QEMU's VMSTATE_*_ARRAY (fixed count: the whole Java array or its
     * first {@code fixedCount} elements) or VMSTATE_VARRAY_* (count from {@code varLength},
     * evaluated when saving or loading, never more than the Java array holds).
     */
    static final class IntArray<T, A> extends Field<T> {
        final NumType type;
        final Function<? super T, A> ref;
        final ArrayKind<A> kind;
        final int fixedCount; // -1: the Java array's length (or varLength)
        final ToIntFunction<? super T> varLength;

        IntArray(String name, NumType type, Function<? super T, A> ref, ArrayKind<A> kind, int fixedCount,
                 ToIntFunction<? super T> varLength) {
            super(name);
            this.type = type;
            this.ref = ref;
            this.kind = kind;
            this.fixedCount = fixedCount;
            this.varLength = varLength;
        }

        @Override
        public String type() {
            return type.qemuName;
        }

        @Override
        boolean isArray() {
            return true;
        }

        @Override
        int count(T obj) throws VMStateException {
            int cap = kind.length(nonNull(ref.apply(obj), "array"));
            int n = fixedCount >= 0 ? fixedCount : varLength != null ? varLength.applyAsInt(obj) : cap;
            return checkedLength(n, cap, "array");
        }

        @Override
        void put(T obj, int i, VMStateWriter w, JsonWriter vmdesc, boolean raw) throws VMStateException {
            long v = kind.get(ref.apply(obj), i);
            type.checkRange(v);
            type.put(w, v);
        }

        @Override
        void get(T obj, int i, VMStateReader r, boolean raw) throws VMStateException {
            long v = type.get(r);
            kind.set(ref.apply(obj), i, v);
        }
    }

    // ---- byte buffers --------------------------------------------------------------------

    /**
     * A byte buffer, one element whatever its length (QEMU's VMSTATE_BUFFER, _PARTIAL_BUFFER,
     * _VBUFFER, and with a setter _VBUFFER_ALLOC: a fresh array of exactly the length is set,
     * the length never above {@code maxLength}).
     */
    static final class Buffer<T> extends Field<T> {
        final Function<? super T, byte[]> ref;
        final BiConsumer<? super T, byte[]> allocSetter;
        final int fixedLength; // -1: whole array or varLength
        final ToIntFunction<? super T> varLength;
        final int maxLength;

        Buffer(String name, Function<? super T, byte[]> ref, BiConsumer<? super T, byte[]> allocSetter,
               int fixedLength, ToIntFunction<? super T> varLength, int maxLength) {
            super(name);
            this.ref = ref;
            this.allocSetter = allocSetter;
            this.fixedLength = fixedLength;
            this.varLength = varLength;
            this.maxLength = maxLength;
        }

        @Override
        public String type() {
            return "buffer";
        }

        @Override
        int count(T obj) {
            return 1;
        }

        private int length(T obj, int cap) throws VMStateException {
            int n = fixedLength >= 0 ? fixedLength : varLength != null ? varLength.applyAsInt(obj) : cap;
            return checkedLength(n, cap, "buffer");
        }

        @Override
        void put(T obj, int i, VMStateWriter w, JsonWriter vmdesc, boolean raw) throws VMStateException {
            byte[] b = ref.apply(obj);
            if (allocSetter != null) {
                int n = length(obj, maxLength);
                if (n == 0) return;
                w.putBuffer(b, 0, checkedLength(n, nonNull(b, "buffer").length, "buffer"));
            } else {
                nonNull(b, "buffer");
                w.putBuffer(b, 0, length(obj, b.length));
            }
        }

        @Override
        void get(T obj, int i, VMStateReader r, boolean raw) throws VMStateException {
            if (allocSetter != null) {
                int n = length(obj, maxLength);
                byte[] fresh = new byte[n];
                r.getBuffer(fresh, 0, n);
                allocSetter.accept(obj, fresh);
            } else {
                byte[] b = nonNull(ref.apply(obj), "buffer");
                r.getBuffer(b, 0, length(obj, b.length));
            }
        }
    }

    // ---- nested structures ---------------------------------------------------------------

    /** How a struct field reaches its element(s). */
    interface Elements<T, S> {
        /** How many elements the Java storage holds. */
        int capacity(T obj) throws VMStateException;

        S element(T obj, int i);

        static <T, S> Elements<T, S> single(Function<? super T, ? extends S> ref) {
            return new Elements<>() {
                public int capacity(T obj) { return 1; }
                public S element(T obj, int i) { return ref.apply(obj); }
            };
        }

        static <T, S> Elements<T, S> array(Function<? super T, ? extends S[]> ref) {
            return new Elements<>() {
                public int capacity(T obj) throws VMStateException {
                    S[] a = ref.apply(obj);
                    return nonNull(a, "array").length;
                }

                public S element(T obj, int i) {
                    S[] a = ref.apply(obj);
                    return a[i];
                }
            };
        }

        static <T, S> Elements<T, S> list(Function<? super T, ? extends List<? extends S>> ref) {
            return new Elements<>() {
                public int capacity(T obj) throws VMStateException { return nonNull(ref.apply(obj), "list").size(); }
                public S element(T obj, int i) { return ref.apply(obj).get(i); }
            };
        }
    }

    /**
     * VMSTATE_STRUCT and its arrays: another description embedded inline, loaded in place into
     * existing objects, with the nested description's own (local) version, as QEMU does.
     */
    static final class Struct<T, S> extends Field<T> {
        final VMStateDescription<S> desc;
        final Elements<T, S> elements;
        final boolean array;
        final int fixedCount;
        final ToIntFunction<? super T> varLength;

        Struct(String name, VMStateDescription<S> desc, Elements<T, S> elements, boolean array, int fixedCount,
               ToIntFunction<? super T> varLength) {
            super(name);
            this.desc = desc;
            this.elements = elements;
            this.array = array;
            this.fixedCount = fixedCount;
            this.varLength = varLength;
        }

        @Override
        public String type() {
            return "struct";
        }

        @Override
        boolean isArray() {
            return array;
        }

        @Override
        VMStateDescription<?> structDescription() {
            return desc;
        }

        @Override
        int count(T obj) throws VMStateException {
            if (!array) return 1;
            int cap = elements.capacity(obj);
            int n = fixedCount >= 0 ? fixedCount : varLength != null ? varLength.applyAsInt(obj) : cap;
            return checkedLength(n, cap, "array");
        }

        @Override
        void put(T obj, int i, VMStateWriter w, JsonWriter vmdesc, boolean raw) throws VMStateException {
            desc.saveState(nonNull(elements.element(obj, i), "struct"), w, vmdesc, raw);
        }

        @Override
        void get(T obj, int i, VMStateReader r, boolean raw) throws VMStateException {
            desc.loadState(nonNull(elements.element(obj, i), "struct"), r, desc.versionId(), raw);
        }
    }

    // ---- custom --------------------------------------------------------------------------

    static final class Custom<T> extends Field<T> {
        final VMStateInfo<? super T> info;

        Custom(String name, VMStateInfo<? super T> info) {
            super(name);
            this.info = info;
        }

        @Override
        public String type() {
            return info.name();
        }

        @Override
        int count(T obj) {
            return 1;
        }

        @Override
        void put(T obj, int i, VMStateWriter w, JsonWriter vmdesc, boolean raw) throws VMStateException {
            info.put(w, obj);
        }

        @Override
        void get(T obj, int i, VMStateReader r, boolean raw) throws VMStateException {
            info.get(r, obj);
        }
    }
}
