package io.turnstile.nativeio;

import io.turnstile.codec.PeerAddress;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A {@link BatchSocket} over a non-blocking {@link DatagramChannel}: the fallback where {@link LibC} is not
 * available, and a baseline to measure the native socket against.
 * <p>
 * The slots are direct buffers, so the channel copies nothing through the heap, but NIO still costs a system call
 * per datagram and an {@link InetSocketAddress} per received datagram (the JDK creates one, and it is kept to send
 * the reply back without creating another). Addresses are copied into a buffer of 16 bytes per slot; Java reports an
 * IPv4 peer of a dual-stack socket as IPv4, so lengths are 4 or 16 as the peer is. NIO does not say when a datagram
 * was truncated, so {@link #receiveTruncated()} stays 0. Nor does it expose the descriptor, so
 * {@link Context#dtlsFilter(boolean)} is ignored here (with one notice per process).
 * <p>
 * <b>Note:</b> not thread safe; use it on one thread.
 */
public final class NioBatchSocket implements BatchSocket
{
    private static final byte[] EMPTY = new byte[0];
    private static final AtomicBoolean FILTER_NOTICED = new AtomicBoolean();

    private final DatagramChannel channel;
    private final Selector selector;
    private final boolean ipv6;
    private final int batchSize;
    private final int slotBytes;

    private final ByteBuffer[] receiveSlices;
    private final ReceivedDatagram[] receivedDatagrams;
    private final InetSocketAddress[] sources;
    private final UnsafeBuffer peers;
    private int received;

    private final ByteBuffer[] sendSlices;
    private final UnsafeBuffer[] sendBuffers;
    private final int[] sendLengths;
    private final InetSocketAddress[] destinations;
    private final SendSlotRing sendRing;

    private long sent;
    private long sendWouldBlock;
    private long sendFailed;
    private String lastSendError;
    private boolean closed;

    /**
     * Open and bind a socket.
     *
     * @param context configuration, concluded here.
     * @throws UncheckedIOException when the channel cannot be opened, configured or bound.
     */
    public NioBatchSocket(final Context context)
    {
        context.conclude();
        final InetAddress bindAddress = context.bindAddress();
        this.ipv6 = bindAddress instanceof Inet6Address;
        this.batchSize = context.batchSize();
        this.slotBytes = context.slotBytes();
        this.sendRing = new SendSlotRing(batchSize, slotBytes);
        if (context.dtlsFilter() && FILTER_NOTICED.compareAndSet(false, true))
        {
            context.notice().accept("turnstile: the kernel DTLS pre-filter (SO_ATTACH_FILTER) needs the native " +
                "socket; NIO ignores it and the verifier drops non-DTLS datagrams in user space");
        }

        receiveSlices = new ByteBuffer[batchSize];
        final UnsafeBuffer[] receiveBuffers = slots(receiveSlices);
        peers = new UnsafeBuffer(new byte[PeerAddress.LENGTH * batchSize]);
        receivedDatagrams = new ReceivedDatagram[batchSize];
        for (int i = 0; i < batchSize; i++)
        {
            receivedDatagrams[i] = new ReceivedDatagram(receiveBuffers[i], peers, i * PeerAddress.LENGTH);
        }
        sources = new InetSocketAddress[batchSize];
        sendSlices = new ByteBuffer[batchSize];
        sendBuffers = slots(sendSlices);
        sendLengths = new int[batchSize];
        destinations = new InetSocketAddress[batchSize];

        DatagramChannel channel = null;
        Selector selector = null;
        try
        {
            channel = DatagramChannel.open(ipv6 ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET);
            channel.configureBlocking(false);
            if (context.reusePort() && channel.supportedOptions().contains(StandardSocketOptions.SO_REUSEPORT))
            {
                channel.setOption(StandardSocketOptions.SO_REUSEPORT, true);
            }
            channel.setOption(StandardSocketOptions.SO_RCVBUF, context.receiveBufferBytes());
            channel.setOption(StandardSocketOptions.SO_SNDBUF, context.sendBufferBytes());
            channel.bind(new InetSocketAddress(bindAddress, context.port()));
            selector = Selector.open();
            channel.register(selector, SelectionKey.OP_READ);
        }
        catch (final IOException ex)
        {
            closeQuietly(channel, selector);
            throw new UncheckedIOException(
                "open UDP socket on " + bindAddress.getHostAddress() + " port " + context.port(), ex);
        }
        this.channel = channel;
        this.selector = selector;
    }

    private UnsafeBuffer[] slots(final ByteBuffer[] slices)
    {
        final ByteBuffer memory = ByteBuffer.allocateDirect(slotBytes * batchSize);
        final UnsafeBuffer[] buffers = new UnsafeBuffer[batchSize];
        for (int i = 0; i < batchSize; i++)
        {
            slices[i] = memory.slice(i * slotBytes, slotBytes);
            buffers[i] = new UnsafeBuffer(slices[i]);
        }
        return buffers;
    }

    private static void closeQuietly(final DatagramChannel channel, final Selector selector)
    {
        try
        {
            if (null != selector)
            {
                selector.close();
            }
            if (null != channel)
            {
                channel.close();
            }
        }
        catch (final IOException ignore)
        {
            // Already failing with the cause that matters.
        }
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public int receive()
    {
        int count = 0;
        try
        {
            while (count < batchSize)
            {
                final ByteBuffer slice = receiveSlices[count].clear();
                final SocketAddress source = channel.receive(slice);
                if (null == source)
                {
                    break;
                }
                final InetSocketAddress peer = (InetSocketAddress)source;
                PeerAddress.encode(peers, count * PeerAddress.LENGTH, peer);
                sources[count] = peer;
                receivedDatagrams[count].length(slice.position());
                count++;
            }
        }
        catch (final IOException ex)
        {
            received = count;
            throw new UncheckedIOException("receive", ex);
        }
        for (int i = count; i < received; i++)
        {
            sources[i] = null;
        }
        received = count;
        return count;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public boolean awaitReceive(final int timeoutMs)
    {
        try
        {
            final int ready = timeoutMs == 0 ? selector.selectNow() :
                timeoutMs < 0 ? selector.select() : selector.select(timeoutMs);
            selector.selectedKeys().clear();
            return ready > 0;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("select", ex);
        }
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
        commit(slot, length, sources[receiveSlot]);
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void stage(final int slot, final int length, final PeerAddress peer)
    {
        sendRing.checkStage(slot, length);
        if (!ipv6 && !peer.isIpv4())
        {
            throw new IllegalArgumentException("an IPv4 socket sends to IPv4 (or IPv4-mapped) peers only, got " + peer);
        }
        // The NIO fallback allocates per datagram anyway (DatagramChannel.receive makes a socket address each time).
        commit(slot, length, peer.toSocketAddress());
    }

    private void commit(final int slot, final int length, final InetSocketAddress destination)
    {
        sendLengths[slot] = length;
        destinations[slot] = destination;
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
            final int slot = sendRing.head();
            final ByteBuffer slice = sendSlices[slot].clear().limit(sendLengths[slot]);
            try
            {
                if (channel.send(slice, destinations[slot]) == 0 && sendLengths[slot] > 0)
                {
                    sendWouldBlock++;
                    break;
                }
                sent++;
            }
            catch (final ClosedChannelException ex)
            {
                throw new UncheckedIOException("send on a closed socket", ex);
            }
            catch (final IOException ex)
            {
                lastSendError = ex.getMessage();
                sendFailed++;
            }
            destinations[slot] = null;
            sendRing.advance(1);
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
        return lastSendError;
    }

    /**
     * {@inheritDoc}
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
        try
        {
            return ((InetSocketAddress)channel.getLocalAddress()).getPort();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("local address", ex);
        }
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
     */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        received = 0;
        sendRing.advance(sendRing.count());
        Arrays.fill(sources, null);
        Arrays.fill(destinations, null);
        for (final ReceivedDatagram datagram : receivedDatagrams)
        {
            datagram.buffer().wrap(EMPTY);
        }
        for (final UnsafeBuffer buffer : sendBuffers)
        {
            buffer.wrap(EMPTY);
        }
        peers.wrap(EMPTY);
        try
        {
            selector.close();
            channel.close();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("close", ex);
        }
    }
}
