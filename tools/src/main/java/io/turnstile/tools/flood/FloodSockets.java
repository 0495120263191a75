package io.turnstile.tools.flood;

import io.turnstile.nativeio.LibC;
import io.turnstile.nativeio.NativeIoException;
import io.turnstile.nativeio.SocketFilter;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;
import static java.nio.ByteOrder.BIG_ENDIAN;

/**
 * The few socket calls a flood makes outside its send loop, over {@link LibC}: open a UDP socket bound to an
 * address with a BPF program attached, open a raw IPv4 socket, learn a bound port, close.
 */
final class FloodSockets
{
    /** Bytes of a sockaddr_in. */
    static final int SOCKADDR_IN_BYTES = (int)LibC.SOCKADDR_IN.byteSize();

    private static final ValueLayout.OfShort NETWORK_SHORT = JAVA_SHORT_UNALIGNED.withOrder(BIG_ENDIAN);
    private static final ValueLayout.OfInt NETWORK_INT = JAVA_INT_UNALIGNED.withOrder(BIG_ENDIAN);

    private FloodSockets()
    {
    }

    /**
     * Write a sockaddr_in.
     *
     * @param name    at least {@value #SOCKADDR_IN_BYTES} bytes.
     * @param address big-endian int.
     * @param port    UDP port.
     */
    static void writeSockaddrIn(final MemorySegment name, final int address, final int port)
    {
        name.asSlice(0, SOCKADDR_IN_BYTES).fill((byte)0);
        name.set(JAVA_SHORT, 0, (short)LibC.AF_INET);
        name.set(NETWORK_SHORT, LibC.SIN_PORT_OFFSET, (short)port);
        name.set(NETWORK_INT, LibC.SIN_ADDR_OFFSET, address);
    }

    /**
     * Open a non-blocking UDP socket, attach a program, then bind it, so that no datagram reaches it unfiltered.
     *
     * @param errnoState capture segment.
     * @param scratch    at least {@value #SOCKADDR_IN_BYTES} bytes for the address.
     * @param address    to bind, big-endian int.
     * @param port       to bind, 0 for an ephemeral one.
     * @param filter     program to attach, or null.
     * @return the descriptor.
     * @throws NativeIoException naming the call, address and errno.
     */
    static int openUdp(
        final MemorySegment errnoState,
        final MemorySegment scratch,
        final int address,
        final int port,
        final SocketFilter filter)
    {
        final int fd = LibC.socket(errnoState, LibC.AF_INET,
            LibC.SOCK_DGRAM | LibC.SOCK_NONBLOCK | LibC.SOCK_CLOEXEC, 0);
        if (fd < 0)
        {
            throw new NativeIoException("socket UDP", LibC.errno(errnoState));
        }
        try
        {
            if (null != filter)
            {
                filter.attach(fd);
            }
            writeSockaddrIn(scratch, address, port);
            if (LibC.bind(errnoState, fd, scratch, SOCKADDR_IN_BYTES) < 0)
            {
                throw new NativeIoException(
                    "bind " + Ipv4Cidr.toText(address) + " port " + port, LibC.errno(errnoState));
            }
            return fd;
        }
        catch (final RuntimeException ex)
        {
            LibC.close(errnoState, fd);
            throw ex;
        }
    }

    /**
     * Open a non-blocking raw IPv4 socket that sends whole packets, headers included.
     *
     * @param errnoState capture segment.
     * @return the descriptor, or -errno (EPERM without CAP_NET_RAW) so the caller can say what to do instead.
     */
    static int openRaw(final MemorySegment errnoState)
    {
        // IPPROTO_RAW implies IP_HDRINCL; setting it as well makes the intent explicit and costs one call.
        final int fd = LibC.socket(errnoState, LibC.AF_INET,
            LibC.SOCK_RAW | LibC.SOCK_NONBLOCK | LibC.SOCK_CLOEXEC, LibC.IPPROTO_RAW);
        if (fd < 0)
        {
            return -LibC.errno(errnoState);
        }
        return fd;
    }

    /**
     * The port a socket is bound to.
     *
     * @param errnoState capture segment.
     * @param scratch    at least 128 bytes for the address, then 4 for its length, so 132.
     * @param fd         bound socket.
     * @return the port.
     */
    static int localPort(final MemorySegment errnoState, final MemorySegment scratch, final int fd)
    {
        final MemorySegment name = scratch.asSlice(0, LibC.SOCKADDR_STORAGE.byteSize());
        final MemorySegment length = scratch.asSlice(LibC.SOCKADDR_STORAGE.byteSize(), Integer.BYTES);
        length.set(JAVA_INT, 0, (int)LibC.SOCKADDR_STORAGE.byteSize());
        if (LibC.getsockname(errnoState, fd, name, length) < 0)
        {
            throw new NativeIoException("getsockname", LibC.errno(errnoState));
        }
        return name.get(NETWORK_SHORT, LibC.SIN_PORT_OFFSET) & 0xFFFF;
    }

    /**
     * Close descriptors, ignoring errors: they are ours and about to be forgotten.
     *
     * @param errnoState capture segment.
     * @param fds        descriptors; negative ones are skipped.
     * @param count      how many of fds to close.
     */
    static void closeAll(final MemorySegment errnoState, final int[] fds, final int count)
    {
        for (int i = 0; i < count; i++)
        {
            if (fds[i] >= 0)
            {
                LibC.close(errnoState, fds[i]);
                fds[i] = -1;
            }
        }
    }
}
