package io.turnstile.nativeio.xdp;

import io.turnstile.nativeio.LibC;
import org.agrona.LangUtil;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The libc calls an AF_XDP socket needs beyond {@link LibC}'s: {@code getsockopt}, {@code mmap}, {@code munmap},
 * {@code sendto} (the TX kick), {@code recvfrom} (the fill-ring wake-up) and {@code if_nametoindex}, in the same style:
 * {@code static final MethodHandle}s linked once, called with {@code invokeExact}, errno captured into the caller's
 * segment of {@link LibC#ERRNO_STATE_LAYOUT}. Linux x86-64 values; where {@link LibC#isAvailable()} is false nothing
 * is linked and {@link #isAvailable()} says so.
 */
public final class XdpLibC
{
    /** Address family of XDP sockets. */
    public static final int AF_XDP = 44;
    /** Socket-option level of XDP sockets. */
    public static final int SOL_XDP = 283;
    /** getsockopt: the mmap offsets of the four rings ({@code struct xdp_mmap_offsets}, 128 bytes). */
    public static final int XDP_MMAP_OFFSETS = 1;
    /** setsockopt: RX ring entries. */
    public static final int XDP_RX_RING = 2;
    /** setsockopt: TX ring entries. */
    public static final int XDP_TX_RING = 3;
    /** setsockopt: register the UMEM ({@code struct xdp_umem_reg}). */
    public static final int XDP_UMEM_REG = 4;
    /** setsockopt: fill ring entries. */
    public static final int XDP_UMEM_FILL_RING = 5;
    /** setsockopt: completion ring entries. */
    public static final int XDP_UMEM_COMPLETION_RING = 6;
    /** getsockopt: {@code struct xdp_statistics} (6 x u64). */
    public static final int XDP_STATISTICS = 7;
    /** bind flag: copy mode. */
    public static final int XDP_COPY = 2;
    /** bind flag: zero-copy mode. */
    public static final int XDP_ZEROCOPY = 4;
    /** bind flag: the kernel asks for wake-ups through the rings' flags instead of needing one per batch. */
    public static final int XDP_USE_NEED_WAKEUP = 8;
    /** Ring flag: the kernel needs a system call to make progress. */
    public static final int XDP_RING_NEED_WAKEUP = 1;
    /** mmap page offset of the RX ring. */
    public static final long XDP_PGOFF_RX_RING = 0;
    /** mmap page offset of the TX ring. */
    public static final long XDP_PGOFF_TX_RING = 0x8000_0000L;
    /** mmap page offset of the fill ring. */
    public static final long XDP_UMEM_PGOFF_FILL_RING = 0x1_0000_0000L;
    /** mmap page offset of the completion ring. */
    public static final long XDP_UMEM_PGOFF_COMPLETION_RING = 0x1_8000_0000L;
    /** mmap protection: read and write. */
    public static final int PROT_READ_WRITE = 0x3;
    /** mmap flags: shared with the kernel, populated at once. */
    public static final int MAP_SHARED_POPULATE = 0x01 | 0x8000;
    /** errno: the device cannot do what was asked (zero-copy on veth). */
    public static final int EOPNOTSUPP = 95;
    /** SOL_SOCKET option: microseconds a blocking receive or poll busy-polls the device (asm-generic/socket.h). */
    public static final int SO_BUSY_POLL = 46;
    /** SOL_SOCKET option: the socket's busy polling takes the device queue over from the kernel's own polling. */
    public static final int SO_PREFER_BUSY_POLL = 69;
    /** SOL_SOCKET option: packets one busy poll may process. */
    public static final int SO_BUSY_POLL_BUDGET = 70;
    /** errno: busy (a copy-mode TX kick whose frame the device dropped). */
    public static final int EBUSY = 16;
    /** errno: no such device. */
    public static final int ENODEV = 19;
    /** errno: the device is down. */
    public static final int ENETDOWN = 100;
    /** errno: no such device or address (a queue id the device does not have). */
    public static final int ENXIO = 6;

    private static final MethodHandle GETSOCKOPT;
    private static final MethodHandle MMAP;
    private static final MethodHandle MUNMAP;
    private static final MethodHandle SENDTO;
    private static final MethodHandle RECVFROM;
    private static final MethodHandle IF_NAMETOINDEX;
    private static final boolean AVAILABLE;

    static
    {
        final Linker linker = LibC.isAvailable() ? Linker.nativeLinker() : null;
        final SymbolLookup libc = null == linker ? null : linker.defaultLookup();
        GETSOCKOPT = downcall(linker, libc, "getsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
        MMAP = downcall(linker, libc, "mmap",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
        MUNMAP = downcall(linker, libc, "munmap", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
        SENDTO = downcall(linker, libc, "sendto",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
        RECVFROM = downcall(linker, libc, "recvfrom",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS));
        IF_NAMETOINDEX = downcall(linker, libc, "if_nametoindex", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        AVAILABLE = null != GETSOCKOPT && null != MMAP && null != MUNMAP && null != SENDTO && null != RECVFROM &&
            null != IF_NAMETOINDEX;
    }

    private XdpLibC()
    {
    }

    // Linking a downcall is what --enable-native-access grants; it is the point of this class.
    @SuppressWarnings("restricted")
    private static MethodHandle downcall(
        final Linker linker, final SymbolLookup libc, final String name, final FunctionDescriptor descriptor)
    {
        if (null == libc)
        {
            return null;
        }
        final Optional<MemorySegment> symbol = libc.find(name);
        return symbol.map(s -> linker.downcallHandle(s, descriptor, Linker.Option.captureCallState("errno")))
            .orElse(null);
    }

    /**
     * Whether the calls are linked: x86-64 Linux with every symbol found.
     *
     * @return true when an AF_XDP socket can be attempted (the kernel and privileges may still say no).
     */
    public static boolean isAvailable()
    {
        return AVAILABLE;
    }

    /**
     * {@code getsockopt(2)}.
     *
     * @param errnoState capture segment.
     * @param fd         socket.
     * @param level      e.g. {@link #SOL_XDP}.
     * @param option     e.g. {@link #XDP_MMAP_OFFSETS}.
     * @param value      receives the value.
     * @param length     in: a socklen_t with the room at value; out: the length written.
     * @return 0, or -1 with errno set.
     */
    public static int getsockopt(
        final MemorySegment errnoState,
        final int fd,
        final int level,
        final int option,
        final MemorySegment value,
        final MemorySegment length)
    {
        try
        {
            return (int)GETSOCKOPT.invokeExact(errnoState, fd, level, option, value, length);
        }
        catch (final Throwable t)
        {
            LangUtil.rethrowUnchecked(t);
            return -1;
        }
    }

    /**
     * {@code mmap(2)} of a socket's ring.
     *
     * @param errnoState capture segment.
     * @param length     bytes to map.
     * @param fd         the socket.
     * @param offset     which ring, e.g. {@link #XDP_PGOFF_RX_RING}.
     * @return the mapping's address, or -1 (MAP_FAILED) with errno set.
     */
    public static long mmapShared(final MemorySegment errnoState, final long length, final int fd, final long offset)
    {
        try
        {
            final MemorySegment address = (MemorySegment)MMAP.invokeExact(
                errnoState, MemorySegment.NULL, length, PROT_READ_WRITE, MAP_SHARED_POPULATE, fd, offset);
            return address.address();
        }
        catch (final Throwable t)
        {
            LangUtil.rethrowUnchecked(t);
            return -1;
        }
    }

    /**
     * {@code munmap(2)}.
     *
     * @param errnoState capture segment.
     * @param address    of the mapping.
     * @param length     of the mapping.
     * @return 0, or -1 with errno set.
     */
    public static int munmap(final MemorySegment errnoState, final long address, final long length)
    {
        try
        {
            return (int)MUNMAP.invokeExact(errnoState, MemorySegment.ofAddress(address), length);
        }
        catch (final Throwable t)
        {
            LangUtil.rethrowUnchecked(t);
            return -1;
        }
    }

    /**
     * {@code sendto(fd, NULL, 0, flags, NULL, 0)}: the TX kick of an AF_XDP socket.
     *
     * @param errnoState capture segment.
     * @param fd         the socket.
     * @param flags      e.g. {@link LibC#MSG_DONTWAIT}.
     * @return 0, or -1 with errno set.
     */
    public static long kick(final MemorySegment errnoState, final int fd, final int flags)
    {
        try
        {
            return (long)SENDTO.invokeExact(errnoState, fd, MemorySegment.NULL, 0L, flags, MemorySegment.NULL, 0);
        }
        catch (final Throwable t)
        {
            LangUtil.rethrowUnchecked(t);
            return -1;
        }
    }

    /**
     * {@code recvfrom(fd, NULL, 0, flags, NULL, NULL)}: the fill-ring wake-up of an AF_XDP socket.
     *
     * @param errnoState capture segment.
     * @param fd         the socket.
     * @param flags      e.g. {@link LibC#MSG_DONTWAIT}.
     * @return 0, or -1 with errno set.
     */
    public static long wakeReceive(final MemorySegment errnoState, final int fd, final int flags)
    {
        try
        {
            return (long)RECVFROM.invokeExact(
                errnoState, fd, MemorySegment.NULL, 0L, flags, MemorySegment.NULL, MemorySegment.NULL);
        }
        catch (final Throwable t)
        {
            LangUtil.rethrowUnchecked(t);
            return -1;
        }
    }

    /**
     * {@code if_nametoindex(3)}.
     *
     * @param errnoState capture segment.
     * @param name       NUL-terminated interface name.
     * @return the index, or 0 with errno set (ENODEV).
     */
    public static int ifNameToIndex(final MemorySegment errnoState, final MemorySegment name)
    {
        try
        {
            return (int)IF_NAMETOINDEX.invokeExact(errnoState, name);
        }
        catch (final Throwable t)
        {
            LangUtil.rethrowUnchecked(t);
            return 0;
        }
    }
}
