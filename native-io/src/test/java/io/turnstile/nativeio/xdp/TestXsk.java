package io.turnstile.nativeio.xdp;

import io.turnstile.nativeio.LibC;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Test support: the smallest AF_XDP socket that receives, in copy mode, on queue 0 of an interface, to prove that
 * the filter redirects hellos (the real socket is the AF_XDP batch socket's business). A UMEM of 32 frames, all in
 * the fill ring once; the RX ring is only peeked at, never consumed past what a test reads. Steps as in XDP.md
 * (socket, XDP_UMEM_REG, ring sizes, XDP_MMAP_OFFSETS, mmap, fill, bind).
 */
final class TestXsk implements AutoCloseable
{
    private static final int AF_XDP = 44;
    private static final int SOL_XDP = 283;
    private static final int XDP_MMAP_OFFSETS = 1;
    private static final int XDP_RX_RING = 2;
    private static final int XDP_UMEM_REG = 4;
    private static final int XDP_UMEM_FILL_RING = 5;
    private static final int XDP_UMEM_COMPLETION_RING = 6;
    private static final int XDP_COPY = 2;
    private static final long PGOFF_RX_RING = 0;
    private static final long PGOFF_FILL_RING = 0x1_0000_0000L;
    private static final int FRAMES = 32;
    private static final int FRAME_SIZE = 2048;
    private static final VarHandle U32 = JAVA_INT.varHandle();

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle GETSOCKOPT = downcall("getsockopt",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle MMAP = downcall("mmap",
        FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUNMAP = downcall("munmap",
        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));

    private final Arena arena = Arena.ofShared();
    private final MemorySegment errno = arena.allocate(LibC.ERRNO_STATE_LAYOUT);
    private final MemorySegment umem = arena.allocate((long)FRAMES * FRAME_SIZE, 4096);
    private final int fd;
    private MemorySegment fill;
    private MemorySegment rx;
    private long rxProducer;
    private long rxDesc;

    @SuppressWarnings("restricted")
    private static MethodHandle downcall(final String name, final FunctionDescriptor descriptor)
    {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), descriptor);
    }

    /**
     * Open and bind to queue 0, on the calling thread's network namespace.
     *
     * @param ifindex interface.
     * @throws IllegalStateException naming the step that failed.
     */
    TestXsk(final int ifindex)
    {
        this(ifindex, 0);
    }

    /**
     * Open and bind, on the calling thread's network namespace.
     *
     * @param ifindex interface.
     * @param queue   RX queue.
     * @throws IllegalStateException naming the step that failed.
     */
    TestXsk(final int ifindex, final int queue)
    {
        fd = LibC.socket(errno, AF_XDP, LibC.SOCK_RAW, 0);
        check(fd, "socket(AF_XDP)");
        try
        {
            setUp(ifindex, queue);
        }
        catch (final Throwable t)
        {
            close();
            throw new IllegalStateException(t);
        }
    }

    private void setUp(final int ifindex, final int queue) throws Throwable
    {
        final MemorySegment reg = arena.allocate(32, 8);
        reg.set(JAVA_LONG, 0, umem.address());
        reg.set(JAVA_LONG, 8, umem.byteSize());
        reg.set(JAVA_INT, 16, FRAME_SIZE);
        check(LibC.setsockopt(errno, fd, SOL_XDP, XDP_UMEM_REG, reg, 32), "XDP_UMEM_REG");
        final MemorySegment size = arena.allocate(JAVA_INT);
        size.set(JAVA_INT, 0, FRAMES);
        for (final int ring : new int[]{XDP_UMEM_FILL_RING, XDP_UMEM_COMPLETION_RING, XDP_RX_RING})
        {
            check(LibC.setsockopt(errno, fd, SOL_XDP, ring, size, 4), "ring size " + ring);
        }
        // struct xdp_mmap_offsets: rx, tx, fill, completion; each {producer, consumer, desc, flags} as u64.
        final MemorySegment offsets = arena.allocate(128, 8);
        final MemorySegment length = arena.allocate(JAVA_INT);
        length.set(JAVA_INT, 0, 128);
        check((int)GETSOCKOPT.invokeExact(fd, SOL_XDP, XDP_MMAP_OFFSETS, offsets, length), "XDP_MMAP_OFFSETS");
        final long fillProducer = offsets.get(JAVA_LONG, 64);
        final long fillDesc = offsets.get(JAVA_LONG, 80);
        rxProducer = offsets.get(JAVA_LONG, 0);
        rxDesc = offsets.get(JAVA_LONG, 16);
        fill = map(fillDesc + FRAMES * 8L, PGOFF_FILL_RING);
        rx = map(rxDesc + FRAMES * 16L, PGOFF_RX_RING);
        for (int i = 0; i < FRAMES; i++)
        {
            fill.set(JAVA_LONG, fillDesc + i * 8L, (long)i * FRAME_SIZE);
        }
        U32.setRelease(fill, fillProducer, FRAMES);
        final MemorySegment address = arena.allocate(16, 4);
        address.set(JAVA_SHORT, 0, (short)AF_XDP);
        address.set(JAVA_SHORT, 2, (short)XDP_COPY);
        address.set(JAVA_INT, 4, ifindex);
        address.set(JAVA_INT, 8, queue);
        check(LibC.bind(errno, fd, address, 16), "bind AF_XDP");
    }

    @SuppressWarnings("restricted")
    private MemorySegment map(final long bytes, final long pgoff) throws Throwable
    {
        final int protReadWrite = 3;
        final int mapSharedPopulate = 0x01 | 0x8000;
        final MemorySegment mapped = (MemorySegment)MMAP.invokeExact(MemorySegment.NULL, bytes, protReadWrite,
            mapSharedPopulate, fd, pgoff);
        if (mapped.address() == -1L)
        {
            throw new IllegalStateException("mmap of an AF_XDP ring failed");
        }
        return mapped.reinterpret(bytes);
    }

    private void check(final int result, final String what)
    {
        if (result < 0)
        {
            throw new IllegalStateException(what + " failed: errno " + LibC.errno(errno));
        }
    }

    /**
     * The socket.
     *
     * @return its descriptor, for the XSKMAP.
     */
    int fd()
    {
        return fd;
    }

    /**
     * Frames the kernel has put on the RX ring so far.
     *
     * @return the producer index.
     */
    int received()
    {
        return (int)U32.getAcquire(rx, rxProducer);
    }

    /**
     * A received frame.
     *
     * @param index 0 to {@link #received()} - 1, below 32.
     * @return its bytes, Ethernet header first.
     */
    byte[] frame(final int index)
    {
        final long desc = rxDesc + index * 16L;
        final long address = rx.get(JAVA_LONG, desc);
        final int length = rx.get(JAVA_INT, desc + 8);
        return umem.asSlice(address, length).toArray(JAVA_BYTE);
    }

    /**
     * Unmap the rings and close the socket, then free the UMEM.
     */
    @Override
    public void close()
    {
        try
        {
            if (null != fill)
            {
                final int unmapFill = (int)MUNMAP.invokeExact(fill, fill.byteSize());
                assert unmapFill == 0;
            }
            if (null != rx)
            {
                final int unmapRx = (int)MUNMAP.invokeExact(rx, rx.byteSize());
                assert unmapRx == 0;
            }
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException(t);
        }
        LibC.close(errno, fd);
        arena.close();
    }
}
