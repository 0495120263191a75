package io.turnstile.nativeio;

import io.turnstile.codec.PeerAddress;
import org.agrona.concurrent.UnsafeBuffer;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.ByteOrder;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;
import static java.nio.ByteOrder.BIG_ENDIAN;

/**
 * A {@link BatchSocket} over Linux {@code recvmmsg}/{@code sendmmsg}, bound through {@link LibC}: one system call
 * receives a whole batch and one sends every staged reply.
 * <p>
 * Everything the kernel reads or writes is allocated once, off heap, when the socket opens. Each direction has its
 * own set of N slots, where slot i's mmsghdr points at iovec i and sockaddr_storage i, and iovec i at packet i:
 * <pre>
 *  mmsghdr[N]  (64 B each)          iovec[N] (16 B)        sockaddr_storage[N] (128 B)   packets[N] (slotBytes)
 *  +-------------------------+     +----------------+     +-------------------------+   +------------------+
 *  | msg_name ---------------+---+ | iov_base ------+--+  | family | port | addr ... |   | datagram ...     |
 *  | msg_namelen (reset: 128)|   | | iov_len (reset)|  |  +-------------------------+   +------------------+
 *  | msg_iov ----------------+-+ |                       ^                              ^
 *  | msg_iovlen = 1          | | +-----------------------+                              |
 *  | msg_control = NULL, 0   | +-> iovec i                  iov_base ------------------+
 *  | msg_flags               |
 *  | msg_len (kernel writes) |
 *  +-------------------------+
 * </pre>
 * The kernel overwrites msg_namelen on receive, so it is put back to 128 (and iov_len to the slot size) on each slot
 * used by the previous batch before the next {@code recvmmsg}. Packets, and the struct fields touched per batch, are
 * read and written through {@link UnsafeBuffer}s wrapped once over the memory's address, so the verifier works on the
 * kernel's bytes in place; the {@link MemorySegment}s are kept for handing to the kernel.
 * The send slots form a ring: a flush cut short by EAGAIN resumes where it stopped, and staging goes on after the
 * queued ones, with at most two {@code sendmmsg} calls when the queue wraps.
 * <p>
 * Each received slot's sockaddr is decoded once, by {@link SocketAddressCodec}, into the slot's {@link PeerAddress}
 * (18 bytes of an on-heap region beside the names), which its {@link ReceivedDatagram} view exposes; a reply staged
 * with {@link #stageReply} copies the kernel's own sockaddr back without decoding it again.
 * <p>
 * <b>Note:</b> confined to the thread that constructs it. The memory comes from a confined {@link Arena}, so that
 * {@link #close()} frees it at once and deterministically, and a stray call from another thread fails with
 * {@link WrongThreadException} instead of racing the kernel: construct it in {@code Agent.onStart()} and close it in
 * {@code onClose()}. After close the slot buffers are re-wrapped to zero length, so a stale reference fails a
 * bounds check rather than touching freed memory (Agrona bounds checks are on unless disabled).
 */
public final class MmsgBatchSocket implements BatchSocket
{
    private static final int MMSGHDR_BYTES = (int)LibC.MMSGHDR.byteSize();
    private static final int IOVEC_BYTES = (int)LibC.IOVEC.byteSize();
    private static final int STORAGE_BYTES = (int)LibC.SOCKADDR_STORAGE.byteSize();
    private static final int SOCKADDR_IN_BYTES = (int)LibC.SOCKADDR_IN.byteSize();
    private static final int SOCKADDR_IN6_BYTES = (int)LibC.SOCKADDR_IN6.byteSize();
    private static final int SIN_ADDR = (int)LibC.SIN_ADDR_OFFSET;
    private static final int SIN6_ADDR = (int)LibC.SIN6_ADDR_OFFSET;
    private static final int SIN_PORT = (int)LibC.SIN_PORT_OFFSET;
    private static final int MSG_NAMELEN = (int)LibC.MSG_NAMELEN_OFFSET;
    private static final int MSG_FLAGS = (int)LibC.MSG_FLAGS_OFFSET;
    private static final int MSG_LEN = (int)LibC.MSG_LEN_OFFSET;
    private static final int IOV_LEN = (int)LibC.IOV_LEN_OFFSET;
    private static final ValueLayout.OfShort NETWORK_SHORT = JAVA_SHORT_UNALIGNED.withOrder(BIG_ENDIAN);
    private static final int CACHE_LINE = 64;
    private static final byte[] EMPTY = new byte[0];

    private final Arena arena;
    private final MemorySegment errnoState;
    private final int fd;
    private final boolean ipv6;
    private final int batchSize;
    private final int slotBytes;

    private final MemorySegment receiveHeaders;
    private final UnsafeBuffer receiveHeaderFields;
    private final UnsafeBuffer receiveIovecFields;
    private final UnsafeBuffer receiveNames;
    private final UnsafeBuffer receivePeers;
    private final ReceivedDatagram[] receivedDatagrams;
    private int received;
    private int receiveSlotsToReset;

    private final MemorySegment[] sendHeadersFrom;
    private final UnsafeBuffer sendHeaderFields;
    private final UnsafeBuffer sendIovecFields;
    private final UnsafeBuffer sendNames;
    private final UnsafeBuffer[] sendBuffers;
    private final SendSlotRing sendRing;

    private final MemorySegment pollFd;
    private final MemorySegment scratchAddress;
    private final MemorySegment scratchLength;

    private long sent;
    private long sendWouldBlock;
    private long sendFailed;
    private long receiveTruncated;
    private int lastSendErrno;
    private boolean closed;

    /**
     * Open and bind a socket on the calling thread, which then owns it.
     *
     * @param context configuration, concluded here.
     * @throws UnsupportedOperationException when {@link LibC#isAvailable()} is false.
     * @throws NativeIoException when the socket cannot be created, configured or bound (e.g. EADDRINUSE).
     */
    public MmsgBatchSocket(final Context context)
    {
        if (!LibC.isAvailable())
        {
            throw new UnsupportedOperationException("recvmmsg/sendmmsg bindings need x86_64 Linux: use NIO");
        }
        context.conclude();
        final InetAddress bindAddress = context.bindAddress();
        this.ipv6 = bindAddress instanceof Inet6Address;
        this.batchSize = context.batchSize();
        this.slotBytes = context.slotBytes();
        this.sendRing = new SendSlotRing(batchSize, slotBytes);

        final Arena arena = Arena.ofConfined();
        this.arena = arena;
        try
        {
            errnoState = arena.allocate(LibC.ERRNO_STATE_LAYOUT);
            pollFd = arena.allocate(LibC.POLLFD);
            scratchAddress = arena.allocate(LibC.SOCKADDR_STORAGE);
            scratchLength = arena.allocate(JAVA_INT);

            receiveHeaders = arena.allocate((long)MMSGHDR_BYTES * batchSize, CACHE_LINE);
            final MemorySegment receiveIovecs = arena.allocate((long)IOVEC_BYTES * batchSize, CACHE_LINE);
            receiveHeaderFields = wrap(receiveHeaders);
            receiveIovecFields = wrap(receiveIovecs);
            final MemorySegment receiveNameMemory = arena.allocate((long)STORAGE_BYTES * batchSize, CACHE_LINE);
            final MemorySegment receivePackets = arena.allocate((long)slotBytes * batchSize, CACHE_LINE);
            receiveNames = wrap(receiveNameMemory);
            final UnsafeBuffer[] receiveBuffers =
                link(receiveHeaders, receiveIovecs, receiveNameMemory, receivePackets);
            receivePeers = new UnsafeBuffer(new byte[PeerAddress.LENGTH * batchSize]);
            receivedDatagrams = new ReceivedDatagram[batchSize];
            for (int i = 0; i < batchSize; i++)
            {
                receivedDatagrams[i] = new ReceivedDatagram(receiveBuffers[i], receivePeers, i * PeerAddress.LENGTH);
            }

            final MemorySegment sendHeaders = arena.allocate((long)MMSGHDR_BYTES * batchSize, CACHE_LINE);
            final MemorySegment sendIovecs = arena.allocate((long)IOVEC_BYTES * batchSize, CACHE_LINE);
            sendHeaderFields = wrap(sendHeaders);
            sendIovecFields = wrap(sendIovecs);
            final MemorySegment sendNameMemory = arena.allocate((long)STORAGE_BYTES * batchSize, CACHE_LINE);
            final MemorySegment sendPackets = arena.allocate((long)slotBytes * batchSize, CACHE_LINE);
            sendNames = wrap(sendNameMemory);
            sendBuffers = link(sendHeaders, sendIovecs, sendNameMemory, sendPackets);
            sendHeadersFrom = new MemorySegment[batchSize];
            for (int i = 0; i < batchSize; i++)
            {
                sendHeadersFrom[i] = sendHeaders.asSlice((long)i * MMSGHDR_BYTES);
            }
        }
        catch (final RuntimeException | Error ex)
        {
            arena.close();
            throw ex;
        }

        this.fd = LibC.socket(errnoState, ipv6 ? LibC.AF_INET6 : LibC.AF_INET,
            LibC.SOCK_DGRAM | LibC.SOCK_NONBLOCK | LibC.SOCK_CLOEXEC, 0);
        if (fd < 0)
        {
            final int errno = LibC.errno(errnoState);
            arena.close();
            throw new NativeIoException("socket", errno);
        }
        try
        {
            configure(context);
            bind(bindAddress, context.port());
            pollFd.set(JAVA_INT, 0, fd);
            pollFd.set(JAVA_SHORT, LibC.POLL_EVENTS_OFFSET, (short)LibC.POLLIN);
        }
        catch (final RuntimeException | Error ex)
        {
            LibC.close(errnoState, fd);
            arena.close();
            throw ex;
        }
    }

    private static UnsafeBuffer wrap(final MemorySegment segment)
    {
        return new UnsafeBuffer(segment.address(), Math.toIntExact(segment.byteSize()));
    }

    private UnsafeBuffer[] link(
        final MemorySegment headers, final MemorySegment iovecs, final MemorySegment names, final MemorySegment packets)
    {
        final UnsafeBuffer[] buffers = new UnsafeBuffer[batchSize];
        for (int i = 0; i < batchSize; i++)
        {
            final long header = (long)i * MMSGHDR_BYTES;
            final long iovec = (long)i * IOVEC_BYTES;
            final MemorySegment name = names.asSlice((long)i * STORAGE_BYTES, STORAGE_BYTES);
            final MemorySegment packet = packets.asSlice((long)i * slotBytes, slotBytes);
            iovecs.set(ADDRESS, iovec + LibC.IOV_BASE_OFFSET, packet);
            iovecs.set(JAVA_LONG, iovec + LibC.IOV_LEN_OFFSET, slotBytes);
            headers.set(ADDRESS, header + LibC.MSG_NAME_OFFSET, name);
            headers.set(JAVA_INT, header + LibC.MSG_NAMELEN_OFFSET, STORAGE_BYTES);
            headers.set(ADDRESS, header + LibC.MSG_IOV_OFFSET, iovecs.asSlice(iovec, IOVEC_BYTES));
            headers.set(JAVA_LONG, header + LibC.MSG_IOVLEN_OFFSET, 1L);
            buffers[i] = new UnsafeBuffer(packet.address(), slotBytes);
        }
        return buffers;
    }

    private void configure(final Context context)
    {
        if (ipv6)
        {
            setOption(LibC.IPPROTO_IPV6, LibC.IPV6_V6ONLY, 0, "IPV6_V6ONLY");
            setOption(LibC.IPPROTO_IPV6, LibC.IPV6_MTU_DISCOVER, LibC.IPV6_PMTUDISC_DO, "IPV6_MTU_DISCOVER");
        }
        // Also on an IPv6 socket: replies to IPv4-mapped peers leave through the IPv4 stack, which reads this one.
        setOption(LibC.IPPROTO_IP, LibC.IP_MTU_DISCOVER, LibC.IP_PMTUDISC_DO, "IP_MTU_DISCOVER");
        if (context.reusePort())
        {
            setOption(LibC.SOL_SOCKET, LibC.SO_REUSEPORT, 1, "SO_REUSEPORT");
        }
        setOption(LibC.SOL_SOCKET, LibC.SO_RCVBUF, context.receiveBufferBytes(), "SO_RCVBUF");
        setOption(LibC.SOL_SOCKET, LibC.SO_SNDBUF, context.sendBufferBytes(), "SO_SNDBUF");
        if (context.dtlsFilter())
        {
            // Before bind: no datagram can be queued to the socket before the filter would have seen it.
            (context.demuxFilter() ? SocketFilter.dtlsRecordOrDemuxed() : SocketFilter.dtlsRecord()).attach(fd);
        }
    }

    private void setOption(final int level, final int option, final int value, final String name)
    {
        scratchLength.set(JAVA_INT, 0, value);
        if (LibC.setsockopt(errnoState, fd, level, option, scratchLength, Integer.BYTES) < 0)
        {
            throw new NativeIoException("setsockopt " + name + "=" + value, LibC.errno(errnoState));
        }
    }

    private void bind(final InetAddress address, final int port)
    {
        final MemorySegment name = scratchAddress.fill((byte)0);
        final byte[] bytes = address.getAddress();
        final int length;
        if (ipv6)
        {
            name.set(JAVA_SHORT, 0, (short)LibC.AF_INET6);
            name.set(JAVA_INT, LibC.SIN6_SCOPE_ID_OFFSET, ((Inet6Address)address).getScopeId());
            MemorySegment.copy(bytes, 0, name, JAVA_BYTE, SIN6_ADDR, bytes.length);
            length = SOCKADDR_IN6_BYTES;
        }
        else
        {
            name.set(JAVA_SHORT, 0, (short)LibC.AF_INET);
            MemorySegment.copy(bytes, 0, name, JAVA_BYTE, SIN_ADDR, bytes.length);
            length = SOCKADDR_IN_BYTES;
        }
        name.set(NETWORK_SHORT, SIN_PORT, (short)port);
        if (LibC.bind(errnoState, fd, name, length) < 0)
        {
            throw new NativeIoException("bind " + address.getHostAddress() + " port " + port, LibC.errno(errnoState));
        }
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public int receive()
    {
        // The loops live in their own methods: with them inline the JIT stopped inlining the linker's errno-capture
        // slice in this method and allocated 40 bytes per call (seen with JFR, JDK 25).
        resetReceiveSlots();
        final int count =
            LibC.recvmmsg(errnoState, fd, receiveHeaders, batchSize, LibC.MSG_DONTWAIT, MemorySegment.NULL);
        if (count < 0)
        {
            final int errno = LibC.errno(errnoState);
            if (errno == Errno.EAGAIN || errno == Errno.EINTR)
            {
                return 0;
            }
            throw new NativeIoException("recvmmsg", errno);
        }
        readReceiveSlots(count);
        return count;
    }

    private void resetReceiveSlots()
    {
        final UnsafeBuffer headers = receiveHeaderFields;
        final UnsafeBuffer iovecs = receiveIovecFields;
        for (int i = 0, used = receiveSlotsToReset; i < used; i++)
        {
            headers.putInt(i * MMSGHDR_BYTES + MSG_NAMELEN, STORAGE_BYTES);
            iovecs.putLong(i * IOVEC_BYTES + IOV_LEN, slotBytes);
        }
        receiveSlotsToReset = 0;
        received = 0;
    }

    private void readReceiveSlots(final int count)
    {
        final UnsafeBuffer headers = receiveHeaderFields;
        final ReceivedDatagram[] datagrams = receivedDatagrams;
        for (int i = 0; i < count; i++)
        {
            final int header = i * MMSGHDR_BYTES;
            datagrams[i].length(headers.getInt(header + MSG_LEN));
            SocketAddressCodec.decode(receiveNames, i * STORAGE_BYTES, receivePeers, i * PeerAddress.LENGTH);
            if ((headers.getInt(header + MSG_FLAGS) & LibC.MSG_TRUNC) != 0)
            {
                receiveTruncated++;
            }
        }
        received = count;
        receiveSlotsToReset = count;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public boolean awaitReceive(final int timeoutMs)
    {
        return LibC.awaitReadable(errnoState, pollFd, timeoutMs);
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public ReceivedDatagram received(final int slot)
    {
        return receivedDatagrams[slot];
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public int nextSendSlot()
    {
        return sendRing.next();
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public UnsafeBuffer sendBuffer(final int slot)
    {
        return sendBuffers[slot];
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void stageReply(final int slot, final int length, final int receiveSlot)
    {
        sendRing.checkStage(slot, length);
        if (receiveSlot < 0 || receiveSlot >= received)
        {
            throw new IllegalArgumentException("receiveSlot must be 0 to " + (received - 1) + ", got " + receiveSlot);
        }
        final int nameLength = receiveHeaderFields.getInt(receiveSlot * MMSGHDR_BYTES + MSG_NAMELEN);
        sendNames.putBytes(slot * STORAGE_BYTES, receiveNames, receiveSlot * STORAGE_BYTES, nameLength);
        commit(slot, length, nameLength);
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void stage(final int slot, final int length, final PeerAddress peer)
    {
        sendRing.checkStage(slot, length);
        commit(slot, length, SocketAddressCodec.encode(peer, ipv6, sendNames, slot * STORAGE_BYTES));
    }

    private void commit(final int slot, final int length, final int nameLength)
    {
        sendHeaderFields.putInt(slot * MMSGHDR_BYTES + MSG_NAMELEN, nameLength);
        sendIovecFields.putLong(slot * IOVEC_BYTES + IOV_LEN, length);
        sendRing.commit();
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public int flush()
    {
        int sent = 0;
        while (sendRing.count() > 0)
        {
            final int contiguous = sendRing.contiguous();
            final int count =
                LibC.sendmmsg(errnoState, fd, sendHeadersFrom[sendRing.head()], contiguous, LibC.MSG_DONTWAIT);
            if (count > 0)
            {
                sendRing.advance(count);
                sent += count;
            }
            else
            {
                final int errno = count < 0 ? LibC.errno(errnoState) : Errno.EAGAIN;
                if (Errno.isTransient(errno))
                {
                    sendWouldBlock++;
                    break;
                }
                if (errno == Errno.EBADF || errno == Errno.ENOTSOCK || errno == Errno.EFAULT)
                {
                    throw new NativeIoException("sendmmsg", errno);
                }
                // The head datagram was refused for its own sake: drop it and go on with the rest.
                lastSendErrno = errno;
                sendFailed++;
                sendRing.advance(1);
            }
        }
        this.sent += sent;
        return sent;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public int sendQueued()
    {
        return sendRing.count();
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public long sent()
    {
        return sent;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public long sendWouldBlock()
    {
        return sendWouldBlock;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public long sendFailed()
    {
        return sendFailed;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public String lastSendError()
    {
        return lastSendErrno == 0 ? null : Errno.name(lastSendErrno);
    }

    /**
     * The errno of the last refused datagram, to tell causes apart without comparing strings.
     *
     * @return the errno, or 0 when none was refused.
     */
    public int lastSendErrno()
    {
        return lastSendErrno;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public long receiveTruncated()
    {
        return receiveTruncated;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public int batchSize()
    {
        return batchSize;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public int slotBytes()
    {
        return slotBytes;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public int localPort()
    {
        scratchLength.set(JAVA_INT, 0, STORAGE_BYTES);
        if (LibC.getsockname(errnoState, fd, scratchAddress, scratchLength) < 0)
        {
            throw new NativeIoException("getsockname", LibC.errno(errnoState));
        }
        return scratchAddress.get(NETWORK_SHORT, SIN_PORT) & 0xFFFF;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public boolean isIpv6()
    {
        return ipv6;
    }

    /**
     * The file descriptor, for poll sets and diagnostics; invalid after {@link #close()}.
     *
     * @return the descriptor.
     */
    public int fd()
    {
        return fd;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public boolean isClosed()
    {
        return closed;
    }

    /**
     * {@inheritDoc}
     * <p>
     * Staged datagrams not yet flushed are discarded.
     *
     * @throws NativeIoException when the kernel reports an error closing the descriptor; the memory is freed anyway.
     */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        final int result = LibC.close(errnoState, fd);
        final int errno = result < 0 ? LibC.errno(errnoState) : 0;
        for (final ReceivedDatagram datagram : receivedDatagrams)
        {
            datagram.buffer().wrap(EMPTY);
        }
        for (final UnsafeBuffer buffer : sendBuffers)
        {
            buffer.wrap(EMPTY);
        }
        receiveNames.wrap(EMPTY);
        sendNames.wrap(EMPTY);
        receiveHeaderFields.wrap(EMPTY);
        receiveIovecFields.wrap(EMPTY);
        sendHeaderFields.wrap(EMPTY);
        sendIovecFields.wrap(EMPTY);
        received = 0;
        receiveSlotsToReset = 0;
        sendRing.advance(sendRing.count());
        arena.close();
        // EINTR from close still released the descriptor on Linux; anything else means it was not ours.
        if (result < 0 && errno != Errno.EINTR)
        {
            throw new NativeIoException("close", errno);
        }
    }
}
