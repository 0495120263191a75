package io.turnstile.tools.flood;

import io.turnstile.nativeio.LibC;
import io.turnstile.nativeio.SocketFilter;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * UDP sockets that exist only to own ports: bound to 0.0.0.0 on ephemeral ports, each with the
 * {@link SocketFilter#dropAll()} program, so whatever arrives for them is dropped in the kernel.
 * <p>
 * Why: a server answers each spoofed hello with a HelloVerifyRequest to the hello's source address and port. If no
 * socket owns that port, the kernel answers the HVR with an ICMP port-unreachable, which loopback never rate-limits;
 * at flood rates that doubles the packets the server's core handles and measures the ICMP path rather than the
 * server. A flood that draws its source ports from these sockets' ports has every HVR land on a socket and be
 * dropped by its filter: no ICMP, no receive buffer filling up, no user-space cost.
 * <p>
 * <b>Note:</b> bound to the wildcard, so they catch HVRs for every spoofed 127.x.y.z source; the sockets must stay
 * open until the server has answered the last hello, or the late HVRs draw ICMP again.
 */
public final class SinkSockets implements AutoCloseable
{
    /** Most sinks: each is a descriptor, and a few dozen ports are plenty of variety for a hash. */
    public static final int MAX_SINKS = 1024;

    private final int[] fds;
    private final int[] ports;
    private boolean closed;

    private SinkSockets(final int[] fds, final int[] ports)
    {
        this.fds = fds;
        this.ports = ports;
    }

    /**
     * Bind sink sockets on ephemeral ports of 0.0.0.0.
     *
     * @param count 1 to {@value #MAX_SINKS}.
     * @return the open sinks.
     * @throws IllegalArgumentException when count is out of range.
     * @throws UnsupportedOperationException when {@link LibC#isAvailable()} is false.
     * @throws io.turnstile.nativeio.NativeIoException when a socket cannot be opened, filtered or bound.
     */
    public static SinkSockets open(final int count)
    {
        if (count < 1 || count > MAX_SINKS)
        {
            throw new IllegalArgumentException("sink count must be 1 to " + MAX_SINKS + ", got " + count);
        }
        if (!LibC.isAvailable())
        {
            throw new UnsupportedOperationException("sink sockets need the libc bindings (x86_64 Linux)");
        }
        final int[] fds = new int[count];
        final int[] ports = new int[count];
        Arrays.fill(fds, -1);
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment errnoState = arena.allocate(LibC.ERRNO_STATE_LAYOUT);
            final MemorySegment scratch = arena.allocate(LibC.SOCKADDR_STORAGE.byteSize() + Integer.BYTES, 8);
            final SocketFilter dropAll = SocketFilter.dropAll();
            try
            {
                for (int i = 0; i < count; i++)
                {
                    fds[i] = FloodSockets.openUdp(errnoState, scratch, 0, 0, dropAll);
                    ports[i] = FloodSockets.localPort(errnoState, scratch, fds[i]);
                }
            }
            catch (final RuntimeException ex)
            {
                FloodSockets.closeAll(errnoState, fds, count);
                throw ex;
            }
        }
        return new SinkSockets(fds, ports);
    }

    /**
     * The ports the sinks own: draw spoofed source ports from these.
     *
     * @return a copy.
     */
    public int[] ports()
    {
        return ports.clone();
    }

    /**
     * How many sinks are open.
     *
     * @return the count.
     */
    public int count()
    {
        return ports.length;
    }

    /**
     * Close every sink; safe to call more than once.
     */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        try (Arena arena = Arena.ofConfined())
        {
            FloodSockets.closeAll(arena.allocate(LibC.ERRNO_STATE_LAYOUT), fds, fds.length);
        }
    }
}
