package io.turnstile.nativeio.xdp;

import io.turnstile.nativeio.xdp.EbpfAssembler.Alu;
import io.turnstile.nativeio.xdp.EbpfAssembler.Jump;
import io.turnstile.nativeio.xdp.EbpfAssembler.Size;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;

import static io.turnstile.nativeio.xdp.EbpfAssembler.Reg.R0;
import static io.turnstile.nativeio.xdp.EbpfAssembler.Reg.R1;
import static io.turnstile.nativeio.xdp.EbpfAssembler.Reg.R10;
import static io.turnstile.nativeio.xdp.EbpfAssembler.Reg.R2;
import static io.turnstile.nativeio.xdp.EbpfAssembler.Reg.R3;
import static io.turnstile.nativeio.xdp.EbpfAssembler.Reg.R4;
import static io.turnstile.nativeio.xdp.EbpfAssembler.Reg.R5;
import static io.turnstile.nativeio.xdp.EbpfAssembler.Reg.R6;
import static io.turnstile.nativeio.xdp.EbpfAssembler.Reg.R7;
import static io.turnstile.nativeio.xdp.EbpfAssembler.Reg.R8;
import static io.turnstile.nativeio.xdp.EbpfAssembler.Reg.R9;
import static io.turnstile.nativeio.xdp.EbpfAssembler.XDP_DROP;
import static io.turnstile.nativeio.xdp.EbpfAssembler.XDP_PASS;
import static io.turnstile.nativeio.xdp.EbpfAssembler.XDP_REDIRECT;
import static io.turnstile.nativeio.xdp.EbpfAssembler.be16;
import static io.turnstile.nativeio.xdp.EbpfAssembler.be32;

/**
 * Builds the XDP program of the front door: the in-kernel triage of every frame on the interface, before the kernel
 * allocates an skb for it.
 * <pre>
 *  Ethernet II ── IPv4 (any IHL, not a fragment, protocol 17) ──┐
 *             └── IPv6 (next header 17, no extension headers) ──┴─ UDP to the served address and port?
 *                                                                    no ─► PASS            (passed_other)
 *  payload first byte in a configured range (RFC 7983 §7) ─────────────► PASS            (passed_demux)
 *  shorter than 13 bytes, content type not 20–23 or 25, version major not 0xfe
 *                                                                  ─────► DROP            (dropped_not_dtls)
 *  not (type 22, epoch 0, msg_type 1 ClientHello, fragment_offset 0) ──► PASS            (passed_dtls)
 *  [rate limit on] no cookie and over the queue's token bucket ───────► DROP            (dropped_rate_limited)
 *  bpf_redirect_map(xskmap, ctx->rx_queue_index, XDP_PASS)
 *       a socket is registered for the queue ─────────────────────────► REDIRECT        (redirected_hello)
 *       none ──────────────────────────────────────────────────────────► PASS            (passed_hello_no_socket)
 * </pre>
 * The layouts read: DTLSPlaintext (RFC 6347 §4.1) and the handshake header (§4.2.2), then for the rate limit the
 * ClientHello body up to the cookie (§4.2.1):
 * <pre>
 *  payload  0 type  1 version(2)  3 epoch(2)  5 sequence_number(6)  11 length(2)
 *          13 msg_type  14 length(3)  17 message_seq(2)  19 fragment_offset(3)  22 fragment_length(3)
 *          25 client_version(2)  27 random(32)  59 session_id length  60 session_id(0..32)  60+n cookie length
 * </pre>
 * The payload's length comes from the UDP header, not from the frame, because Ethernet pads short frames.
 * VLAN-tagged frames and IPv6 extension headers are passed: the kernel and the UDP socket behind it still handle
 * them, so the filter only ever saves work, it never loses a datagram a socket would have taken.
 * <p>
 * <b>Counters:</b> each verdict bumps its {@link XdpCounter} in a per-CPU array, so the data path needs no atomic
 * instruction. <b>Rate limit:</b> see {@link XdpFilter} for why a token bucket rather than a second socket. The bucket
 * is GCRA (a virtual-scheduling token bucket): one u64, the theoretical arrival time {@code tat}, per RX queue in an
 * ordinary array; a hello conforms when {@code tat - now <= (burst - 1) * interval}, and then
 * {@code tat = max(tat, now) + interval}. A queue is polled by one CPU at a time, so its bucket needs no lock.
 * Register use: R6 the context, R7 the UDP header then the payload, R8 {@code data_end}, R9 the UDP length, then
 * the time, then the redirect verdict.
 */
public final class XdpDtlsProgram
{
    /** Bytes of a DTLSPlaintext header. */
    static final int RECORD_HEADER = 13;
    /** Bytes of a record header and a handshake header. */
    static final int HANDSHAKE_HEADERS = 25;
    /** Offset of session_id's length byte in a ClientHello payload. */
    static final int SESSION_ID_LENGTH = 59;

    private static final int ETH_HEADER = 14;
    private static final int IPV6_HEADER = 40;
    private static final int UDP_HEADER = 8;
    private static final int CTX_DATA = 0;
    private static final int CTX_DATA_END = 4;
    private static final int CTX_RX_QUEUE_INDEX = 16;
    private static final int KEY_SLOT = -4;

    private static final String OTHER = "passed_other";
    private static final String NOT_DTLS = "dropped_not_dtls";
    private static final String DEMUX = "passed_demux";
    private static final String DTLS = "passed_dtls";
    private static final String RATE_LIMITED = "dropped_rate_limited";

    private XdpDtlsProgram()
    {
    }

    /**
     * Assemble the program for a configuration and the maps it uses.
     *
     * @param context    the concluded filter configuration.
     * @param xskMapFd   the XSKMAP, RX queue index to AF_XDP socket.
     * @param countersFd a per-CPU array of {@link XdpCounter#COUNT} u64 values.
     * @param bucketsFd  an array of one u64 per RX queue for the rate limit; ignored when the context has none.
     * @return the instructions for {@link BpfProgram#loadXdp}.
     */
    public static byte[] assemble(
        final XdpFilter.Context context, final int xskMapFd, final int countersFd, final int bucketsFd)
    {
        final EbpfAssembler asm = new EbpfAssembler();
        final InetAddress address = context.address();
        final boolean ipv4 = null == address || address instanceof Inet4Address;
        final boolean ipv6 = null == address || address instanceof Inet6Address;
        final boolean anyAddress = null == address || address.isAnyLocalAddress();

        asm.mov(R6, R1)
            .load(Size.W, R2, R6, CTX_DATA)
            .load(Size.W, R8, R6, CTX_DATA_END)
            .mov(R3, R2).add(R3, ETH_HEADER)
            .jump(Jump.JGT, R3, R8, OTHER)
            .load(Size.H, R4, R2, 12);
        if (ipv4)
        {
            asm.jump(Jump.JEQ, R4, be16(0x0800), "ipv4");
        }
        if (ipv6)
        {
            asm.jump(Jump.JEQ, R4, be16(0x86dd), "ipv6");
        }
        asm.jumpAlways(OTHER);

        if (ipv4)
        {
            // IPv4 (RFC 791): version/IHL at 0, fragment field at 6, protocol at 9, destination at 16.
            asm.label("ipv4")
                .mov(R3, R2).add(R3, ETH_HEADER + 20)
                .jump(Jump.JGT, R3, R8, OTHER)
                .load(Size.B, R4, R2, ETH_HEADER)
                .mov(R5, R4).and(R5, 0xf0)
                .jump(Jump.JNE, R5, 0x40, OTHER)
                .and(R4, 0x0f)
                .alu64(Alu.LSH, R4, 2)
                .jump(Jump.JLT, R4, 20, OTHER)
                .load(Size.B, R5, R2, ETH_HEADER + 9)
                .jump(Jump.JNE, R5, 17, OTHER)
                .load(Size.H, R5, R2, ETH_HEADER + 6)
                .and(R5, be16(0x3fff))
                .jump(Jump.JNE, R5, 0, OTHER);
            if (!anyAddress)
            {
                final byte[] bytes = address.getAddress();
                asm.load(Size.W, R5, R2, ETH_HEADER + 16)
                    .jump32(Jump.JNE, R5, be32(bigEndianInt(bytes, 0)), OTHER);
            }
            // R7 = the UDP header, after an IPv4 header of 20 to 60 bytes.
            asm.mov(R7, R2).add(R7, ETH_HEADER).add(R7, R4)
                .jumpAlways("udp");
        }
        if (ipv6)
        {
            // IPv6 (RFC 8200): next header at 6, destination at 24; extension headers are left to the kernel.
            asm.label("ipv6")
                .mov(R3, R2).add(R3, ETH_HEADER + IPV6_HEADER)
                .jump(Jump.JGT, R3, R8, OTHER)
                .load(Size.B, R5, R2, ETH_HEADER + 6)
                .jump(Jump.JNE, R5, 17, OTHER);
            if (!anyAddress)
            {
                final byte[] bytes = address.getAddress();
                for (int i = 0; i < 16; i += 4)
                {
                    asm.load(Size.W, R5, R2, ETH_HEADER + 24 + i)
                        .jump32(Jump.JNE, R5, be32(bigEndianInt(bytes, i)), OTHER);
                }
            }
            asm.mov(R7, R2).add(R7, ETH_HEADER + IPV6_HEADER);
        }

        // UDP (RFC 768): destination port at 2, length (header included) at 4.
        asm.label("udp")
            .mov(R3, R7).add(R3, UDP_HEADER)
            .jump(Jump.JGT, R3, R8, OTHER)
            .load(Size.H, R5, R7, 2)
            .jump(Jump.JNE, R5, be16(context.port()), OTHER)
            .load(Size.H, R9, R7, 4)
            .toBigEndian(R9, 16)
            .add(R7, UDP_HEADER)
            .jump(Jump.JLT, R9, UDP_HEADER + 1, NOT_DTLS)
            .mov(R3, R7).add(R3, 1)
            .jump(Jump.JGT, R3, R8, NOT_DTLS)
            .load(Size.B, R4, R7, 0);
        int range = 0;
        for (final FirstByteRange pass : context.passFirstBytes())
        {
            final String next = "range" + range++;
            asm.jump(Jump.JLT, R4, pass.low(), next)
                .jump(Jump.JLE, R4, pass.high(), DEMUX)
                .label(next);
        }

        // DTLSPlaintext (RFC 6347 §4.1): a record header, a content type the record layer knows, major version 0xfe.
        asm.jump(Jump.JLT, R9, UDP_HEADER + RECORD_HEADER, NOT_DTLS)
            .mov(R3, R7).add(R3, RECORD_HEADER)
            .jump(Jump.JGT, R3, R8, NOT_DTLS)
            .jump(Jump.JEQ, R4, 25, "type_ok")
            .mov(R5, R4).add(R5, -20)
            .jump(Jump.JGT, R5, 3, NOT_DTLS)
            .label("type_ok")
            .load(Size.B, R5, R7, 1)
            .jump(Jump.JNE, R5, 0xfe, NOT_DTLS);

        // An epoch-0 ClientHello, first fragment (§4.2.2): the only record the AF_XDP worker answers.
        asm.jump(Jump.JNE, R4, 22, DTLS)
            .load(Size.H, R5, R7, 3)
            .jump(Jump.JNE, R5, 0, DTLS)
            .mov(R3, R7).add(R3, HANDSHAKE_HEADERS)
            .jump(Jump.JGT, R3, R8, DTLS)
            .load(Size.B, R5, R7, RECORD_HEADER)
            .jump(Jump.JNE, R5, 1, DTLS)
            .load(Size.H, R5, R7, RECORD_HEADER + 6)
            .jump(Jump.JNE, R5, 0, DTLS)
            .load(Size.B, R5, R7, RECORD_HEADER + 8)
            .jump(Jump.JNE, R5, 0, DTLS);

        if (context.helloRatePerSecond() > 0)
        {
            rateLimit(asm, context, bucketsFd);
        }

        asm.label("redirect")
            .load(Size.W, R2, R6, CTX_RX_QUEUE_INDEX)
            .loadMapFd(R1, xskMapFd)
            .mov(R3, XDP_PASS)
            .call(EbpfAssembler.HELPER_REDIRECT_MAP)
            .mov(R9, R0)
            .jump(Jump.JNE, R9, XDP_REDIRECT, "no_socket");
        count(asm, countersFd, XdpCounter.REDIRECTED_HELLO);
        asm.mov(R0, R9).exit();
        asm.label("no_socket");
        count(asm, countersFd, XdpCounter.PASSED_HELLO_NO_SOCKET);
        asm.mov(R0, R9).exit();

        verdict(asm, countersFd, OTHER, XdpCounter.PASSED_OTHER, XDP_PASS);
        verdict(asm, countersFd, NOT_DTLS, XdpCounter.DROPPED_NOT_DTLS, XDP_DROP);
        if (!context.passFirstBytes().isEmpty())
        {
            // The verifier refuses unreachable code: emit a verdict only where something jumps to it.
            verdict(asm, countersFd, DEMUX, XdpCounter.PASSED_DEMUX, XDP_PASS);
        }
        verdict(asm, countersFd, DTLS, XdpCounter.PASSED_DTLS, XDP_PASS);
        if (context.helloRatePerSecond() > 0)
        {
            verdict(asm, countersFd, RATE_LIMITED, XdpCounter.DROPPED_RATE_LIMITED, XDP_DROP);
        }
        return asm.build();
    }

    /**
     * Hellos that carry a cookie skip the bucket; the rest spend a token or are dropped. A hello too short to show
     * its cookie length, or with a session_id longer than 32, counts as cookie-less.
     */
    private static void rateLimit(final EbpfAssembler asm, final XdpFilter.Context context, final int bucketsFd)
    {
        final long interval = 1_000_000_000L / context.helloRatePerSecond();
        final long tolerance = interval * (context.helloBurst() - 1);
        asm.mov(R3, R7).add(R3, SESSION_ID_LENGTH + 1)
            .jump(Jump.JGT, R3, R8, "bucket")
            .load(Size.B, R5, R7, SESSION_ID_LENGTH)
            .jump(Jump.JGT, R5, 32, "bucket")
            .mov(R3, R7).add(R3, R5)
            .mov(R4, R3).add(R4, SESSION_ID_LENGTH + 2)
            .jump(Jump.JGT, R4, R8, "bucket")
            .load(Size.B, R5, R3, SESSION_ID_LENGTH + 1)
            .jump(Jump.JNE, R5, 0, "redirect");

        asm.label("bucket")
            .call(EbpfAssembler.HELPER_KTIME_GET_NS)
            .mov(R9, R0)
            .load(Size.W, R2, R6, CTX_RX_QUEUE_INDEX)
            .store(Size.W, R10, KEY_SLOT, R2)
            .mov(R2, R10).add(R2, KEY_SLOT)
            .loadMapFd(R1, bucketsFd)
            .call(EbpfAssembler.HELPER_MAP_LOOKUP_ELEM)
            // A queue beyond the map has no bucket: fail open, the socket's ring is the limit then.
            .jump(Jump.JEQ, R0, 0, "redirect")
            .load(Size.DW, R1, R0, 0)
            .jump(Jump.JGE, R1, R9, "tat_ok")
            .mov(R1, R9)
            .label("tat_ok")
            .mov(R2, R1).alu64(Alu.SUB, R2, R9)
            .loadImm64(R3, tolerance)
            .jump(Jump.JGT, R2, R3, RATE_LIMITED)
            .loadImm64(R3, interval)
            .add(R1, R3)
            .store(Size.DW, R0, 0, R1);
    }

    private static void verdict(
        final EbpfAssembler asm, final int countersFd, final String label, final XdpCounter counter, final int action)
    {
        asm.label(label);
        count(asm, countersFd, counter);
        asm.returnVerdict(action);
    }

    /**
     * {@code counters[id] += 1} on this CPU; clobbers R0–R5.
     */
    private static void count(final EbpfAssembler asm, final int countersFd, final XdpCounter counter)
    {
        final String done = "counted_" + counter.label() + "_" + asm.instructionCount();
        asm.storeImm(Size.W, R10, KEY_SLOT, counter.id())
            .mov(R2, R10).add(R2, KEY_SLOT)
            .loadMapFd(R1, countersFd)
            .call(EbpfAssembler.HELPER_MAP_LOOKUP_ELEM)
            .jump(Jump.JEQ, R0, 0, done)
            .load(Size.DW, R1, R0, 0)
            .add(R1, 1)
            .store(Size.DW, R0, 0, R1)
            .label(done);
    }

    private static int bigEndianInt(final byte[] bytes, final int offset)
    {
        return ((bytes[offset] & 0xff) << 24) | ((bytes[offset + 1] & 0xff) << 16) |
            ((bytes[offset + 2] & 0xff) << 8) | (bytes[offset + 3] & 0xff);
    }
}
