package dev.ferry.asm;

/**
 * A position in an {@link Assembler}'s output, created by {@link Assembler#newLabel()} and bound
 * once with {@link Assembler#bind(Label)}. It may be referenced before it is bound.
 */
public final class Label {
    final Assembler owner;
    private final String name;
    int position = -1;

    Label(Assembler owner, String name) {
        this.owner = owner;
        this.name = name;
    }

    public String name() {
        return name;
    }

    public boolean isBound() {
        return position >= 0;
    }

    @Override
    public String toString() {
        return isBound() ? name + "@+" + position : name + "(unbound)";
    }
}
