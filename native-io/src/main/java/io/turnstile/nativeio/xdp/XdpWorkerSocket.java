package io.turnstile.nativeio.xdp;

import io.turnstile.codec.PeerAddress;
import io.turnstile.nativeio.BatchSocket;
import io.turnstile.nativeio.Errno;
import io.turnstile.nativeio.LibC;
import io.turnstile.nativeio.MmsgBatchSocket;
import io.turnstile.nativeio.NativeIoException;
import io.turnstile.nativeio.ReceivedDatagram;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * One worker's socket with {@code --xdp}: the AF_XDP socket of its device queue, which gets what the XDP program
 * redirects (epoch-0 ClientHellos), and a kernel UDP socket on the served address and port (SO_REUSEPORT), which gets
 * everything the program passes (the handshake after verification, application data), behind one
 * {@link BatchSocket}, so {@code VerifierAgent} runs unchanged.
 * <pre>
 *  receive slots:  [ 0 .. a-1 : AF_XDP frames ][ a .. a+k-1 : kernel socket datagrams ]
 *  send slots:     the AF_XDP socket's (a reply is written once, in the frame it leaves in)
 *  stageReply(s, n, i):  i &lt; a  -&gt; AF_XDP TX ring (headers built from frame i)
 *                        i &gt;= a -&gt; copied into a kernel send slot, sendmmsg to the datagram's source
 *  stage(s, n, peer):    kernel socket (the AF_XDP socket has no route to a peer it has no frame from)
 * </pre>
 * A receive takes a batch from the AF_XDP socket and, every {@value #KERNEL_RECEIVE_EVERY}th time or when the last
 * {@link #awaitReceive(int)} found it readable, one from the kernel socket, so a {@link #receive()} may return up to
 * twice {@link #batchSize()}. Why not every time: looking at the AF_XDP rings costs a few loads, the kernel socket a
 * {@code recvmmsg} system call, which an idle or lightly loaded worker would otherwise pay on every duty cycle (about
 * as much again as answering a hello); what the kernel socket carries (the handshake after verification) waits at
 * most that many duty cycles under load, and not at all after a sleep, since {@code poll(2)} says which socket woke
 * it. The worker's {@link XskCounter}s are published once per receive, as deltas.
 * <p>
 * <b>Note:</b> confined to the thread that constructs it, like both sockets inside.
 */
public final class XdpWorkerSocket implements BatchSocket
{
    /** Receives between two looks at the kernel socket while nothing said it is readable. */
    public static final int KERNEL_RECEIVE_EVERY = 8;

    private final XdpBatchSocket xsk;
    private final MmsgBatchSocket kernel;
    private final AtomicCounter[] counters;
    private final long[] published = new long[XskCounter.values().length];
    private final Arena arena;
    private final MemorySegment errnoState;
    private final MemorySegment pollFds;
    private int xskReceived;
    private int kernelCountdown;
    private boolean kernelReadable;
    private long kernelSlotsFull;
    private long passed;
    private boolean closed;

    /**
     * Open both sockets on the calling thread.
     *
     * @param xdp      the AF_XDP socket's configuration (device, queue), concluded here.
     * @param udp      the kernel socket's (address, port; SO_REUSEPORT must stay on), concluded here.
     * @param counters from {@link XskCounter#allocate}, or null for none.
     * @throws NativeIoException when either cannot be opened; nothing stays open then.
     */
    public XdpWorkerSocket(final XdpBatchSocket.Context xdp, final BatchSocket.Context udp, final AtomicCounter[] counters)
    {
        this.counters = counters;
        final XdpBatchSocket xsk = new XdpBatchSocket(xdp);
        try
        {
            this.kernel = new MmsgBatchSocket(udp);
        }
        catch (final RuntimeException | Error ex)
        {
            xsk.close();
            throw ex;
        }
        this.xsk = xsk;
        this.arena = Arena.ofConfined();
        this.errnoState = arena.allocate(LibC.ERRNO_STATE_LAYOUT);
        final long pollFdBytes = LibC.POLLFD.byteSize();
        this.pollFds = arena.allocate(LibC.POLLFD, 2);
        pollFds.set(JAVA_INT, 0, xsk.fd());
        pollFds.set(JAVA_SHORT, LibC.POLL_EVENTS_OFFSET, (short)LibC.POLLIN);
        pollFds.set(JAVA_INT, pollFdBytes, kernel.fd());
        pollFds.set(JAVA_SHORT, pollFdBytes + LibC.POLL_EVENTS_OFFSET, (short)LibC.POLLIN);
    }

    /**
     * The AF_XDP socket, e.g. to register its descriptor in the XSKMAP entry of its queue.
     *
     * @return the socket.
     */
    public XdpBatchSocket xdpSocket()
    {
        return xsk;
    }

    /**
     * The kernel UDP socket for passed traffic.
     *
     * @return the socket.
     */
    public MmsgBatchSocket kernelSocket()
    {
        return kernel;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public int receive()
    {
        final int fromXsk = xsk.receive();
        xskReceived = fromXsk;
        int fromKernel = 0;
        if (kernelReadable || --kernelCountdown <= 0)
        {
            kernelCountdown = KERNEL_RECEIVE_EVERY;
            fromKernel = kernel.receive();
            // A full batch may have left more behind.
            kernelReadable = fromKernel == kernel.batchSize();
        }
        passed += fromKernel;
        if (null != counters)
        {
            publish();
        }
        return fromXsk + fromKernel;
    }

    private void publish()
    {
        final XdpBatchSocket xsk = this.xsk;
        add(XskCounter.RX, xsk.receivedFrames());
        add(XskCounter.TX, xsk.sent());
        add(XskCounter.MALFORMED, xsk.malformed());
        add(XskCounter.RING_FULL, xsk.rxRingFull());
        add(XskCounter.FILL_EMPTY, xsk.fillRingEmpty());
        add(XskCounter.KERNEL_DROPPED, xsk.rxDropped());
        add(XskCounter.KICK_BUSY, xsk.kickBusy());
        add(XskCounter.PASSED, passed);
    }

    private void add(final XskCounter counter, final long total)
    {
        final int index = counter.ordinal();
        final long delta = total - published[index];
        if (delta != 0)
        {
            counters[index].getAndAddRelease(delta);
            published[index] = total;
        }
    }

    /**
     * {@inheritDoc}
     * <p>
     * Waits on both sockets.
     */
    @Override
    public boolean awaitReceive(final int timeoutMs)
    {
        final long pollFdBytes = LibC.POLLFD.byteSize();
        pollFds.set(JAVA_SHORT, LibC.POLL_REVENTS_OFFSET, (short)0);
        pollFds.set(JAVA_SHORT, pollFdBytes + LibC.POLL_REVENTS_OFFSET, (short)0);
        final int result = LibC.poll(errnoState, pollFds, 2, timeoutMs < 0 ? -1 : timeoutMs);
        if (pollFds.get(JAVA_SHORT, pollFdBytes + LibC.POLL_REVENTS_OFFSET) != 0)
        {
            // Readable, or an error for its next receive to report.
            kernelReadable = true;
        }
        if (result < 0)
        {
            final int errno = LibC.errno(errnoState);
            if (errno == Errno.EINTR)
            {
                return false;
            }
            throw new NativeIoException("poll", errno);
        }
        return result > 0;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public ReceivedDatagram received(final int slot)
    {
        return slot < xskReceived ? xsk.received(slot) : kernel.received(slot - xskReceived);
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public int nextSendSlot()
    {
        return xsk.nextSendSlot();
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public UnsafeBuffer sendBuffer(final int slot)
    {
        return xsk.sendBuffer(slot);
    }

    /**
     * {@inheritDoc}
     * <p>
     * A reply to an AF_XDP frame goes out on its TX ring; a reply to a kernel datagram is copied into a kernel send
     * slot (counted in {@link #sendWouldBlock()} and dropped when those are all queued even after a flush).
     */
    @Override
    public void stageReply(final int slot, final int length, final int receiveSlot)
    {
        if (receiveSlot < xskReceived)
        {
            xsk.stageReply(slot, length, receiveSlot);
            return;
        }
        checkSlot(slot, length);
        final int kernelSlot = kernelSlot();
        if (kernelSlot >= 0)
        {
            kernel.sendBuffer(kernelSlot).putBytes(0, xsk.sendBuffer(slot), 0, length);
            kernel.stageReply(kernelSlot, length, receiveSlot - xskReceived);
        }
    }

    /**
     * {@inheritDoc}
     * <p>
     * Through the kernel socket.
     */
    @Override
    public void stage(final int slot, final int length, final PeerAddress peer)
    {
        checkSlot(slot, length);
        final int kernelSlot = kernelSlot();
        if (kernelSlot >= 0)
        {
            kernel.sendBuffer(kernelSlot).putBytes(0, xsk.sendBuffer(slot), 0, length);
            kernel.stage(kernelSlot, length, peer);
        }
    }

    private void checkSlot(final int slot, final int length)
    {
        if (slot != xsk.nextSendSlot() || slot < 0)
        {
            throw new IllegalArgumentException("slot must be the next send slot " + xsk.nextSendSlot() + ", got " + slot);
        }
        if (length < 0 || length > slotBytes())
        {
            throw new IllegalArgumentException("length must be 0 to " + slotBytes() + ", got " + length);
        }
    }

    private int kernelSlot()
    {
        int kernelSlot = kernel.nextSendSlot();
        if (kernelSlot < 0)
        {
            kernel.flush();
            kernelSlot = kernel.nextSendSlot();
            if (kernelSlot < 0)
            {
                kernelSlotsFull++;
            }
        }
        return kernelSlot;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public int flush()
    {
        return xsk.flush() + kernel.flush();
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public int sendQueued()
    {
        return Math.min(batchSize(), xsk.sendQueued() + kernel.sendQueued());
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public long sent()
    {
        return xsk.sent() + kernel.sent();
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public long sendWouldBlock()
    {
        return xsk.sendWouldBlock() + kernel.sendWouldBlock() + kernelSlotsFull;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public long sendFailed()
    {
        return xsk.sendFailed() + kernel.sendFailed();
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public String lastSendError()
    {
        final String kernelError = kernel.lastSendError();
        return null != kernelError ? kernelError : xsk.lastSendError();
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public long receiveTruncated()
    {
        return kernel.receiveTruncated();
    }

    /**
     * {@inheritDoc}
     * <p>
     * The AF_XDP socket's batch (and send slots); a receive may return this many from each socket.
     */
    @Override
    public int batchSize()
    {
        return xsk.batchSize();
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public int slotBytes()
    {
        return Math.min(xsk.slotBytes(), kernel.slotBytes());
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public int localPort()
    {
        return kernel.localPort();
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public boolean isIpv6()
    {
        return kernel.isIpv6();
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
     */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        try
        {
            xsk.close();
        }
        finally
        {
            try
            {
                kernel.close();
            }
            finally
            {
                arena.close();
            }
        }
    }
}
