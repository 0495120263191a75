package io.turnstile.bench.pps;

import io.turnstile.nativeio.LibC;
import io.turnstile.nativeio.NativeIoException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Makes a flood source socket a sink: a one-instruction classic BPF program ({@code ret #0}) attached with
 * {@code SO_ATTACH_FILTER} drops every datagram addressed to it inside the kernel, before it is queued. The replies a
 * responder sends to the flood's sources then cost the kernel what a real victim's would (a lookup and a drop) and no
 * more: no receive queue fills up (which would show as RcvbufErrors), and no ICMP port-unreachable is generated (which
 * loopback never rate-limits and which would measure the ICMP path rather than the responder).
 * <pre>
 *   struct sock_filter { u16 code; u8 jt; u8 jf; u32 k; }   8 bytes: BPF_RET | BPF_K (0x06), k = 0 -> accept 0 bytes
 *   struct sock_fprog  { u16 len; (6 bytes padding) struct sock_filter *filter; }   16 bytes on x86_64
 * </pre>
 */
final class DropAllFilter
{
    /** {@code SO_ATTACH_FILTER} from asm-generic/socket.h. */
    static final int SO_ATTACH_FILTER = 26;
    private static final short BPF_RET_K = 0x06;
    private static final int SOCK_FILTER_BYTES = 8;
    private static final int SOCK_FPROG_BYTES = 16;

    private DropAllFilter()
    {
    }

    /**
     * Attach the drop-all program to a socket.
     *
     * @param fd the socket's descriptor.
     * @throws NativeIoException when the kernel refuses the filter.
     */
    static void attach(final int fd)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment errnoState = arena.allocate(LibC.ERRNO_STATE_LAYOUT);
            final MemorySegment filter = arena.allocate(SOCK_FILTER_BYTES, 8);
            filter.set(JAVA_SHORT, 0, BPF_RET_K);
            filter.set(JAVA_BYTE, 2, (byte)0);
            filter.set(JAVA_BYTE, 3, (byte)0);
            filter.set(JAVA_INT, 4, 0);
            final MemorySegment program = arena.allocate(SOCK_FPROG_BYTES, 8);
            program.set(JAVA_SHORT, 0, (short)1);
            program.set(ADDRESS, 8, filter);
            if (LibC.setsockopt(errnoState, fd, LibC.SOL_SOCKET, SO_ATTACH_FILTER, program, SOCK_FPROG_BYTES) < 0)
            {
                throw new NativeIoException("setsockopt SO_ATTACH_FILTER", LibC.errno(errnoState));
            }
        }
    }
}
