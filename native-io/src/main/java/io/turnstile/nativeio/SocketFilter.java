package io.turnstile.nativeio;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * A classic BPF program (Linux {@code SO_ATTACH_FILTER}) that the kernel runs on every datagram queued to a socket,
 * so datagrams that cannot matter are dropped in the softirq, before a system call, a copy or a slot is spent on
 * them.
 * <p>
 * <b>What the program sees.</b> For a UDP socket the kernel runs the filter from {@code udp_queue_rcv_skb}, when the
 * packet's data starts at the UDP header: offset 0 is the 8-byte UDP header and the payload, the DTLS record, starts
 * at {@link #UDP_PAYLOAD_OFFSET} 8; the packet length ({@code ld len}) counts the UDP header too. This was checked
 * on the kernel the tests run on ({@code SocketFilterTest#shouldSeeTheUdpHeaderAtOffsetZero} accepts only datagrams
 * whose bytes 2-3 are the socket's own port, the UDP destination port), not taken from documentation. A load beyond
 * the end of the packet ends the program with 0, which drops: every program here is safe on short datagrams.
 * A datagram the program drops is counted by the kernel as the socket's {@code drops} (last column of
 * {@code /proc/net/udp}) and in {@code Udp InErrors} of {@code /proc/net/snmp}, never as a receive.
 * <p>
 * The DTLS programs test the record header, RFC 6347 section 4.1, at offset 8:
 * <pre>
 *  0       8       9               11             16              21    ...   8+13    8+14
 *  +-------+-------+-------+-------+---  ...  ----+--------------+-------+ ... +-------+------
 *  |  UDP  | type  | major | minor | epoch | seq (48)            | length (16) | msg   | ...
 *  | (8 B) | 20-25 | 0xFE  |       |                             |             | type  |
 *  +-------+-------+-------+-------+---  ...  -------------------+-------------+-------+------
 * </pre>
 * The programs are held on the heap as packed instructions and written to off-heap {@code sock_filter}s only for
 * {@link #attach(int)}: the kernel copies a program when it is attached, so nothing needs to outlive that call.
 */
public final class SocketFilter
{
    /** Where a UDP socket's filter finds the UDP payload: after the 8-byte UDP header. */
    public static final int UDP_PAYLOAD_OFFSET = 8;
    /** DTLS record header, RFC 6347 section 4.1. */
    public static final int RECORD_HEADER_LENGTH = 13;
    /** Handshake header, RFC 6347 section 4.2.2. */
    public static final int HANDSHAKE_HEADER_LENGTH = 12;
    /**
     * The shortest ClientHello body: client_version (2), random (32), empty session_id and cookie (1 + 1), one
     * cipher suite (2 + 2) and one compression method (1 + 1).
     */
    public static final int MIN_CLIENT_HELLO_BODY_LENGTH = 42;
    /** The shortest datagram {@link #dtlsClientHello()} accepts. */
    public static final int MIN_CLIENT_HELLO_DATAGRAM_LENGTH =
        RECORD_HEADER_LENGTH + HANDSHAKE_HEADER_LENGTH + MIN_CLIENT_HELLO_BODY_LENGTH;
    /** Largest program the kernel takes (BPF_MAXINSNS). */
    public static final int MAX_INSTRUCTIONS = 4096;

    static final int BPF_LD = 0x00;
    static final int BPF_JMP = 0x05;
    static final int BPF_RET = 0x06;
    static final int BPF_W = 0x00;
    static final int BPF_H = 0x08;
    static final int BPF_B = 0x10;
    static final int BPF_ABS = 0x20;
    static final int BPF_LEN = 0x80;
    static final int BPF_JEQ = 0x10;
    static final int BPF_JGT = 0x20;
    static final int BPF_JGE = 0x30;
    static final int BPF_K = 0x00;

    /** {@code ret #k} with this k keeps the whole datagram. */
    static final int ACCEPT_ALL = 0xFFFF_FFFF;

    private static final int CONTENT_TYPE_CHANGE_CIPHER_SPEC = 20;
    private static final int CONTENT_TYPE_HANDSHAKE = 22;
    private static final int CONTENT_TYPE_TLS12_CID = 25;
    private static final int DTLS_MAJOR_VERSION = 0xFE;
    private static final int HANDSHAKE_CLIENT_HELLO = 1;

    private static final long FILTER_BYTES = LibC.SOCK_FILTER.byteSize();

    private final String name;
    private final long[] instructions;

    SocketFilter(final String name, final long... instructions)
    {
        if (instructions.length < 1 || instructions.length > MAX_INSTRUCTIONS)
        {
            throw new IllegalArgumentException(
                "a program has 1 to " + MAX_INSTRUCTIONS + " instructions, got " + instructions.length);
        }
        this.name = name;
        this.instructions = instructions.clone();
    }

    /**
     * The DTLS ClientHello pre-filter: accepts a datagram only when it can be a ClientHello record, that is at least
     * {@value #MIN_CLIENT_HELLO_DATAGRAM_LENGTH} bytes, content type handshake (22), major version 0xFE (DTLS 1.0 and
     * 1.2) and handshake type client_hello (1). Everything else is dropped in the kernel.
     * <p>
     * <b>Note:</b> only for sockets that never carry the rest of a handshake: once an application hands accepted
     * peers' datagrams (ChangeCipherSpec, Finished, application data) through the same socket, use
     * {@link #dtlsRecord()}, which is what {@link BatchSocket.Context#dtlsFilter(boolean)} attaches.
     *
     * @return the program.
     */
    public static SocketFilter dtlsClientHello()
    {
        final int drop = 9;
        return new SocketFilter(
            "dtls-client-hello",
            /* 0 */ statement(BPF_LD | BPF_W | BPF_LEN, 0),
            /* 1 */ jump(BPF_JGE, UDP_PAYLOAD_OFFSET + MIN_CLIENT_HELLO_DATAGRAM_LENGTH, 0, drop - 2),
            /* 2 */ statement(BPF_LD | BPF_B | BPF_ABS, UDP_PAYLOAD_OFFSET),
            /* 3 */ jump(BPF_JEQ, CONTENT_TYPE_HANDSHAKE, 0, drop - 4),
            /* 4 */ statement(BPF_LD | BPF_B | BPF_ABS, UDP_PAYLOAD_OFFSET + 1),
            /* 5 */ jump(BPF_JEQ, DTLS_MAJOR_VERSION, 0, drop - 6),
            /* 6 */ statement(BPF_LD | BPF_B | BPF_ABS, UDP_PAYLOAD_OFFSET + RECORD_HEADER_LENGTH),
            /* 7 */ jump(BPF_JEQ, HANDSHAKE_CLIENT_HELLO, 0, drop - 8),
            /* 8 */ statement(BPF_RET | BPF_K, ACCEPT_ALL),
            /* 9 */ statement(BPF_RET | BPF_K, 0));
    }

    /**
     * The DTLS record pre-filter: accepts a datagram only when it can start with a DTLS 1.0/1.2 record, that is at
     * least a record header long, with a content type from change_cipher_spec (20) to tls12_cid (25) and major
     * version 0xFE. It lets through everything a handshake after the cookie exchange needs, and drops the junk a
     * flood of random UDP carries.
     *
     * @return the program.
     */
    public static SocketFilter dtlsRecord()
    {
        final int drop = 8;
        return new SocketFilter(
            "dtls-record",
            /* 0 */ statement(BPF_LD | BPF_W | BPF_LEN, 0),
            /* 1 */ jump(BPF_JGE, UDP_PAYLOAD_OFFSET + RECORD_HEADER_LENGTH, 0, drop - 2),
            /* 2 */ statement(BPF_LD | BPF_B | BPF_ABS, UDP_PAYLOAD_OFFSET),
            /* 3 */ jump(BPF_JGE, CONTENT_TYPE_CHANGE_CIPHER_SPEC, 0, drop - 4),
            /* 4 */ jump(BPF_JGT, CONTENT_TYPE_TLS12_CID, drop - 5, 0),
            /* 5 */ statement(BPF_LD | BPF_B | BPF_ABS, UDP_PAYLOAD_OFFSET + 1),
            /* 6 */ jump(BPF_JEQ, DTLS_MAJOR_VERSION, 0, drop - 7),
            /* 7 */ statement(BPF_RET | BPF_K, ACCEPT_ALL),
            /* 8 */ statement(BPF_RET | BPF_K, 0));
    }

    /**
     * The DTLS record pre-filter for a port shared with STUN and media (RFC 7983, RFC 9443's ranges): a datagram
     * whose first byte is DTLS (20..63) must pass {@link #dtlsRecord()}'s test; one whose first byte is STUN (0..3),
     * ZRTP (16..19), TURN channel (64..79), QUIC (80..127, 192..255) or RTP/RTCP (128..191) passes for the
     * application's {@link DemuxHandler}; empty datagrams and the unassigned 4..15 are dropped.
     *
     * @return the program.
     */
    public static SocketFilter dtlsRecordOrDemuxed()
    {
        final int accept = 12;
        final int drop = 13;
        final int low = 10;
        return new SocketFilter(
            "dtls-record-or-demuxed",
            /* 0 */ statement(BPF_LD | BPF_W | BPF_LEN, 0),
            /* 1 */ jump(BPF_JGE, UDP_PAYLOAD_OFFSET + 1, 0, drop - 2),
            /* 2 */ statement(BPF_LD | BPF_B | BPF_ABS, UDP_PAYLOAD_OFFSET),
            /* 3 */ jump(BPF_JGE, 64, accept - 4, 0),
            /* 4 */ jump(BPF_JGE, CONTENT_TYPE_CHANGE_CIPHER_SPEC, 0, low - 5),
            /* 5 */ jump(BPF_JGT, CONTENT_TYPE_TLS12_CID, drop - 6, 0),
            /* 6 */ statement(BPF_LD | BPF_W | BPF_LEN, 0),
            /* 7 */ jump(BPF_JGE, UDP_PAYLOAD_OFFSET + RECORD_HEADER_LENGTH, 0, drop - 8),
            /* 8 */ statement(BPF_LD | BPF_B | BPF_ABS, UDP_PAYLOAD_OFFSET + 1),
            /* 9 */ jump(BPF_JEQ, DTLS_MAJOR_VERSION, accept - 10, drop - 10),
            /* 10: below 20 */ jump(BPF_JGE, 16, accept - 11, 0),
            /* 11 */ jump(BPF_JGE, 4, drop - 12, accept - 12),
            /* 12 */ statement(BPF_RET | BPF_K, ACCEPT_ALL),
            /* 13 */ statement(BPF_RET | BPF_K, 0));
    }

    /**
     * Drops every datagram: for sink sockets that exist only so that replies to their port are not answered with an
     * ICMP port-unreachable, and must not fill a receive buffer either.
     *
     * @return the program.
     */
    public static SocketFilter dropAll()
    {
        return new SocketFilter("drop-all", statement(BPF_RET | BPF_K, 0));
    }

    static long statement(final int code, final int k)
    {
        return instruction(code, 0, 0, k);
    }

    static long jump(final int condition, final int k, final int jumpTrue, final int jumpFalse)
    {
        return instruction(BPF_JMP | condition | BPF_K, jumpTrue, jumpFalse, k);
    }

    static long instruction(final int code, final int jumpTrue, final int jumpFalse, final int k)
    {
        if (jumpTrue < 0 || jumpTrue > 255 || jumpFalse < 0 || jumpFalse > 255)
        {
            throw new IllegalArgumentException("jumps are 0 to 255 forward, got " + jumpTrue + " and " + jumpFalse);
        }
        return ((long)(code & 0xFFFF) << 48) | ((long)jumpTrue << 40) | ((long)jumpFalse << 32) | (k & 0xFFFF_FFFFL);
    }

    /**
     * A short name for notices and reports.
     *
     * @return e.g. "dtls-record".
     */
    public String name()
    {
        return name;
    }

    /**
     * Instructions in the program.
     *
     * @return 1 to {@value #MAX_INSTRUCTIONS}.
     */
    public int length()
    {
        return instructions.length;
    }

    /**
     * The opcode of an instruction.
     *
     * @param index 0 to {@link #length()} - 1.
     * @return the 16-bit code.
     */
    public int code(final int index)
    {
        return (int)(instructions[index] >>> 48) & 0xFFFF;
    }

    /**
     * Instructions skipped when a conditional jump's test holds.
     *
     * @param index 0 to {@link #length()} - 1.
     * @return 0 to 255.
     */
    public int jumpTrue(final int index)
    {
        return (int)(instructions[index] >>> 40) & 0xFF;
    }

    /**
     * Instructions skipped when a conditional jump's test fails.
     *
     * @param index 0 to {@link #length()} - 1.
     * @return 0 to 255.
     */
    public int jumpFalse(final int index)
    {
        return (int)(instructions[index] >>> 32) & 0xFF;
    }

    /**
     * The constant operand of an instruction.
     *
     * @param index 0 to {@link #length()} - 1.
     * @return the 32-bit k.
     */
    public int k(final int index)
    {
        return (int)instructions[index];
    }

    /**
     * Attach the program to a socket, replacing any program it had. The kernel validates and copies it.
     *
     * @param fd an open socket.
     * @throws UnsupportedOperationException when {@link LibC#isAvailable()} is false.
     * @throws NativeIoException when the kernel refuses (EBADF, ENOTSOCK, EINVAL for a program it rejects).
     */
    public void attach(final int fd)
    {
        requireLibC();
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment errnoState = arena.allocate(LibC.ERRNO_STATE_LAYOUT);
            final MemorySegment program = arena.allocate(LibC.SOCK_FILTER, instructions.length);
            for (int i = 0; i < instructions.length; i++)
            {
                final long at = i * FILTER_BYTES;
                program.set(JAVA_SHORT, at, (short)code(i));
                program.set(JAVA_BYTE, at + LibC.SOCK_FILTER_JT_OFFSET, (byte)jumpTrue(i));
                program.set(JAVA_BYTE, at + LibC.SOCK_FILTER_JF_OFFSET, (byte)jumpFalse(i));
                program.set(JAVA_INT, at + LibC.SOCK_FILTER_K_OFFSET, k(i));
            }
            final MemorySegment fprog = arena.allocate(LibC.SOCK_FPROG);
            fprog.set(JAVA_SHORT, 0, (short)instructions.length);
            fprog.set(ADDRESS, LibC.SOCK_FPROG_FILTER_OFFSET, program);
            if (LibC.setsockopt(errnoState, fd, LibC.SOL_SOCKET, LibC.SO_ATTACH_FILTER, fprog,
                (int)LibC.SOCK_FPROG.byteSize()) < 0)
            {
                throw new NativeIoException("setsockopt SO_ATTACH_FILTER " + name, LibC.errno(errnoState));
            }
        }
    }

    /**
     * Remove a socket's program, so it receives everything again.
     *
     * @param fd an open socket with a program attached.
     * @throws UnsupportedOperationException when {@link LibC#isAvailable()} is false.
     * @throws NativeIoException when the kernel refuses; ENOENT when no program was attached.
     */
    public static void detach(final int fd)
    {
        requireLibC();
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment errnoState = arena.allocate(LibC.ERRNO_STATE_LAYOUT);
            final MemorySegment unused = arena.allocate(JAVA_INT);
            if (LibC.setsockopt(errnoState, fd, LibC.SOL_SOCKET, LibC.SO_DETACH_FILTER, unused, Integer.BYTES) < 0)
            {
                throw new NativeIoException("setsockopt SO_DETACH_FILTER", LibC.errno(errnoState));
            }
        }
    }

    private static void requireLibC()
    {
        if (!LibC.isAvailable())
        {
            throw new UnsupportedOperationException("SO_ATTACH_FILTER needs the libc bindings (x86_64 Linux)");
        }
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public String toString()
    {
        return "SocketFilter(" + name + ", " + instructions.length + " instructions)";
    }
}
