package dev.ferry.cli;

import java.util.Map;
import java.util.Optional;

/**
 * {@code -machine [type=]virt[,prop=value...]} (several {@code -machine} options merge).
 *
 * @param type       {@code virt}, or {@code none} (an empty machine: no devices, no RAM unless -m)
 * @param dumpDtb    {@code dumpdtb=FILE}: write the generated device tree there and exit
 * @param aclint     {@code aclint=on}: ACLINT (MSWI/MTIMER/SSWI) instead of the CLINT
 * @param aia        {@code aia=none|aplic|aplic-imsic}
 * @param aiaGuests  {@code aia-guests=N} (0..7)
 * @param properties every other property given, checked against the virt machine's list, in order
 */
public record MachineSpec(String type, Optional<String> dumpDtb, boolean aclint, Aia aia, int aiaGuests,
                          Map<String, String> properties) {
    public MachineSpec {
        properties = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(properties));
    }

    public enum Aia {
        NONE("none"), APLIC("aplic"), APLIC_IMSIC("aplic-imsic");
        public final String spelling;
        Aia(String s) { spelling = s; }
    }

    public boolean isVirt() { return type.equals("virt"); }
}
