/**
 * XDP in pure Java: {@code bpf(2)} through {@code java.lang.foreign}, an eBPF assembler, and the front door's
 * in-kernel filter, which drops what cannot be DTLS and sends first ClientHellos to AF_XDP sockets. No libbpf, no
 * clang, no ELF, nothing compiled at install. Needs CAP_BPF and CAP_NET_ADMIN (or root) at run time.
 * <ul>
 *     <li>{@link io.turnstile.nativeio.xdp.Bpf}: the commands (map create/update/lookup/delete, XDP program load with
 *     the verifier's log on failure, test run, link create) and {@code if_nametoindex}; failures are
 *     {@link io.turnstile.nativeio.xdp.BpfException}s naming the command, the errno and the missing capability.</li>
 *     <li>{@link io.turnstile.nativeio.xdp.EbpfAssembler}: named registers and opcodes, labels, map references,
 *     helper calls.</li>
 *     <li>Owned descriptors: {@link io.turnstile.nativeio.xdp.BpfMap} (XSKMAP, arrays),
 *     {@link io.turnstile.nativeio.xdp.BpfProgram}, {@link io.turnstile.nativeio.xdp.XdpLink} (the attachment; it
 *     ends when the descriptor closes or the process dies) in an {@link io.turnstile.nativeio.xdp.XdpMode}.</li>
 *     <li>{@link io.turnstile.nativeio.xdp.XdpFilter} with its {@code Context}: the maps, the program built by
 *     {@link io.turnstile.nativeio.xdp.XdpDtlsProgram} and the attachment as one object; AF_XDP sockets are
 *     registered per RX queue; {@link io.turnstile.nativeio.xdp.XdpCounters} reads the per-verdict
 *     {@link io.turnstile.nativeio.xdp.XdpCounter}s; {@link io.turnstile.nativeio.xdp.FirstByteRange}s are passed
 *     instead of dropped (RFC 7983 demultiplexing).</li>
 * </ul>
 */
package io.turnstile.nativeio.xdp;
