/**
 * The monitors, as QEMU 7.2 has them: QMP (the JSON control protocol) and HMP (the human
 * monitor).
 *
 * <p>{@link dev.ferry.monitor.Monitors} is one machine's set of monitors and what they share:
 * the QMP command registry ({@link dev.ferry.monitor.QmpCommands}), the HMP command table
 * ({@link dev.ferry.monitor.HmpCommands}), the event hub ({@link dev.ferry.monitor.QmpEvents}),
 * the VM name and the chardev list. Monitors are added on character backends:
 * {@code addQmp(backend)} for {@code -qmp}/{@code -mon mode=control}, {@code addHmp(backend)} for
 * {@code -monitor}; on a mux, {@code addHmp(port, muxUnderlyingBackend, hasFocus)} and
 * {@link dev.ferry.monitor.Hmp#setFocused} from the mux's focus listener.
 *
 * <p>Adding a QMP command: {@code monitors.qmpCommands().register(QmpCommand.builder("migrate")
 * .arg("uri", QmpType.STR).optional("detach", QmpType.BOOL).handler(call -> ...).build())}.
 * Arguments are checked against the declared {@link dev.ferry.monitor.QmpType}s with QEMU's
 * messages before the handler runs; a handler returns the result as a Jackson tree (members in
 * QEMU's order) or throws {@link dev.ferry.monitor.QmpError}. Adding an HMP command:
 * {@code monitors.hmpCommands().register(HmpCommand.of("migrate", "detach:-d,uri:s", "[-d] uri",
 * "migrate to URI", (ctx, args) -> ...))}; info subcommands go to
 * {@code monitors.hmpCommands().info()}. An event: {@code monitors.events().emit("MIGRATION", data)}.
 */
package dev.ferry.monitor;
