package dev.ferry.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static dev.ferry.cli.Cli.error;
import static dev.ferry.cli.Cli.exception;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Bad command lines are refused with the line QEMU 7.2 prints (checked against
 * qemu-system-riscv64 7.2 with the program name replaced), or Ferry's own where Ferry differs.
 */
class ErrorsTest {

    /** Arguments are split at spaces; the expected line follows {@code ferry: }. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            -foo                                          | -foo: invalid option
            --foo                                         | --foo: invalid option
            -m=256                                        | -m=256: invalid option
            -m                                            | -m: requires an argument
            -k                                            | -k: requires an argument
            -d int -D                                     | -D: requires an argument
            -m abc                                        | -m abc: Parameter 'size' expects a non-negative number below 2^64
            -m -5                                         | -m -5: Parameter 'size' expects a non-negative number below 2^64
            -m 256X                                       | -m 256X: Parameter 'size' expects a non-negative number below 2^64
            -m size=                                      | -m size=: Parameter 'size' expects a non-negative number below 2^64
            -m size=1G,foo=2                              | -m size=1G,foo=2: Invalid parameter 'foo'
            -m 18446744073709551616                       | -m 18446744073709551616: Value '18446744073709551616' is out of range for parameter 'size'
            -m 16E                                        | -m 16E: Value '16E' is out of range for parameter 'size'
            -m 2T                                         | -m 2T: RAM size 2T is too large (the virt machine takes at most 1T)
            -smp 9                                        | Invalid SMP CPUs 9. The max CPUs supported by machine 'virt' is 8
            -smp 2,maxcpus=16                             | Invalid SMP CPUs 16. The max CPUs supported by machine 'virt' is 8
            -smp abc                                      | Parameter 'smp.cpus' expects integer
            -smp cpus=2,sockets=3                         | Invalid CPU topology: product of the hierarchy must match maxcpus: sockets (3) * cores (0) * threads (1) != maxcpus (2)
            -smp 2,maxcpus=1                              | Invalid CPU topology: maxcpus must be equal to or greater than smp: sockets (1) * cores (1) * threads (1) == maxcpus (1) < smp_cpus (2)
            -smp 2,foo=1                                  | Parameter 'smp.foo' is unexpected
            -smp ,                                        | -smp ,: Invalid parameter ''
            -smp 4,dies=2                                 | dies not supported by this machine's CPU topology
            -machine foo                                  | unsupported machine type
            -M virt,foo=bar                               | Property 'virt-machine.foo' not found
            -M virt,dumpdtb                               | -M virt,dumpdtb: Expected '=' after parameter 'dumpdtb'
            -M virt,aclint=maybe                          | Parameter 'aclint' expects 'on' or 'off'
            -M virt,aia=foo                               | Invalid AIA interrupt controller type
            -M virt,,x                                    | -M virt,,x: Invalid parameter ''
            -M virt,accel=kvm                             | invalid accelerator kvm
            -cpu foo                                      | unable to find CPU model 'foo'
            -cpu rv64,foo=1                               | can't apply global rv64-riscv-cpu.foo=1: Property 'rv64-riscv-cpu.foo' not found
            -cpu rv64,h=maybe                             | can't apply global rv64-riscv-cpu.h=maybe: Parameter 'h' expects 'on' or 'off'
            -accel foo                                    | -accel foo: invalid accelerator foo
            -accel kvm                                    | -accel kvm: invalid accelerator kvm
            -accel tcg,foo=1                              | -accel tcg,foo=1: Property 'tcg-accel.foo' not found
            -accel tcg,thread=x                           | -accel tcg,thread=x: Invalid 'thread' setting x
            -display foo                                  | -display foo: Parameter 'type' does not accept value 'foo'
            -rtc base=foo                                 | invalid datetime format
            -rtc clock=foo                                | invalid option value 'foo'
            -rtc base=2006-06-17T16:01:21,foo=1           | -rtc base=2006-06-17T16:01:21,foo=1: Invalid parameter 'foo'
            -name a,foo=b                                 | -name a,foo=b: Invalid parameter 'foo'
            -object foo                                   | -object foo: Parameter 'qom-type' does not accept value 'foo'
            -object memory-backend-ram                    | -object memory-backend-ram: Parameter 'id' is missing
            -append foo                                   | -append only allowed with -kernel option
            -initrd foo                                   | -initrd only allowed with -kernel option
            -daemonize                                    | -daemonize: not supported (Ferry stays in the foreground; use the shell to run it in the background)
            """)
    void machineAndGeneralOptions(String args, String expected) {
        assertEquals("ferry: " + expected, error(args.split(" ")));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            -chardev foo,id=x                             | -chardev foo,id=x: 'foo' is not a valid char driver name
            -chardev stdio                                | -chardev stdio: chardev: no id specified
            -chardev socket,id=x                          | -chardev socket,id=x: Unable to parse FD number
            -chardev socket,id=x,path=/tmp/a,server=maybe | -chardev socket,id=x,path=/tmp/a,server=maybe: Parameter 'server' expects 'on' or 'off'
            -chardev socket,id=x,path=/tmp/a,wait=off     | -chardev socket,id=x,path=/tmp/a,wait=off: 'wait' option is incompatible with socket in client connect mode
            -chardev file,id=x                            | -chardev file,id=x: chardev: file: no filename given
            -chardev null,id=x,bogus=1                    | -chardev null,id=x,bogus=1: Invalid parameter 'bogus'
            -chardev null,id=1x                           | -chardev null,id=1x: Parameter 'id' expects an identifier
            -chardev stdio,id=c0 -chardev null,id=c0      | -chardev null,id=c0: Duplicate ID 'c0' for chardev
            -chardev stdio,id=a -chardev stdio,id=b       | -chardev stdio,id=b: cannot use stdio by multiple character devices
            -chardev ringbuf,id=r,size=1000               | -chardev ringbuf,id=r,size=1000: size of ringbuf chardev must be power of two
            -serial foo:bar                               | -serial foo:bar: 'foo:bar' is not a valid char driver
            -serial chardev:nope                          | -serial chardev:nope: could not connect serial device to character backend 'chardev:nope'
            -serial tcp:                                  | -serial tcp:: could not connect serial device to character backend 'tcp:'
            -serial tcp:127.0.0.1                         | -serial tcp:127.0.0.1: could not connect serial device to character backend 'tcp:127.0.0.1'
            -serial tcp:127.0.0.1:x                       | -serial tcp:127.0.0.1:x: address resolution failed for 127.0.0.1:x: Servname not supported for ai_socktype
            -serial tcp:127.0.0.1:4444,server=on,bogus=1  | -serial tcp:127.0.0.1:4444,server=on,bogus=1: Invalid parameter 'bogus'
            -serial unix:/tmp/s.sock,server=maybe         | -serial unix:/tmp/s.sock,server=maybe: Parameter 'server' expects 'on' or 'off'
            -serial stdio -serial stdio                   | -serial stdio: cannot use stdio by multiple character devices
            -monitor stdio -serial stdio                  | -serial stdio: cannot use stdio by multiple character devices
            -nographic -monitor stdio                     | cannot use stdio by multiple character devices
            -chardev null,id=c0 -serial chardev:c0 -mon c0 | -serial chardev:c0: Device 'c0' is in use
            -mon foo                                      | -mon foo: chardev "foo" not found
            -mon chardev=foo                              | -mon chardev=foo: chardev "foo" not found
            -mon chardev=c0,mode=bogus -chardev null,id=c0 | -mon chardev=c0,mode=bogus: Parameter 'mode' does not accept value 'bogus'
            -mon chardev=c0,pretty=on -chardev null,id=c0 | -mon chardev=c0,pretty=on: 'pretty' is not compatible with HMP monitors
            -monitor bogus                                | -monitor bogus: 'bogus' is not a valid char driver
            -qmp bogus                                    | -qmp bogus: 'bogus' is not a valid char driver
            -incoming bogus:1                             | -incoming bogus:1: unknown migration protocol: bogus:1
            -incoming tcp                                 | -incoming tcp: unknown migration protocol: tcp
            -incoming tcp:foo                             | -incoming tcp:foo: error parsing address 'foo'
            -incoming tcp:localhost:abc                   | -incoming tcp:localhost:abc: address resolution failed for localhost:abc: Servname not supported for ai_socktype
            -incoming tcp:0:6666,to=x                     | -incoming tcp:0:6666,to=x: error parsing to= argument
            -incoming unix:                               | -incoming unix:: invalid Unix socket address
            -incoming fd:abc                              | -incoming fd:abc: Invalid file descriptor number 'abc'
            -incoming file:/tmp/x,offset=abc              | -incoming file:/tmp/x,offset=abc: file URI has bad offset abc
            """)
    void chardevsMonitorsIncoming(String args, String expected) {
        assertEquals("ferry: " + expected, error(args.split(" ")));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            -drive file=x.img,format=raw,if=none,id=hd0 -device virtio-blk-device,drive=hd1 | -device virtio-blk-device,drive=hd1: Property 'virtio-blk-device.drive' can't find value 'hd1'
            -drive foo=bar                                | -drive foo=bar: Must specify either driver or file
            -drive file=x,format=raw,if=floppy            | -drive file=x,format=raw,if=floppy: machine type does not support if=floppy,bus=0,unit=0
            -drive file=x,format=raw,if=ide               | -drive file=x,format=raw,if=ide: machine type does not support if=ide,bus=0,unit=0
            -drive file=x,format=raw,if=bogus             | -drive file=x,format=raw,if=bogus: unsupported bus type 'bogus'
            -drive file=x,format=bogus                    | -drive file=x,format=bogus: Unknown driver 'bogus'
            -drive file=x,if=none,id=hd0,readonly=maybe   | -drive file=x,if=none,id=hd0,readonly=maybe: Parameter 'read-only' expects 'on' or 'off'
            -drive file=x,if=none,id=hd0,cache=bogus      | -drive file=x,if=none,id=hd0,cache=bogus: invalid cache option
            -drive file=x,if=none,id=hd0,aio=bogus        | -drive file=x,if=none,id=hd0,aio=bogus: invalid aio option
            -drive file=x,if=none,id=0hd                  | -drive file=x,if=none,id=0hd: Parameter 'id' expects an identifier
            -drive file=x,if=none,id=hd0,node-name=0x     | -drive file=x,if=none,id=hd0,node-name=0x: Invalid node-name: '0x'
            -drive file=x,if=none,id=hd0,media=bogus      | -drive file=x,if=none,id=hd0,media=bogus: 'bogus' invalid media
            -drive file=x,if=none,readonly=on,read-only=on | -drive file=x,if=none,readonly=on,read-only=on: 'read-only' and its alias 'readonly' can't be used at the same time
            -drive file=x,if=none,id=a -drive file=y,if=none,id=a | -drive file=y,if=none,id=a: Duplicate ID 'a' for drive
            -drive file=x,format=raw,if=none,bogus=1      | -drive file=x,format=raw,if=none,bogus=1: Block format 'raw' does not support the option 'bogus'
            -drive file=x,if=none,index=0,bus=0,unit=0    | -drive file=x,if=none,index=0,bus=0,unit=0: index cannot be used with bus and unit
            -drive file=x,if=none,index=0 -drive file=y,if=none,index=0 | -drive file=y,if=none,index=0: drive with bus=0, unit=0 (index=0) exists
            -drive file=x,if=pflash,index=2               | -drive file=x,if=pflash,index=2: machine type does not support if=pflash,bus=0,unit=2
            -blockdev driver=raw                          | -blockdev driver=raw: Parameter 'file' is missing
            -blockdev node-name=x                         | -blockdev node-name=x: Parameter 'driver' is missing
            -blockdev driver=foo,node-name=x              | -blockdev driver=foo,node-name=x: Parameter 'driver' does not accept value 'foo'
            -blockdev driver=file,filename=a.img          | -blockdev driver=file,filename=a.img: 'node-name' must be specified for the root node
            -blockdev driver=file,node-name=f0            | -blockdev driver=file,node-name=f0: Parameter 'filename' is missing
            -blockdev driver=raw,node-name=a,file=nope    | -blockdev driver=raw,node-name=a,file=nope: Cannot find device='nope' nor node-name='nope'
            -blockdev driver=raw,node-name=a,file=f,file.driver=file | -blockdev driver=raw,node-name=a,file=f,file.driver=file: Parameters 'file.*' used inconsistently
            -blockdev driver=raw,node-name=n0,file.driver=file,file.filename=a -blockdev driver=raw,node-name=n0,file.driver=file,file.filename=b | -blockdev driver=raw,node-name=n0,file.driver=file,file.filename=b: Duplicate nodes with node-name='n0'
            -drive file=a,format=raw,if=none,id=n0 -blockdev driver=raw,node-name=n0,file.driver=file,file.filename=a | -drive file=a,format=raw,if=none,id=n0: Device name 'n0' conflicts with an existing node name
            -drive file=a,format=raw,if=none,id=hd0 -device virtio-blk-device,drive=hd0 -device virtio-blk-device,drive=hd0 | -device virtio-blk-device,drive=hd0: Drive 'hd0' is already in use by another device
            -drive file=a,format=raw,if=pflash -device virtio-blk-device,drive=pflash0 | -device virtio-blk-device,drive=pflash0: Drive 'pflash0' is already in use because it has been automatically connected to another device (did you need 'if=none' in the drive options?)
            -device foo                                   | -device foo: 'foo' is not a valid device model name
            -device virtio-mmio                           | -device virtio-mmio: Parameter 'driver' expects a pluggable device type
            -device virtio-blk-device                     | -device virtio-blk-device: drive property not set
            -device virtio-blk-device,drive=              | -device virtio-blk-device,drive=: drive property not set
            -device virtconsole                           | -device virtconsole: No 'virtio-serial-bus' bus found for device 'virtconsole'
            -device virtio-rng-device,id=r0 -device virtio-rng-device,id=r0 | -device virtio-rng-device,id=r0: Duplicate ID 'r0' for device
            -device virtio-rng-device,foo=1               | -device virtio-rng-device,foo=1: Property 'virtio-rng-device.foo' not found
            -device virtio-rng-device,packed=maybe        | -device virtio-rng-device,packed=maybe: Parameter 'packed' expects 'on' or 'off'
            -device virtio-rng-device,rng=nope            | -device virtio-rng-device,rng=nope: Property 'virtio-rng-device.rng' can't find value 'nope'
            -chardev null,id=c0 -device virtio-serial-device -device virtconsole,chardev=c0 -device virtconsole,chardev=c0 | -device virtconsole,chardev=c0: Property 'virtconsole.chardev' can't take value 'c0': Device 'c0' is in use
            -global virtio-mmio.foo=1                     | can't apply global virtio-mmio.foo=1: Property 'virtio-mmio.foo' not found
            -global virtio-mmio.force-legacy=maybe        | can't apply global virtio-mmio.force-legacy=maybe: Parameter 'force-legacy' expects 'on' or 'off'
            -global foo                                   | -global foo: Invalid parameter 'foo'
            -global .b=c                                  | -global .b=c: Invalid parameter '.b'
            """)
    void blockAndDevices(String args, String expected) {
        assertEquals("ferry: " + expected, error(args.split(" ")));
    }

    @Test
    void virtioDriveNamesTheVirtioMmioSpelling() {
        String line = error("-drive", "file=disk.img,if=virtio");
        assertTrue(line.startsWith("ferry: -drive file=disk.img,if=virtio: "), line);
        assertTrue(line.contains("-drive if=none,id="), line);
        assertTrue(line.contains("-device virtio-blk-device,drive="), line);
        assertEquals(1, exception("-drive", "file=disk.img,if=virtio").lines("ferry").size(), "one line");
    }

    @Test
    void tooManyVirtioDevicesForTheEightSlots() {
        var args = new java.util.ArrayList<String>();
        for (int i = 0; i < 9; i++) {
            args.add("-device");
            args.add("virtio-rng-device");
        }
        assertEquals("ferry: -device virtio-rng-device: No 'virtio-bus' bus found for device 'virtio-rng-device'",
                error(args.toArray(String[]::new)));
    }

    @Test
    void hintsFollowTheErrorLineAsQemuPrintsThem() {
        assertEquals(List.of("ferry: -m abc: Parameter 'size' expects a non-negative number below 2^64",
                        "Optional suffix k, M, G, T, P or E means kilo-, mega-, giga-, tera-, peta-",
                        "and exabytes, respectively."),
                exception("-m", "abc").lines("ferry"));
        assertEquals(List.of("ferry: unsupported machine type", "Use -machine help to list supported machines"),
                exception("-machine", "foo").lines("ferry"));
        assertEquals(List.of("ferry: -chardev null,id=1x: Parameter 'id' expects an identifier",
                        "Identifiers consist of letters, digits, '-', '.', '_', starting with a letter."),
                exception("-chardev", "null,id=1x").lines("ferry"));
        assertEquals(List.of("ferry: invalid datetime format", "valid formats: '2006-06-17T16:01:21' or '2006-06-17'"),
                exception("-rtc", "base=foo").lines("ferry"));
        assertEquals(List.of("ferry: Invalid AIA interrupt controller type", "Valid values are none, aplic, and aplic-imsic."),
                exception("-M", "virt,aia=foo").lines("ferry"));
    }

    @Test
    void optionsAreCheckedBeforeAnyIsRead() {
        // as QEMU: an unknown option or a missing argument anywhere wins over everything else
        assertEquals("ferry: -foo: invalid option", error("-m", "abc", "-foo"));
        assertEquals("ferry: -m: requires an argument", error("-machine", "foo", "-m"));
        // then options are read in order: the first bad one is reported
        assertEquals("ferry: -m abc: Parameter 'size' expects a non-negative number below 2^64",
                error("-m", "abc", "-incoming", "bogus"));
    }

    @Test
    void warningsBeforeAnErrorArePrinted() {
        var e = exception("-global", "foo");
        assertEquals(List.of("ferry: -global foo: warning: short-form boolean option 'foo' deprecated\nPlease use foo=on instead"),
                e.warnings());
    }

    @Test
    void chardevReferencedBeforeItIsDefinedIsFine() {
        // QEMU creates every -chardev before the monitors and devices that use them
        var c = Cli.config("-mon", "chardev=c0,mode=control", "-chardev", "socket,id=c0,path=/tmp/q,server=on,wait=off");
        assertEquals("c0", c.monitors().get(0).chardev());
    }
}
