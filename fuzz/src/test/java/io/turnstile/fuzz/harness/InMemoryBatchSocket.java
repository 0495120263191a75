package io.turnstile.fuzz.harness;

import io.turnstile.nativeio.BatchSocket;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;

/**
 * A {@link BatchSocket} without a kernel, so that a {@code VerifierAgent}'s whole duty cycle can be fuzzed and
 * measured on one thread: the test {@link #offer offers} datagrams with their source, {@link #receive()} hands them
 * out as one batch, and {@link #flush()} passes every staged datagram to a {@link Sink}.
 * <p>
 * Each received datagram is wrapped by a view exactly as long as the datagram, so a read past its end fails Agrona's
 * bounds check instead of reading the rest of the slot. Nothing is allocated per datagram.
 */
public final class InMemoryBatchSocket implements BatchSocket
{
    private static final int ADDRESS_STRIDE = 19;

    private final int batchSize;
    private final int slotBytes;
    private final Sink sink;
    private final UnsafeBuffer receiveMemory;
    private final UnsafeBuffer[] receiveViews;
    private final UnsafeBuffer[] sendBuffers;
    private final UnsafeBuffer addresses;
    private final UnsafeBuffer sendAddresses;
    private final int[] receiveLengths;
    private final int[] addressLengths;
    private final int[] ports;
    private final int[] sendLengths;
    private final int[] sendAddressLengths;
    private final int[] sendPorts;
    private final int[] sendReceiveSlots;
    private int pending;
    private int received;
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
         * @param payload       buffer holding it.
         * @param length        of the payload.
         * @param address       destination address.
         * @param addressOffset of the address.
         * @param addressLength 4 or 16.
         * @param port          destination port.
         * @param receiveSlot   the received datagram it answers ({@link #stageReply}), or -1 ({@link #stage}).
         */
        void onSend(
            DirectBuffer payload,
            int length,
            DirectBuffer address,
            int addressOffset,
            int addressLength,
            int port,
            int receiveSlot);
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
        this.addresses = new UnsafeBuffer(ByteBuffer.allocateDirect(batchSize * ADDRESS_STRIDE + 16));
        this.sendAddresses = new UnsafeBuffer(ByteBuffer.allocateDirect(batchSize * 16));
        this.receiveLengths = new int[batchSize];
        this.addressLengths = new int[batchSize];
        this.ports = new int[batchSize];
        this.sendLengths = new int[batchSize];
        this.sendAddressLengths = new int[batchSize];
        this.sendPorts = new int[batchSize];
        this.sendReceiveSlots = new int[batchSize];
    }

    /**
     * Queue a datagram for the next {@link #receive()}.
     *
     * @param datagram      buffer holding it.
     * @param offset        of the datagram.
     * @param length        of the datagram, at most the slot size.
     * @param address       source address.
     * @param addressOffset of the address.
     * @param addressLength 4 or 16.
     * @param port          source port.
     * @return false when a whole batch is already queued.
     */
    public boolean offer(
        final DirectBuffer datagram,
        final int offset,
        final int length,
        final DirectBuffer address,
        final int addressOffset,
        final int addressLength,
        final int port)
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
        // Odd, unaligned address offsets: the readers must use the offset they are given.
        addresses.putBytes(addressOffset(slot), address, addressOffset, addressLength);
        addressLengths[slot] = addressLength;
        ports[slot] = port;
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
        received = 0;
        queued = 0;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public int receive()
    {
        received = pending;
        pending = 0;
        for (int i = 0; i < received; i++)
        {
            receiveViews[i].wrap(receiveMemory.addressOffset() + (long)i * slotBytes, receiveLengths[i]);
        }
        return received;
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
    public UnsafeBuffer receiveBuffer(final int slot)
    {
        return receiveViews[checkReceived(slot)];
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public int receiveLength(final int slot)
    {
        return receiveLengths[checkReceived(slot)];
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public DirectBuffer addressBuffer()
    {
        return addresses;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public int addressOffset(final int slot)
    {
        return 3 + slot * ADDRESS_STRIDE;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public int addressLength(final int slot)
    {
        return addressLengths[checkReceived(slot)];
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public int port(final int slot)
    {
        return ports[checkReceived(slot)];
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
        checkReceived(receiveSlot);
        stage(slot, length, addresses, addressOffset(receiveSlot), addressLengths[receiveSlot], ports[receiveSlot]);
        sendReceiveSlots[slot] = receiveSlot;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void stage(
        final int slot,
        final int length,
        final DirectBuffer address,
        final int addressOffset,
        final int addressLength,
        final int port)
    {
        if (slot != queued || length < 0 || length > slotBytes || (addressLength != 4 && addressLength != 16) ||
            port < 0 || port > 0xFFFF)
        {
            throw new IllegalArgumentException("stage(" + slot + ", " + length + ", " + addressLength + ", " + port +
                ") with " + queued + " queued");
        }
        sendLengths[slot] = length;
        sendAddresses.putBytes(slot * 16, address, addressOffset, addressLength);
        sendAddressLengths[slot] = addressLength;
        sendPorts[slot] = port;
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
            sink.onSend(sendBuffers[i], sendLengths[i], sendAddresses, i * 16, sendAddressLengths[i], sendPorts[i],
                sendReceiveSlots[i]);
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
        if (slot < 0 || slot >= received)
        {
            throw new IllegalArgumentException("receive slot " + slot + " of " + received);
        }
        return slot;
    }
}
