package io.turnstile.nativeio;

import io.turnstile.codec.PeerAddress;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;

/**
 * A {@link BatchSocket} without a kernel, so that a {@code VerifierAgent}'s whole duty cycle can be fuzzed and
 * measured on one thread: the test {@link #offer offers} datagrams with their source, {@link #receive()} hands them
 * out as one batch, and {@link #flush()} passes every staged datagram to a {@link Sink}.
 * <p>
 * Each received datagram is wrapped by a view exactly as long as the datagram, so a read past its end fails Agrona's
 * bounds check instead of reading the rest of the slot. Nothing is allocated per datagram. In this package because
 * {@link ReceivedDatagram} is made only here.
 */
public final class InMemoryBatchSocket implements BatchSocket
{
    private static final int PEER_STRIDE = PeerAddress.LENGTH + 1;

    private final int batchSize;
    private final int slotBytes;
    private final Sink sink;
    private final UnsafeBuffer receiveMemory;
    private final UnsafeBuffer[] receiveViews;
    private final UnsafeBuffer[] sendBuffers;
    private final UnsafeBuffer peers;
    private final UnsafeBuffer sendPeers;
    private final ReceivedDatagram[] received;
    private final PeerAddress[] sendPeerViews;
    private final int[] receiveLengths;
    private final int[] sendLengths;
    private final int[] sendReceiveSlots;
    private int pending;
    private int receivedCount;
    private int queued;
    private long sent;
    private boolean closed;

    /**
     * Told of every datagram the socket sends.
     */
    @FunctionalInterface
    public interface Sink
    {
        /**
         * One datagram sent.
         *
         * @param payload     buffer holding it.
         * @param length      of the payload.
         * @param peer        destination.
         * @param receiveSlot the received datagram it answers ({@link #stageReply}), or -1 ({@link #stage}).
         */
        void onSend(DirectBuffer payload, int length, PeerAddress peer, int receiveSlot);
    }

    /**
     * A socket with empty slots.
     *
     * @param batchSize datagrams per batch, and send slots.
     * @param slotBytes longest datagram each way.
     * @param sink      told of every datagram sent.
     */
    public InMemoryBatchSocket(final int batchSize, final int slotBytes, final Sink sink)
    {
        this.batchSize = batchSize;
        this.slotBytes = slotBytes;
        this.sink = sink;
        this.receiveMemory = new UnsafeBuffer(ByteBuffer.allocateDirect(batchSize * slotBytes));
        this.receiveViews = new UnsafeBuffer[batchSize];
        this.sendBuffers = new UnsafeBuffer[batchSize];
        for (int i = 0; i < batchSize; i++)
        {
            receiveViews[i] = new UnsafeBuffer(0, 0);
            sendBuffers[i] = new UnsafeBuffer(ByteBuffer.allocateDirect(slotBytes));
        }
        this.peers = new UnsafeBuffer(ByteBuffer.allocateDirect(batchSize * PEER_STRIDE + 1));
        this.sendPeers = new UnsafeBuffer(ByteBuffer.allocateDirect(batchSize * PeerAddress.LENGTH));
        this.received = new ReceivedDatagram[batchSize];
        this.sendPeerViews = new PeerAddress[batchSize];
        for (int i = 0; i < batchSize; i++)
        {
            // Odd, unaligned peer offsets: the readers must use the view they are given.
            received[i] = new ReceivedDatagram(receiveViews[i], peers, 1 + i * PEER_STRIDE);
            sendPeerViews[i] = new PeerAddress().wrap(sendPeers, i * PeerAddress.LENGTH);
        }
        this.receiveLengths = new int[batchSize];
        this.sendLengths = new int[batchSize];
        this.sendReceiveSlots = new int[batchSize];
    }

    /**
     * Queue a datagram for the next {@link #receive()}.
     *
     * @param datagram buffer holding it.
     * @param offset   of the datagram.
     * @param length   of the datagram, at most the slot size.
     * @param peer     its source.
     * @return false when a whole batch is already queued.
     */
    public boolean offer(final DirectBuffer datagram, final int offset, final int length, final PeerAddress peer)
    {
        if (pending == batchSize)
        {
            return false;
        }
        if (length > slotBytes)
        {
            throw new IllegalArgumentException("datagram of " + length + " bytes, slots of " + slotBytes);
        }
        final int slot = pending++;
        receiveMemory.putBytes(slot * slotBytes, datagram, offset, length);
        receiveLengths[slot] = length;
        peer.copyTo(peers, 1 + slot * PEER_STRIDE);
        return true;
    }

    /**
     * Datagrams queued for the next {@link #receive()}.
     *
     * @return 0 to the batch size.
     */
    public int pending()
    {
        return pending;
    }

    /**
     * Forget everything queued or staged; the counts go on, as the agent that opened the socket expects.
     */
    public void reset()
    {
        pending = 0;
        receivedCount = 0;
        queued = 0;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public int receive()
    {
        receivedCount = pending;
        pending = 0;
        for (int i = 0; i < receivedCount; i++)
        {
            receiveViews[i].wrap(receiveMemory.addressOffset() + (long)i * slotBytes, receiveLengths[i]);
            received[i].length(receiveLengths[i]);
        }
        return receivedCount;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public boolean awaitReceive(final int timeoutMs)
    {
        return pending > 0;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public ReceivedDatagram received(final int slot)
    {
        return received[checkReceived(slot)];
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public int nextSendSlot()
    {
        return queued < batchSize ? queued : -1;
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
        stage(slot, length, received[checkReceived(receiveSlot)].peer());
        sendReceiveSlots[slot] = receiveSlot;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void stage(final int slot, final int length, final PeerAddress peer)
    {
        if (slot != queued || length < 0 || length > slotBytes)
        {
            throw new IllegalArgumentException("stage(" + slot + ", " + length + ") with " + queued + " queued");
        }
        sendLengths[slot] = length;
        peer.copyTo(sendPeers, slot * PeerAddress.LENGTH);
        sendReceiveSlots[slot] = -1;
        queued++;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public int flush()
    {
        final int sent = queued;
        for (int i = 0; i < sent; i++)
        {
            sink.onSend(sendBuffers[i], sendLengths[i], sendPeerViews[i], sendReceiveSlots[i]);
        }
        queued = 0;
        this.sent += sent;
        return sent;
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
    public int sendQueued()
    {
        return queued;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public long sendWouldBlock()
    {
        return 0;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public long sendFailed()
    {
        return 0;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public String lastSendError()
    {
        return null;
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
        return 4433;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public boolean isIpv6()
    {
        return true;
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
        closed = true;
    }

    private int checkReceived(final int slot)
    {
        if (slot < 0 || slot >= receivedCount)
        {
            throw new IllegalArgumentException("receive slot " + slot + " of " + receivedCount);
        }
        return slot;
    }
}
