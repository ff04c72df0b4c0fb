package dev.ferry.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The HMP command table and argument parser, with the declarations later commands will use. */
class HmpCommandsTest {
    private final StringBuilder ran = new StringBuilder();

    private HmpCommands table() {
        HmpCommands t = new HmpCommands();
        t.register(HmpCommand.of("migrate", "detach:-d,blk:-b,inc:-i,resume:-r,uri:s", "[-d] [-b] [-i] [-r] uri",
                "migrate to URI (using -d to not wait for completion)",
                (ctx, a) -> ran.append("migrate d=" + a.bool("detach") + " b=" + a.bool("blk") + " r=" + a.bool("resume") + " uri=" + a.str("uri"))));
        t.register(HmpCommand.of("balloon", "value:M", "target", "request VM to change its memory allocation (in MB)",
                (ctx, a) -> ran.append("balloon " + a.integer("value"))));
        t.register(HmpCommand.of("savevm", "name:s?", "tag", "save a VM snapshot. If no tag is provided, a new snapshot is created",
                (ctx, a) -> ran.append("savevm " + a.str("name", "<none>"))));
        t.register(HmpCommand.of("migrate_set_capability", "capability:s,state:b", "capability state",
                "Enable/Disable the usage of a capability for migration", (ctx, a) -> ran.append(a.str("capability") + "=" + a.bool("state"))));
        t.register(HmpCommand.of("memsave", "val:l,size:i,filename:s", "addr size file", "save to disk virtual memory dump starting at 'addr' of size 'size'",
                (ctx, a) -> ran.append("memsave " + a.integer("val") + " " + a.integer("size") + " " + a.str("filename"))));
        t.register(HmpCommand.of("migrate_set_speed", "value:o", "value", "set maximum speed (in bytes) for migrations.",
                (ctx, a) -> ran.append("speed " + a.integer("value"))));
        t.register(HmpCommand.of("fail", "", "", "fails", (ctx, a) -> {
            throw QmpError.generic("Resetting the Virtual Machine is required");
        }));
        return t;
    }

    private String run(String line) {
        ran.setLength(0);
        HmpContext ctx = new HmpContext(null, 0, null);
        table().execute(ctx, line);
        return ran + "|" + ctx.output();
    }

    @Test
    void argumentsParseByTheirDeclaration() {
        assertEquals("migrate d=true b=false r=false uri=tcp:1:2|", run("migrate -d tcp:1:2"));
        assertEquals("migrate d=true b=true r=true uri=exec:cat > x|", run("migrate -db -r \"exec:cat > x\""));
        assertEquals("balloon 536870912|", run("balloon 512"));
        assertEquals("balloon 1073741824|", run("balloon 1G"));
        assertEquals("savevm <none>|", run("savevm"));
        assertEquals("savevm snap1|", run("  savevm   snap1  "));
        assertEquals("xbzrle=true|", run("migrate_set_capability xbzrle on"));
        assertEquals("memsave 4096 24 dump|", run("memsave 0x1000 (2+1)*8 dump"));
        // QEMU 7.2 reads " /tmp" as a division too
        assertEquals("|invalid char 't' in expression\r\nTry \"help memsave\" for more information\r\n", run("memsave 0x1000 24 /tmp/x"));
        assertEquals("speed 33554432|", run("migrate_set_speed 32M"));
    }

    @Test
    void errorsAsQemu() {
        assertEquals("|migrate: string expected\r\nTry \"help migrate\" for more information\r\n", run("migrate"));
        assertEquals("|migrate: string expected\r\nTry \"help migrate\" for more information\r\n", run("migrate -d"));
        assertEquals("|migrate: unsupported option -x\r\nTry \"help migrate\" for more information\r\n", run("migrate -x tcp:1"));
        assertEquals("|unexpected end of expression\r\nTry \"help balloon\" for more information\r\n", run("balloon"));
        assertEquals("|invalid char 'a' in expression\r\nTry \"help balloon\" for more information\r\n", run("balloon abc"));
        assertEquals("|memsave: string expected\r\nTry \"help memsave\" for more information\r\n", run("memsave 0 1"));
        assertEquals("|invalid char 'a' in expression\r\nTry \"help memsave\" for more information\r\n", run("memsave 0x10 abc /tmp/x"));
        assertEquals("|Expected 'on' or 'off'\r\nTry \"help migrate_set_capability\" for more information\r\n",
                run("migrate_set_capability xbzrle yes"));
        assertEquals("|savevm: extraneous characters at the end of line\r\nTry \"help savevm\" for more information\r\n", run("savevm a b"));
        assertEquals("|unknown command: 'nosuch'\r\n", run("nosuch arg"));
        assertEquals("|Error: Resetting the Virtual Machine is required\r\n", run("fail"));
        assertEquals("|", run("   "));
    }

    @Test
    void helpLinesAndDeclarations() {
        HmpContext ctx = new HmpContext(null, 0, null);
        table().help(ctx, "migrate");
        assertEquals("migrate [-d] [-b] [-i] [-r] uri -- migrate to URI (using -d to not wait for completion)\r\n", ctx.output());
        assertThrows(IllegalArgumentException.class, () -> HmpCommand.of("x", "a:q", "", "bad type", (c, a) -> { }));
        HmpCommands t = table();
        assertThrows(IllegalArgumentException.class, () -> t.register(HmpCommand.of("savevm", "", "", "twice", (c, a) -> { })));
    }
}
