package io.turnstile.nativeio.xdp;

import io.turnstile.nativeio.LibC;
import io.turnstile.nativeio.NativeIoException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Makes the kernel pick, among the SO_REUSEPORT UDP sockets of a server, the socket of the worker that owns the RX
 * queue a datagram arrived on, so a peer verified by worker q through the AF_XDP socket of queue q finds its session
 * in worker q's accepted-peer set when its handshake arrives through the kernel socket.
 * <pre>
 *  classic BPF, SO_ATTACH_REUSEPORT_CBPF (include/uapi/linux/filter.h):
 *    ld  [SKF_AD_OFF + SKF_AD_QUEUE]   A = skb-&gt;queue_mapping
 *    sub #offset                       A = the RX queue (0 - 1 wraps: past the group, the kernel falls back)
 *    ret a                             index into the reuseport group, in the order the sockets joined it
 * </pre>
 * A NIC driver records the RX queue as queue + 1 ({@code skb_record_rx_queue}), so the offset is 1; veth records
 * nothing and the skb keeps the sender's TX queue, which is also the XDP {@code rx_queue_index} veth reports, so the
 * offset is 0 (measured here: with offset 1 every flow of queue 0 fell back to the hash). {@link #offsetFor(String)}
 * tells them apart by whether the device has a bus device behind it; only veth was tested.
 * An index past the group (no queue recorded, or more queues than sockets) makes the kernel use its usual hash, so
 * nothing is lost, only the affinity. The group's order is the order of binding, so the server binds worker 0, 1,
 * ... one after the other.
 */
public final class RxQueueSteering
{
    /** setsockopt option: a classic BPF program that returns the reuseport group index. */
    public static final int SO_ATTACH_REUSEPORT_CBPF = 51;

    private static final int BPF_LD_W_ABS = 0x00 | 0x00 | 0x20;
    private static final int BPF_ALU_SUB_K = 0x04 | 0x10 | 0x00;
    private static final int BPF_RET_A = 0x06 | 0x10;
    private static final int SKF_AD_QUEUE = -0x1000 + 24;

    private RxQueueSteering()
    {
    }

    /**
     * The queue_mapping offset of a device: 1 for a device with a bus device behind it (a NIC driver records RX
     * queue + 1), 0 for a virtual one such as veth (the sender's TX queue, which XDP also reports as the RX queue).
     *
     * @param interfaceName the device.
     * @return 0 or 1.
     */
    public static int offsetFor(final String interfaceName)
    {
        return java.nio.file.Files.exists(java.nio.file.Path.of("/sys/class/net", interfaceName, "device")) ? 1 : 0;
    }

    /**
     * Attach the program to the reuseport group of a bound socket (any member: it applies to the group, also to
     * sockets that join later).
     *
     * @param fd     a UDP socket bound with SO_REUSEPORT.
     * @param offset from {@link #offsetFor(String)}.
     * @throws NativeIoException when the kernel refuses.
     */
    public static void attach(final int fd, final int offset)
    {
        final int[][] program = {{BPF_LD_W_ABS, SKF_AD_QUEUE}, {BPF_ALU_SUB_K, offset}, {BPF_RET_A, 0}};
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment errnoState = arena.allocate(LibC.ERRNO_STATE_LAYOUT);
            final long filterBytes = LibC.SOCK_FILTER.byteSize();
            final MemorySegment filter = arena.allocate(LibC.SOCK_FILTER, program.length);
            for (int i = 0; i < program.length; i++)
            {
                final long at = i * filterBytes;
                filter.set(JAVA_SHORT, at, (short)program[i][0]);
                filter.set(JAVA_BYTE, at + LibC.SOCK_FILTER_JT_OFFSET, (byte)0);
                filter.set(JAVA_BYTE, at + LibC.SOCK_FILTER_JF_OFFSET, (byte)0);
                filter.set(JAVA_INT, at + LibC.SOCK_FILTER_K_OFFSET, program[i][1]);
            }
            final MemorySegment fprog = arena.allocate(LibC.SOCK_FPROG);
            fprog.set(JAVA_SHORT, 0, (short)program.length);
            fprog.set(ADDRESS, LibC.SOCK_FPROG_FILTER_OFFSET, filter);
            if (LibC.setsockopt(errnoState, fd, LibC.SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, fprog,
                (int)LibC.SOCK_FPROG.byteSize()) < 0)
            {
                throw new NativeIoException("setsockopt SO_ATTACH_REUSEPORT_CBPF (RX queue steering)",
                    LibC.errno(errnoState));
            }
        }
    }
}
