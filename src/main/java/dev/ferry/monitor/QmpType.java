package dev.ferry.monitor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A QAPI type, as a command's arguments are declared and checked: the built-in scalars, enums,
 * arrays, structs (objects with named, possibly optional members) and alternates. Checking a
 * value gives QEMU's error messages, naming the member by its full path
 * ({@code capabilities[0].state}), e.g. "Parameter 'uri' is missing", "Invalid parameter type for
 * 'blk', expected: boolean", "Parameter 'x' is unexpected".
 */
public sealed interface QmpType {
    /** The type's name (as query-qmp-schema would give it). */
    String typeName();

    /**
     * Checks {@code value} and returns it (integers normalised: uint64 values above 2^63-1 as
     * unsigned big integers). {@code path} is the member's full name for messages, {@code name}
     * its own name ("null" for an array element), which QEMU uses for enum errors.
     */
    JsonNode check(JsonNode value, String path, String name);

    Builtin STR = new Builtin("str", "string");
    Builtin BOOL = new Builtin("bool", "boolean");
    Builtin INT = new Builtin("int", "integer");
    Builtin INT8 = new Builtin("int8", "integer");
    Builtin INT16 = new Builtin("int16", "integer");
    Builtin INT32 = new Builtin("int32", "integer");
    Builtin UINT8 = new Builtin("uint8", "integer");
    Builtin UINT16 = new Builtin("uint16", "integer");
    Builtin UINT32 = new Builtin("uint32", "integer");
    Builtin UINT64 = new Builtin("uint64", "integer");
    Builtin SIZE = new Builtin("size", "integer");
    Builtin NUMBER = new Builtin("number", "number");
    Builtin ANY = new Builtin("any", "any");
    Builtin NULL = new Builtin("null", "null");
    /** QEMU's StrOrNull alternate. */
    Alternate STR_OR_NULL = new Alternate("StrOrNull", List.of(STR, NULL));

    static EnumType enumOf(String name, String... values) {
        return new EnumType(name, List.of(values));
    }

    static ArrayType arrayOf(QmpType element) {
        return new ArrayType(element);
    }

    static StructType.Builder struct(String name) {
        return new StructType.Builder(name);
    }

    static QmpError typeError(String path, String expected) {
        return QmpError.generic("Invalid parameter type for '" + path + "', expected: " + expected);
    }

    static QmpError valueError(String path, String expected) {
        return QmpError.generic("Parameter '" + path + "' expects " + expected);
    }

    /** A built-in scalar; {@code expected} is the word QEMU's type error uses. */
    record Builtin(String typeName, String expected) implements QmpType {
        private static final BigInteger U64_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

        @Override
        public JsonNode check(JsonNode v, String path, String name) {
            switch (typeName) {
                case "str" -> {
                    if (!v.isTextual()) throw typeError(path, expected);
                    return v;
                }
                case "bool" -> {
                    if (!v.isBoolean()) throw typeError(path, expected);
                    return v;
                }
                case "number" -> {
                    if (!v.isNumber()) throw typeError(path, expected);
                    return v;
                }
                case "null" -> {
                    if (!v.isNull()) throw typeError(path, expected);
                    return v;
                }
                case "any" -> {
                    return v;
                }
                case "int", "int8", "int16", "int32" -> {
                    if (!v.isIntegralNumber() || !v.canConvertToLong()) throw typeError(path, expected);
                    long x = v.longValue();
                    long bits = switch (typeName) {
                        case "int8" -> 8;
                        case "int16" -> 16;
                        case "int32" -> 32;
                        default -> 64;
                    };
                    if (bits < 64 && (x < -(1L << (bits - 1)) || x >= (1L << (bits - 1)))) {
                        throw valueError(path, typeName + "_t");
                    }
                    return QmpJson.NODES.numberNode(x);
                }
                default -> { // uint8..uint64, size
                    String word = typeName.equals("size") ? "size" : "uint64";
                    if (!v.isIntegralNumber()) throw valueError(path, word);
                    BigInteger b = v.bigIntegerValue();
                    if (b.signum() < 0 && b.bitLength() < 64) b = b.add(BigInteger.ONE.shiftLeft(64)); // QEMU casts negatives
                    if (b.signum() < 0 || b.compareTo(U64_MAX) > 0) throw valueError(path, word);
                    int bits = switch (typeName) {
                        case "uint8" -> 8;
                        case "uint16" -> 16;
                        case "uint32" -> 32;
                        default -> 64;
                    };
                    if (bits < 64 && b.bitLength() > bits) throw valueError(path, typeName + "_t");
                    return b.bitLength() < 64 ? QmpJson.NODES.numberNode(b.longValue()) : QmpJson.NODES.numberNode(b);
                }
            }
        }
    }

    /** An enumeration: a string out of a fixed set. */
    record EnumType(String typeName, List<String> values) implements QmpType {
        @Override
        public JsonNode check(JsonNode v, String path, String name) {
            if (!v.isTextual()) throw typeError(path, "string");
            if (!values.contains(v.textValue())) {
                throw QmpError.generic("Parameter '" + (name == null ? "null" : name) + "' does not accept value '" + v.textValue() + "'");
            }
            return v;
        }
    }

    /** A list of one element type. */
    record ArrayType(QmpType element) implements QmpType {
        @Override
        public String typeName() {
            return "[" + element.typeName() + "]";
        }

        @Override
        public JsonNode check(JsonNode v, String path, String name) {
            if (!v.isArray()) throw typeError(path, "array");
            ArrayNode out = QmpJson.NODES.arrayNode();
            for (int i = 0; i < v.size(); i++) out.add(element.check(v.get(i), path + "[" + i + "]", null));
            return out;
        }
    }

    /** One member of a struct. */
    record Member(String name, QmpType type, boolean optional) {
    }

    /** An object with named members, checked in declaration order; unknown members are refused. */
    record StructType(String typeName, List<Member> members) implements QmpType {
        public StructType {
            members = List.copyOf(members);
        }

        public static final class Builder {
            private final String name;
            private final List<Member> members = new ArrayList<>();

            Builder(String name) {
                this.name = name;
            }

            public Builder member(String member, QmpType type) {
                members.add(new Member(member, type, false));
                return this;
            }

            public Builder optional(String member, QmpType type) {
                members.add(new Member(member, type, true));
                return this;
            }

            public StructType build() {
                return new StructType(name, members);
            }
        }

        @Override
        public JsonNode check(JsonNode v, String path, String name) {
            if (!v.isObject()) throw typeError(path, "object");
            return checkMembers((ObjectNode) v, path);
        }

        /** Checks an object's members; {@code path} is empty for a command's arguments. */
        public ObjectNode checkMembers(ObjectNode o, String path) {
            ObjectNode out = QmpJson.NODES.objectNode();
            Set<String> known = new LinkedHashSet<>();
            for (Member m : members) {
                known.add(m.name());
                String p = path.isEmpty() ? m.name() : path + "." + m.name();
                JsonNode v = o.get(m.name());
                if (v == null) {
                    if (!m.optional()) throw QmpError.generic("Parameter '" + p + "' is missing");
                    continue;
                }
                out.set(m.name(), m.type().check(v, p, m.name()));
            }
            Iterator<Map.Entry<String, JsonNode>> it = o.properties().iterator();
            while (it.hasNext()) {
                String k = it.next().getKey();
                if (!known.contains(k)) throw QmpError.generic("Parameter '" + (path.isEmpty() ? k : path + "." + k) + "' is unexpected");
            }
            return out;
        }
    }

    /** A value of one of several types told apart by their JSON kind (QEMU's alternate). */
    record Alternate(String typeName, List<QmpType> branches) implements QmpType {
        @Override
        public JsonNode check(JsonNode v, String path, String name) {
            for (QmpType b : branches) {
                if (kindMatches(b, v)) return b.check(v, path, name);
            }
            throw typeError(path, typeName);
        }

        private static boolean kindMatches(QmpType t, JsonNode v) {
            return switch (t) {
                case Builtin b -> switch (b.typeName()) {
                    case "str" -> v.isTextual();
                    case "bool" -> v.isBoolean();
                    case "null" -> v.isNull();
                    case "number" -> v.isNumber();
                    case "any" -> true;
                    default -> v.isIntegralNumber();
                };
                case EnumType e -> v.isTextual();
                case ArrayType a -> v.isArray();
                case StructType s -> v.isObject();
                case Alternate a -> a.branches().stream().anyMatch(x -> kindMatches(x, v));
            };
        }
    }

}
