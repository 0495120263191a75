package io.turnstile.nativeio.xdp;

import io.turnstile.codec.PeerAddress;
import io.turnstile.nativeio.BatchSocket;
import io.turnstile.nativeio.Errno;
import io.turnstile.nativeio.LibC;
import io.turnstile.nativeio.NativeIoException;
import io.turnstile.nativeio.ReceivedDatagram;
import io.turnstile.nativeio.SendSlotRing;
import org.agrona.concurrent.UnsafeBuffer;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * A {@link BatchSocket} over an AF_XDP socket bound to one queue of a network device: the datagrams an XDP program
 * redirects to it (through an XSKMAP entry keyed by the queue) arrive as whole Ethernet frames in a UMEM, and replies
 * leave as frames, with no system call per datagram and none of the kernel's UDP path.
 * <pre>
 *  UMEM (frameCount x frameBytes, page aligned, off heap; registered with XDP_UMEM_REG)
 *  +---------+---------+---------+-- ... --+
 *  | frame 0 | frame 1 | frame 2 |         |        free frames: a stack of their offsets in this class
 *  +---------+---------+---------+-- ... --+
 *   fill ring  (user -&gt; kernel): free frames the kernel may receive into
 *   RX ring    (kernel -&gt; user): {addr, len} of received frames       -&gt; receive slots, then back to the free stack
 *   TX ring    (user -&gt; kernel): {addr, len} of reply frames          &lt;- send slots (one frame each)
 *   completion (kernel -&gt; user): frames the kernel finished sending  -&gt; back to the free stack
 * </pre>
 * {@link #receive()} returns last batch's frames, reaps completions, tops up the fill ring, then takes up to a batch of
 * RX descriptors; each frame is checked by {@link UdpFrame} (a frame that is not a well-formed, unfragmented UDP
 * datagram is dropped and counted in {@link #malformed()}), and its slot's {@link ReceivedDatagram} points at the UDP
 * payload in place, with the peer from the IP and UDP headers. A send slot is a frame of its own whose
 * {@link #sendBuffer(int)} starts {@link UdpFrame#IPV6_HEADERS_LENGTH} bytes in, so a reply is written once, where
 * it will be sent; {@link #stageReply} writes the Ethernet, IP and UDP headers in front of it from the received frame
 * (MACs, addresses, ports swapped, checksums). {@link #flush()} moves staged slots to the TX ring (each slot takes a
 * fresh frame), publishes them and kicks the kernel with {@code sendto(MSG_DONTWAIT)} whenever the TX ring holds
 * frames it has not consumed: in copy mode the kernel sends at most 32 per kick and returns EAGAIN for the rest, or
 * EBUSY when the device dropped one, so a kick after only new descriptors could leave the last frames stranded while
 * the fill ring runs dry (XDP.md, pitfall 2). Those errors are counted in {@link #kickBusy()} and retried on the next
 * flush; {@link #sendQueued()} includes unconsumed TX frames so an idle worker keeps flushing until they are gone.
 * <p>
 * Ring indices are read with acquire and written with release ({@link XskRing}); counters are plain fields of the
 * owning thread. The kernel's own drop counts ({@code XDP_STATISTICS}) are read by {@link #readStatistics()}.
 * <p>
 * {@link #stage(int, int, PeerAddress)} is not supported: an AF_XDP socket has no routing or neighbour table, so it
 * can only answer a frame it received; {@link XdpWorkerSocket} sends everything else through a kernel UDP socket.
 * <p>
 * <b>Note:</b> confined to the thread that constructs it (a confined {@link Arena} holds the UMEM and the structs);
 * needs CAP_NET_RAW (and an XDP program that redirects to it, which needs CAP_BPF and CAP_NET_ADMIN).
 * Zero-copy ({@link Context#zeroCopy(boolean)}) is the same code with the XDP_ZEROCOPY bind flag; it is untested
 * here, as veth refuses it with EOPNOTSUPP.
 */
public final class XdpBatchSocket implements BatchSocket
{
    /**
     * SO_BUSY_POLL's value: any above 0 switches busy polling on, and a non-blocking receive polls once whatever it is.
     */
    private static final int BUSY_POLL_MICROS = 50;
    // A queue's previous socket is freed in deferred work after its close: how long a bind waits for it, and how often
    // it tries again meanwhile.
    private static final long BIND_BUSY_RETRY_MS = 2_000;
    private static final long BIND_BUSY_PAUSE_MS = 20;
    private static final int DESC_BYTES = 16;
    private static final int ADDR_BYTES = 8;
    private static final int UMEM_REG_BYTES = 32;
    private static final int MMAP_OFFSETS_BYTES = 128;
    private static final int SOCKADDR_XDP_BYTES = 16;
    private static final int STATISTICS_BYTES = 48;
    private static final int STATISTICS_EVERY = 64;
    /** Bytes in front of a send slot's payload in its frame: room for the longest reply headers (IPv6). */
    public static final int HEADROOM = UdpFrame.IPV6_HEADERS_LENGTH;
    private static final byte[] EMPTY = new byte[0];

    private final Arena arena;
    private final MemorySegment errnoState;
    private final MemorySegment scratch;
    private final MemorySegment scratchLength;
    private final MemorySegment pollFd;
    private final int fd;
    private final int ifindex;
    private final int queueId;
    private final boolean zeroCopy;
    private final boolean needWakeup;
    private final boolean busyPoll;
    private final int batchSize;
    private final int frameBytes;
    private final long frameMask;
    private final int slotBytes;
    private final long umemAddress;
    private final long[] ringAddresses = new long[4];
    private final long[] ringLengths = new long[4];
    private final XskRing rx;
    private final XskRing tx;
    private final XskRing fill;
    private final XskRing completion;

    private final long[] freeFrames;
    private int freeCount;

    private final UdpFrame frame = new UdpFrame();
    private final UnsafeBuffer frameView = new UnsafeBuffer(EMPTY);
    private final UnsafeBuffer replyView = new UnsafeBuffer(EMPTY);
    private final UnsafeBuffer receivePeers;
    private final ReceivedDatagram[] receivedDatagrams;
    private final long[] receiveAddresses;
    private final int[] receiveLengths;
    private int received;

    private final SendSlotRing sendRing;
    private final long[] sendFrames;
    private final long[] sendDescAddresses;
    private final int[] sendDescLengths;
    private final UnsafeBuffer[] sendBuffers;

    private long receivedFrames;
    private long malformed;
    private long sent;
    private long sendWouldBlock;
    private long sendFailed;
    private long kickBusy;
    private long kicks;
    private int lastSendErrno;
    private int statisticsCountdown;
    private final long[] statistics = new long[6];
    private boolean closed;

    /**
     * Open the socket, register and map everything, and bind it to the device queue, on the calling thread.
     *
     * @param context configuration, concluded here.
     * @throws UnsupportedOperationException when the FFM bindings are unavailable (not x86-64 Linux).
     * @throws NativeIoException naming the step and errno when the kernel refuses (no AF_XDP, no privilege, no such
     *                           device or queue, zero-copy unsupported).
     */
    public XdpBatchSocket(final Context context)
    {
        if (!LibC.isAvailable() || !XdpLibC.isAvailable())
        {
            throw new UnsupportedOperationException("AF_XDP bindings need x86_64 Linux");
        }
        context.conclude();
        this.batchSize = context.batchSize();
        this.frameBytes = context.frameBytes();
        this.frameMask = ~((long)frameBytes - 1);
        this.slotBytes = frameBytes - HEADROOM;
        this.queueId = context.queueId();
        this.zeroCopy = context.zeroCopy();
        this.needWakeup = context.needWakeup();
        this.busyPoll = context.busyPoll();
        final int frameCount = context.frameCount();
        final int ringSize = context.ringSize();
        final int rxRingSize = context.rxRingSize();

        final Arena arena = Arena.ofConfined();
        this.arena = arena;
        final MemorySegment errnoState = arena.allocate(LibC.ERRNO_STATE_LAYOUT);
        this.errnoState = errnoState;
        int fd = -1;
        try
        {
            scratch = arena.allocate(MMAP_OFFSETS_BYTES, 8);
            scratchLength = arena.allocate(JAVA_INT);
            pollFd = arena.allocate(LibC.POLLFD);

            final MemorySegment name = arena.allocateFrom(context.interfaceName());
            ifindex = XdpLibC.ifNameToIndex(errnoState, name);
            if (ifindex == 0)
            {
                throw new NativeIoException(
                    "if_nametoindex " + context.interfaceName() + " (no such network device)", LibC.errno(errnoState));
            }
            fd = LibC.socket(errnoState, XdpLibC.AF_XDP, LibC.SOCK_RAW | LibC.SOCK_CLOEXEC, 0);
            if (fd < 0)
            {
                final int errno = LibC.errno(errnoState);
                throw new NativeIoException("socket(AF_XDP) " + (errno == Errno.EAFNOSUPPORT ?
                    "(kernel without AF_XDP sockets, CONFIG_XDP_SOCKETS)" : "(needs CAP_NET_RAW)"), errno);
            }
            this.fd = fd;

            final MemorySegment umem = arena.allocate((long)frameCount * frameBytes, 4096);
            umemAddress = umem.address();
            final MemorySegment reg = scratch.fill((byte)0);
            reg.set(JAVA_LONG, 0, umemAddress);
            reg.set(JAVA_LONG, 8, umem.byteSize());
            reg.set(JAVA_INT, 16, frameBytes);
            setOption(XdpLibC.XDP_UMEM_REG, reg, UMEM_REG_BYTES, "XDP_UMEM_REG");
            setRingSize(XdpLibC.XDP_UMEM_FILL_RING, ringSize, "XDP_UMEM_FILL_RING");
            setRingSize(XdpLibC.XDP_UMEM_COMPLETION_RING, ringSize, "XDP_UMEM_COMPLETION_RING");
            setRingSize(XdpLibC.XDP_RX_RING, rxRingSize, "XDP_RX_RING");
            setRingSize(XdpLibC.XDP_TX_RING, ringSize, "XDP_TX_RING");

            scratch.fill((byte)0);
            scratchLength.set(JAVA_INT, 0, MMAP_OFFSETS_BYTES);
            if (XdpLibC.getsockopt(errnoState, fd, XdpLibC.SOL_XDP, XdpLibC.XDP_MMAP_OFFSETS, scratch, scratchLength) < 0)
            {
                throw new NativeIoException("getsockopt XDP_MMAP_OFFSETS", LibC.errno(errnoState));
            }
            // struct xdp_mmap_offsets: rx, tx, fill, completion; each {producer, consumer, desc, flags} as u64.
            rx = map(0, rxRingSize, DESC_BYTES, XdpLibC.XDP_PGOFF_RX_RING, "RX");
            tx = map(1, ringSize, DESC_BYTES, XdpLibC.XDP_PGOFF_TX_RING, "TX");
            fill = map(2, ringSize, ADDR_BYTES, XdpLibC.XDP_UMEM_PGOFF_FILL_RING, "fill");
            completion = map(3, ringSize, ADDR_BYTES, XdpLibC.XDP_UMEM_PGOFF_COMPLETION_RING, "completion");

            freeFrames = new long[frameCount];
            for (int i = frameCount - 1; i >= 0; i--)
            {
                freeFrames[freeCount++] = (long)i * frameBytes;
            }
            sendRing = new SendSlotRing(batchSize, slotBytes);
            sendFrames = new long[batchSize];
            sendDescAddresses = new long[batchSize];
            sendDescLengths = new int[batchSize];
            sendBuffers = new UnsafeBuffer[batchSize];
            for (int i = 0; i < batchSize; i++)
            {
                sendFrames[i] = freeFrames[--freeCount];
                sendBuffers[i] = new UnsafeBuffer(umemAddress + sendFrames[i] + HEADROOM, slotBytes);
            }
            receivePeers = new UnsafeBuffer(new byte[PeerAddress.LENGTH * batchSize]);
            receivedDatagrams = new ReceivedDatagram[batchSize];
            receiveAddresses = new long[batchSize];
            receiveLengths = new int[batchSize];
            for (int i = 0; i < batchSize; i++)
            {
                receivedDatagrams[i] =
                    new ReceivedDatagram(new UnsafeBuffer(EMPTY), receivePeers, i * PeerAddress.LENGTH);
            }
            // The kernel may receive as soon as the socket is bound: give it frames first.
            refill();

            final MemorySegment address = scratch.fill((byte)0);
            address.set(JAVA_SHORT, 0, (short)XdpLibC.AF_XDP);
            address.set(JAVA_SHORT, 2, (short)((zeroCopy ? XdpLibC.XDP_ZEROCOPY : XdpLibC.XDP_COPY) |
                (context.needWakeup() ? XdpLibC.XDP_USE_NEED_WAKEUP : 0)));
            address.set(JAVA_INT, 4, ifindex);
            address.set(JAVA_INT, 8, queueId);
            bind(context, address);
            pollFd.set(JAVA_INT, 0, fd);
            pollFd.set(JAVA_SHORT, LibC.POLL_EVENTS_OFFSET, (short)LibC.POLLIN);
            if (busyPoll)
            {
                setSocketOption(XdpLibC.SO_PREFER_BUSY_POLL, 1, "SO_PREFER_BUSY_POLL");
                setSocketOption(XdpLibC.SO_BUSY_POLL, BUSY_POLL_MICROS, "SO_BUSY_POLL");
                setSocketOption(XdpLibC.SO_BUSY_POLL_BUDGET, batchSize, "SO_BUSY_POLL_BUDGET");
            }
        }
        catch (final RuntimeException | Error ex)
        {
            unmapRings();
            if (fd >= 0)
            {
                LibC.close(errnoState, fd);
            }
            arena.close();
            throw ex;
        }
    }

    private void setRingSize(final int option, final int size, final String name)
    {
        scratchLength.set(JAVA_INT, 0, size);
        setOption(option, scratchLength, Integer.BYTES, name + "=" + size);
    }

    /**
     * Bind to the device queue. The kernel frees a queue's previous socket in a deferred work item after its last
     * descriptor closes, so a server restarted at once (or a socket reopened in the same process) sees EBUSY for a
     * moment: that is retried for up to {@value #BIND_BUSY_RETRY_MS} ms before it is reported, as another socket
     * holding the queue.
     */
    private void bind(final Context context, final MemorySegment address)
    {
        final long startNs = System.nanoTime();
        boolean interrupted = false;
        while (LibC.bind(errnoState, fd, address, SOCKADDR_XDP_BYTES) < 0)
        {
            final int errno = LibC.errno(errnoState);
            final long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs);
            if (errno == XdpLibC.EBUSY && waitedMs < BIND_BUSY_RETRY_MS)
            {
                try
                {
                    Thread.sleep(BIND_BUSY_PAUSE_MS);
                    continue;
                }
                catch (final InterruptedException ex)
                {
                    Thread.currentThread().interrupt();
                    interrupted = true;
                }
            }
            throw new NativeIoException("bind AF_XDP " + context.interfaceName() + " queue " + queueId +
                (zeroCopy ? " zero-copy" : " copy mode") +
                (errno == XdpLibC.EOPNOTSUPP ? " (the driver does not support it)" :
                errno == Errno.EINVAL ? " (does the device have that many RX queues? one worker per queue)" :
                errno == XdpLibC.EBUSY ? " (the queue is held by another AF_XDP socket" +
                (zeroCopy ? " or a memory provider" : "") + "; still busy after " + waitedMs + " ms" +
                (interrupted ? ", interrupted" : "") + ")" : ""), errno);
        }
    }

    private void setSocketOption(final int option, final int value, final String name)
    {
        scratchLength.set(JAVA_INT, 0, value);
        if (LibC.setsockopt(errnoState, fd, LibC.SOL_SOCKET, option, scratchLength, Integer.BYTES) < 0)
        {
            final int errno = LibC.errno(errnoState);
            throw new NativeIoException("setsockopt " + name + "=" + value +
                (errno == Errno.EPERM ? " (busy polling needs CAP_NET_ADMIN)" :
                errno == Errno.ENOPROTOOPT ? " (the kernel was built without busy polling, CONFIG_NET_RX_BUSY_POLL)" :
                ""), errno);
        }
    }

    private void setOption(final int option, final MemorySegment value, final int length, final String name)
    {
        if (LibC.setsockopt(errnoState, fd, XdpLibC.SOL_XDP, option, value, length) < 0)
        {
            throw new NativeIoException("setsockopt " + name, LibC.errno(errnoState));
        }
    }

    // Mapping the kernel's ring memory is what --enable-native-access grants.
    @SuppressWarnings("restricted")
    private XskRing map(final int ring, final int size, final int entryBytes, final long pageOffset, final String name)
    {
        final long base = ring * 32L;
        final long producer = scratch.get(JAVA_LONG, base);
        final long consumer = scratch.get(JAVA_LONG, base + 8);
        final long desc = scratch.get(JAVA_LONG, base + 16);
        final long flags = scratch.get(JAVA_LONG, base + 24);
        final long length = desc + (long)size * entryBytes;
        final long address = XdpLibC.mmapShared(errnoState, length, fd, pageOffset);
        if (address == -1)
        {
            throw new NativeIoException("mmap " + name + " ring", LibC.errno(errnoState));
        }
        ringAddresses[ring] = address;
        ringLengths[ring] = length;
        return new XskRing(MemorySegment.ofAddress(address).reinterpret(length), producer, consumer, flags, desc,
            size, entryBytes);
    }

    private void unmapRings()
    {
        for (int i = 0; i < ringAddresses.length; i++)
        {
            if (ringAddresses[i] != 0)
            {
                XdpLibC.munmap(errnoState, ringAddresses[i], ringLengths[i]);
                ringAddresses[i] = 0;
            }
        }
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public int receive()
    {
        final long[] free = freeFrames;
        for (int i = 0, n = received; i < n; i++)
        {
            free[freeCount++] = receiveAddresses[i] & frameMask;
        }
        received = 0;
        reapCompletions();
        refill();
        if (busyPoll)
        {
            // Run the device's NAPI poll here, when the worker asks, instead of in a kernel thread scheduled against
            // it on the same core (the device defers its own polling while the worker keeps calling).
            XdpLibC.wakeReceive(errnoState, fd, LibC.MSG_DONTWAIT);
        }

        final XskRing rx = this.rx;
        final int available = rx.available(batchSize);
        int slots = 0;
        if (available > 0)
        {
            slots = readFrames(rx, available);
            rx.release(available);
        }
        if (zeroCopy && !busyPoll && fill.needsWakeup())
        {
            // Zero-copy drivers receive in their own context and may sleep on an empty fill ring: wake them.
            XdpLibC.wakeReceive(errnoState, fd, LibC.MSG_DONTWAIT);
        }
        if (--statisticsCountdown <= 0)
        {
            statisticsCountdown = STATISTICS_EVERY;
            readStatistics();
        }
        received = slots;
        receivedFrames += slots;
        return slots;
    }

    private int readFrames(final XskRing rx, final int available)
    {
        final UnsafeBuffer entries = rx.entries();
        final UdpFrame frame = this.frame;
        final UnsafeBuffer view = frameView;
        final long umem = umemAddress;
        int slots = 0;
        for (int i = 0; i < available; i++)
        {
            final int entry = rx.consumerEntry(i);
            final long address = entries.getLong(entry);
            final int length = entries.getInt(entry + 8);
            view.wrap(umem + address, length);
            if (frame.wrap(view, 0, length) == UdpFrame.VALID)
            {
                final ReceivedDatagram datagram = receivedDatagrams[slots];
                datagram.buffer().wrap(umem + address + frame.payloadOffset(), frame.payloadLength());
                datagram.length(frame.payloadLength());
                frame.writePeer(receivePeers, slots * PeerAddress.LENGTH);
                receiveAddresses[slots] = address;
                receiveLengths[slots] = length;
                slots++;
            }
            else
            {
                malformed++;
                freeFrames[freeCount++] = address & frameMask;
            }
        }
        return slots;
    }

    private void reapCompletions()
    {
        final XskRing completion = this.completion;
        final int done = completion.available(completion.size());
        if (done > 0)
        {
            final UnsafeBuffer entries = completion.entries();
            final long[] free = freeFrames;
            for (int i = 0; i < done; i++)
            {
                free[freeCount++] = entries.getLong(completion.consumerEntry(i)) & frameMask;
            }
            completion.release(done);
            sent += done;
        }
    }

    private void refill()
    {
        final XskRing fill = this.fill;
        final int count = Math.min(freeCount, fill.free(freeCount));
        if (count > 0)
        {
            final UnsafeBuffer entries = fill.entries();
            final long[] free = freeFrames;
            for (int i = 0; i < count; i++)
            {
                entries.putLong(fill.producerEntry(i), free[--freeCount]);
            }
            fill.submit(count);
        }
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
     * <p>
     * Writes the reply frame's headers in front of the payload now.
     */
    @Override
    public void stageReply(final int slot, final int length, final int receiveSlot)
    {
        sendRing.checkStage(slot, length);
        if (receiveSlot < 0 || receiveSlot >= received)
        {
            throw new IllegalArgumentException("receiveSlot must be 0 to " + (received - 1) + ", got " + receiveSlot);
        }
        final long address = receiveAddresses[receiveSlot];
        final int frameLength = receiveLengths[receiveSlot];
        frameView.wrap(umemAddress + address, frameLength);
        frame.wrap(frameView, 0, frameLength);
        final long sendFrame = sendFrames[slot];
        replyView.wrap(umemAddress + sendFrame, frameBytes);
        final int start = frame.writeReply(replyView, HEADROOM, length);
        sendDescAddresses[slot] = sendFrame + start;
        sendDescLengths[slot] = HEADROOM - start + length;
        sendRing.commit();
    }

    /**
     * Not supported: an AF_XDP socket has no route or neighbour to address a peer it has no frame from.
     *
     * @param slot   unused.
     * @param length unused.
     * @param peer   unused.
     * @throws UnsupportedOperationException always; send through a kernel socket ({@link XdpWorkerSocket} does).
     */
    @Override
    public void stage(final int slot, final int length, final PeerAddress peer)
    {
        throw new UnsupportedOperationException(
            "an AF_XDP socket only replies to frames it received (no routing or neighbour table): stage to " + peer +
            " through a kernel UDP socket");
    }

    /**
     * {@inheritDoc}
     * <p>
     * Moves staged replies to the TX ring and kicks the kernel; returns how many were moved. A full TX ring, or no
     * free frame to give the emptied slot, leaves the rest staged ({@link #sendWouldBlock()}).
     */
    @Override
    public int flush()
    {
        reapCompletions();
        final SendSlotRing sendRing = this.sendRing;
        final XskRing tx = this.tx;
        final int wanted = sendRing.count();
        int moved = 0;
        if (wanted > 0)
        {
            final int room = Math.min(Math.min(wanted, tx.free(wanted)), freeCount);
            final UnsafeBuffer entries = tx.entries();
            for (; moved < room; moved++)
            {
                final int slot = sendRing.head();
                final int entry = tx.producerEntry(moved);
                entries.putLong(entry, sendDescAddresses[slot]);
                entries.putInt(entry + 8, sendDescLengths[slot]);
                entries.putInt(entry + 12, 0);
                final long fresh = freeFrames[--freeCount];
                sendFrames[slot] = fresh;
                sendBuffers[slot].wrap(umemAddress + fresh + HEADROOM, slotBytes);
                sendRing.advance(1);
            }
            if (moved > 0)
            {
                tx.submit(moved);
            }
            if (moved < wanted)
            {
                sendWouldBlock++;
            }
        }
        kick();
        return moved;
    }

    private void kick()
    {
        if (tx.outstanding() == 0 || !needsKick())
        {
            return;
        }
        kicks++;
        if (XdpLibC.kick(errnoState, fd, LibC.MSG_DONTWAIT) < 0)
        {
            final int errno = LibC.errno(errnoState);
            if (errno == Errno.EAGAIN || errno == XdpLibC.EBUSY || errno == Errno.ENOBUFS || errno == Errno.EINTR)
            {
                // Copy mode: more than 32 frames queued (EAGAIN) or the device dropped one (EBUSY); the next flush
                // kicks again, since the TX ring still holds frames.
                kickBusy++;
                return;
            }
            if (errno == Errno.EBADF || errno == Errno.ENOTSOCK || errno == Errno.EFAULT)
            {
                throw new NativeIoException("sendto (AF_XDP TX kick)", errno);
            }
            // ENETDOWN, ENXIO...: the device went away or down; the frames stay queued, the cause is reported.
            lastSendErrno = errno;
            sendFailed++;
        }
    }

    private boolean needsKick()
    {
        // Copy mode always needs the system call to transmit; a zero-copy driver says when through the flag.
        return !zeroCopy || !needWakeup || tx.needsWakeup();
    }

    /**
     * Read the kernel's {@code XDP_STATISTICS} for this socket into the fields behind {@link #rxRingFull()} and the
     * others. Called by {@link #receive()} every 64 batches; call it before reading them for exact values.
     */
    public void readStatistics()
    {
        final MemorySegment stats = scratch;
        stats.fill((byte)0);
        scratchLength.set(JAVA_INT, 0, STATISTICS_BYTES);
        if (XdpLibC.getsockopt(errnoState, fd, XdpLibC.SOL_XDP, XdpLibC.XDP_STATISTICS, stats, scratchLength) == 0)
        {
            for (int i = 0; i < statistics.length; i++)
            {
                statistics[i] = stats.get(JAVA_LONG, i * 8L);
            }
        }
    }

    /**
     * Frames the kernel dropped for this socket for any reason ({@code rx_dropped}), as of {@link #readStatistics()}.
     *
     * @return count since bind.
     */
    public long rxDropped()
    {
        return statistics[0];
    }

    /**
     * Frames dropped because the RX ring was full ({@code rx_ring_full}): the worker did not keep up.
     *
     * @return count since bind, as of {@link #readStatistics()}.
     */
    public long rxRingFull()
    {
        return statistics[3];
    }

    /**
     * Frames dropped because the fill ring was empty ({@code rx_fill_ring_empty_descs}): no frame to receive into.
     *
     * @return count since bind, as of {@link #readStatistics()}.
     */
    public long fillRingEmpty()
    {
        return statistics[4];
    }

    /**
     * TX descriptors the kernel refused as invalid ({@code tx_invalid_descs}): always 0 unless this class is wrong.
     *
     * @return count since bind, as of {@link #readStatistics()}.
     */
    public long txInvalid()
    {
        return statistics[2];
    }

    /**
     * Frames received that were well-formed UDP datagrams, handed out as slots.
     *
     * @return count since open.
     */
    public long receivedFrames()
    {
        return receivedFrames;
    }

    /**
     * Frames received that were not well-formed, unfragmented UDP over IPv4 or IPv6, dropped.
     *
     * @return count since open.
     */
    public long malformed()
    {
        return malformed;
    }

    /**
     * TX kicks the kernel cut short (EAGAIN: more than it sends per call; EBUSY: the device dropped a frame).
     *
     * @return count since open.
     */
    public long kickBusy()
    {
        return kickBusy;
    }

    /**
     * TX kicks made ({@code sendto} calls).
     *
     * @return count since open.
     */
    public long kicks()
    {
        return kicks;
    }

    /**
     * {@inheritDoc}
     * <p>
     * Staged replies plus frames on the TX ring the kernel has not consumed yet (capped at {@link #batchSize()}),
     * so a worker with nothing to receive keeps flushing (kicking) until they are out.
     */
    @Override
    public int sendQueued()
    {
        return Math.min(batchSize, sendRing.count() + tx.outstanding());
    }

    /**
     * {@inheritDoc}
     * <p>
     * Counted from the completion ring: frames the kernel finished sending.
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
     * {@inheritDoc}
     * <p>
     * Always 0: a frame longer than the UMEM frame never reaches the socket (the kernel drops it, in
     * {@link #rxDropped()}).
     */
    @Override
    public long receiveTruncated()
    {
        return 0;
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
     * <p>
     * The UMEM frame less the headers of an IPv6 reply.
     */
    @Override
    public int slotBytes()
    {
        return slotBytes;
    }

    /**
     * Not meaningful for an AF_XDP socket, which is bound to a device queue, not a port.
     *
     * @return 0.
     */
    @Override
    public int localPort()
    {
        return 0;
    }

    /**
     * {@inheritDoc}
     * <p>
     * False: the socket takes IPv4 and IPv6 frames alike.
     */
    @Override
    public boolean isIpv6()
    {
        return false;
    }

    /**
     * Whether the kernel holds the socket as busy-polling: SO_PREFER_BUSY_POLL on and SO_BUSY_POLL above 0. Not for
     * the hot path (two system calls), and only on a kernel with busy polling.
     *
     * @return true when {@link Context#busyPoll(boolean)} took.
     */
    public boolean busyPolling()
    {
        return socketOption(XdpLibC.SO_PREFER_BUSY_POLL, "SO_PREFER_BUSY_POLL") != 0 &&
            socketOption(XdpLibC.SO_BUSY_POLL, "SO_BUSY_POLL") > 0;
    }

    private int socketOption(final int option, final String name)
    {
        scratchLength.set(JAVA_INT, 0, Integer.BYTES);
        if (XdpLibC.getsockopt(errnoState, fd, LibC.SOL_SOCKET, option, scratch, scratchLength) < 0)
        {
            throw new NativeIoException("getsockopt " + name, LibC.errno(errnoState));
        }
        return scratch.get(JAVA_INT, 0);
    }

    /**
     * The AF_XDP socket's descriptor, to put in the XSKMAP entry of its queue and in poll sets.
     *
     * @return the descriptor; invalid after {@link #close()}.
     */
    public int fd()
    {
        return fd;
    }

    /**
     * The device queue the socket is bound to (its XSKMAP key).
     *
     * @return the queue id.
     */
    public int queueId()
    {
        return queueId;
    }

    /**
     * The device's interface index.
     *
     * @return the ifindex.
     */
    public int ifindex()
    {
        return ifindex;
    }

    /**
     * The socket's counts and ring state, for diagnostics (allocates).
     *
     * @return e.g. {@code XdpBatchSocket{queue=0, rx=.., tx=.., ...}}.
     */
    @Override
    public String toString()
    {
        return "XdpBatchSocket{queue=" + queueId + ", rx=" + receivedFrames + ", malformed=" + malformed +
            ", tx=" + sent + ", kicks=" + kicks + ", kickBusy=" + kickBusy + ", staged=" + sendRing.count() +
            ", freeFrames=" + freeCount + ", rxDropped=" + statistics[0] + ", rxRingFull=" + statistics[3] +
            ", fillEmpty=" + statistics[4] + ", txInvalid=" + statistics[2] + "}";
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
     * Closing the descriptor unbinds the socket (the kernel removes it from any XSKMAP) and releases the UMEM.
     */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        unmapRings();
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
        frameView.wrap(EMPTY);
        replyView.wrap(EMPTY);
        received = 0;
        arena.close();
        if (result < 0 && errno != Errno.EINTR)
        {
            throw new NativeIoException("close", errno);
        }
    }

    /**
     * Configuration of an {@link XdpBatchSocket}: fluent setters, then {@link #conclude()} validates.
     */
    public static final class Context
    {
        /** Default bytes per UMEM frame (the kernel's smallest chunk; above any Ethernet MTU). */
        public static final int DEFAULT_FRAME_BYTES = 2048;
        /** Largest bytes per UMEM frame: a page. */
        public static final int MAX_FRAME_BYTES = 4096;
        /** Default entries of each ring. */
        public static final int DEFAULT_RING_SIZE = 2048;
        /** Default UMEM frames: twice RX + TX, measured to keep the fill ring from running dry (XDP.md). */
        public static final int DEFAULT_FRAME_COUNT = 8192;
        /** Default frames per batch. */
        public static final int DEFAULT_BATCH_SIZE = 64;

        private String interfaceName;
        private int queueId;
        private int batchSize = DEFAULT_BATCH_SIZE;
        private int frameBytes = DEFAULT_FRAME_BYTES;
        private int frameCount = DEFAULT_FRAME_COUNT;
        private int ringSize = DEFAULT_RING_SIZE;
        private int rxRingSize;
        private boolean zeroCopy;
        private boolean needWakeup = true;
        private boolean busyPoll;

        /**
         * Every value at its default until set; the interface must be.
         */
        public Context()
        {
        }

        /**
         * Validate.
         *
         * @return this.
         * @throws IllegalArgumentException naming the bad value.
         */
        public Context conclude()
        {
            if (null == interfaceName || interfaceName.isEmpty() || interfaceName.length() > 15)
            {
                throw new IllegalArgumentException("interfaceName must be a device name of 1 to 15 characters, got " +
                    interfaceName);
            }
            if (queueId < 0)
            {
                throw new IllegalArgumentException("queueId must be 0 or more, got " + queueId);
            }
            if (frameBytes != 2048 && frameBytes != 4096)
            {
                throw new IllegalArgumentException("frameBytes must be 2048 or 4096, got " + frameBytes);
            }
            if (ringSize < 64 || Integer.bitCount(ringSize) != 1 || ringSize > 65_536)
            {
                throw new IllegalArgumentException("ringSize must be a power of 2 from 64 to 65536, got " + ringSize);
            }
            if (0 == rxRingSize)
            {
                rxRingSize = ringSize;
            }
            if (rxRingSize < 64 || Integer.bitCount(rxRingSize) != 1 || rxRingSize > ringSize)
            {
                throw new IllegalArgumentException("rxRingSize must be a power of 2 from 64 to ringSize " + ringSize +
                    ", got " + rxRingSize);
            }
            if (batchSize < 1 || batchSize > rxRingSize)
            {
                throw new IllegalArgumentException(
                    "batchSize must be 1 to rxRingSize " + rxRingSize + ", got " + batchSize);
            }
            final long needed = 3L * ringSize + batchSize;
            if (frameCount < needed || (long)frameCount * frameBytes > Integer.MAX_VALUE)
            {
                // A UMEM no larger than the rings starves the fill ring while RX and TX hold frames (XDP.md pitfall).
                throw new IllegalArgumentException("frameCount must cover the fill, RX and TX rings and the send " +
                    "slots (at least " + needed + ") and stay below 2 GiB of UMEM, got " + frameCount);
            }
            return this;
        }

        /**
         * A copy of every value, e.g. a server's template for one worker's socket.
         *
         * @return a new context, not concluded.
         */
        public Context copy()
        {
            final Context copy = new Context();
            copy.interfaceName = interfaceName;
            copy.queueId = queueId;
            copy.batchSize = batchSize;
            copy.frameBytes = frameBytes;
            copy.frameCount = frameCount;
            copy.ringSize = ringSize;
            copy.rxRingSize = rxRingSize;
            copy.zeroCopy = zeroCopy;
            copy.needWakeup = needWakeup;
            copy.busyPoll = busyPoll;
            return copy;
        }

        /**
         * The network device.
         *
         * @param interfaceName e.g. {@code eth0}.
         * @return this.
         */
        public Context interfaceName(final String interfaceName)
        {
            this.interfaceName = Objects.requireNonNull(interfaceName, "interfaceName");
            return this;
        }

        /**
         * The network device.
         *
         * @return its name.
         */
        public String interfaceName()
        {
            return interfaceName;
        }

        /**
         * The device's RX/TX queue to bind (and the XSKMAP key the program redirects that queue's frames to).
         *
         * @param queueId 0 or more; default 0.
         * @return this.
         */
        public Context queueId(final int queueId)
        {
            this.queueId = queueId;
            return this;
        }

        /**
         * The device queue.
         *
         * @return the queue id.
         */
        public int queueId()
        {
            return queueId;
        }

        /**
         * Frames per receive batch, and send slots.
         *
         * @param batchSize 1 to the ring size; default {@value #DEFAULT_BATCH_SIZE}.
         * @return this.
         */
        public Context batchSize(final int batchSize)
        {
            this.batchSize = batchSize;
            return this;
        }

        /**
         * Frames per batch.
         *
         * @return the batch size.
         */
        public int batchSize()
        {
            return batchSize;
        }

        /**
         * Bytes per UMEM frame.
         *
         * @param frameBytes 2048 or 4096; default {@value #DEFAULT_FRAME_BYTES}.
         * @return this.
         */
        public Context frameBytes(final int frameBytes)
        {
            this.frameBytes = frameBytes;
            return this;
        }

        /**
         * Bytes per UMEM frame.
         *
         * @return the frame size.
         */
        public int frameBytes()
        {
            return frameBytes;
        }

        /**
         * UMEM frames.
         *
         * @param frameCount at least 3 x ring size + batch size; default {@value #DEFAULT_FRAME_COUNT}.
         * @return this.
         */
        public Context frameCount(final int frameCount)
        {
            this.frameCount = frameCount;
            return this;
        }

        /**
         * UMEM frames.
         *
         * @return the frame count.
         */
        public int frameCount()
        {
            return frameCount;
        }

        /**
         * Entries of each of the four rings (the RX ring may have fewer: {@link #rxRingSize(int)}).
         *
         * @param ringSize a power of 2, 64 to 65536; default {@value #DEFAULT_RING_SIZE}.
         * @return this.
         */
        public Context ringSize(final int ringSize)
        {
            this.ringSize = ringSize;
            return this;
        }

        /**
         * Entries of each ring.
         *
         * @return the ring size.
         */
        public int ringSize()
        {
            return ringSize;
        }

        /**
         * Entries of the RX ring alone, fewer than the others'. Why: under a flood a full RX ring is the queue a
         * hello waits in; the fill ring stays deep, or the kernel finds it empty during a burst and drops there
         * instead. The trade, measured in {@code scripts/bench --xdp} (rx1, 400 kpps, the NIC's receive work on the
         * worker's core, three one-repeat runs): legit HelloVerifyRequest p50 0.4-0.9 ms with 256-512 slots against
         * 1.4-5.1 ms with 2048, but 0.59-0.86x the replies, as a short ring overflows while the receive work has the
         * core.
         *
         * @param rxRingSize a power of 2 from 64 to {@link #ringSize()}; 0 (the default) for {@link #ringSize()}.
         * @return this.
         */
        public Context rxRingSize(final int rxRingSize)
        {
            this.rxRingSize = rxRingSize;
            return this;
        }

        /**
         * Entries of the RX ring.
         *
         * @return the RX ring size; 0 before {@link #conclude()} when it follows {@link #ringSize()}.
         */
        public int rxRingSize()
        {
            return rxRingSize;
        }

        /**
         * Bind in zero-copy mode (XDP_ZEROCOPY) instead of copy mode: only drivers with AF_XDP zero-copy support
         * accept it (bind fails with EOPNOTSUPP otherwise, e.g. on veth). Untested on this project's machines.
         *
         * @param zeroCopy default false.
         * @return this.
         */
        public Context zeroCopy(final boolean zeroCopy)
        {
            this.zeroCopy = zeroCopy;
            return this;
        }

        /**
         * Zero-copy mode.
         *
         * @return true for XDP_ZEROCOPY.
         */
        public boolean zeroCopy()
        {
            return zeroCopy;
        }

        /**
         * Bind with XDP_USE_NEED_WAKEUP, so the kernel says through the ring flags when it needs a system call.
         *
         * @param needWakeup default true.
         * @return this.
         */
        public Context needWakeup(final boolean needWakeup)
        {
            this.needWakeup = needWakeup;
            return this;
        }

        /**
         * XDP_USE_NEED_WAKEUP.
         *
         * @return the flag.
         */
        public boolean needWakeup()
        {
            return needWakeup;
        }

        /**
         * Preferred busy polling (SO_PREFER_BUSY_POLL, SO_BUSY_POLL, SO_BUSY_POLL_BUDGET = {@link #batchSize()}):
         * every receive runs the device's NAPI poll for the socket's queue once, in the worker's own non-blocking
         * system call, and the kernel leaves that queue to the worker while it keeps polling. An AF_XDP receive never
         * blocks, so SO_BUSY_POLL's microseconds play no part: busy polling is on or off. It pays only where the
         * device's receive work shares the worker's core; the device must defer its own polling for it to hold
         * ({@code /sys/class/net/DEV/napi_defer_hard_irqs} and {@code gro_flush_timeout}, see the kernel's
         * Documentation/networking/napi.rst), or the kernel polls the queue as before between the worker's calls.
         * Needs CAP_NET_ADMIN.
         *
         * @param busyPoll default false.
         * @return this.
         */
        public Context busyPoll(final boolean busyPoll)
        {
            this.busyPoll = busyPoll;
            return this;
        }

        /**
         * Preferred busy polling.
         *
         * @return true when on.
         */
        public boolean busyPoll()
        {
            return busyPoll;
        }
    }
}
