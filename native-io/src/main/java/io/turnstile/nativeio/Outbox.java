package io.turnstile.nativeio;

import io.turnstile.codec.PeerAddress;
import org.agrona.BitUtil;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.ControlledMessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Datagrams other threads (a DTLS session's thread, typically) ask one worker to send to a peer from its socket: the
 * send queue, and only that. Commands that change what the worker knows (release or accept a peer) go through its
 * {@link PeerCommands}, a queue of their own, so a burst of sends can never crowd a release out.
 * <p>
 * Any number of threads offer; the one worker drains, a bounded number of messages per duty cycle, straight into its
 * socket's send slots (see {@link VerifierAgent}). The queue is an Agrona {@link ManyToOneRingBuffer}, so offers are
 * lock-free, never block, and copy the payload once, into the ring; a full ring refuses the offer, which returns false
 * and is counted in {@link #rejected()}. Each message is one ring record:
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +---------------------------------------------------------------+  msgTypeId SEND (1)
 * |       peer: the 18-byte {@link PeerAddress} (address 16,      |
 * +       IPv4 as ::ffff:a.b.c.d, then port 2)                    +
 * |                                                            ...|
 * +---------------------------------------------------------------+
 * |       payload: the datagram, as many bytes                    |
 * |       as the record length says                            ...|
 * +---------------------------------------------------------------+
 * </pre>
 * The longest payload is {@link #maxPayloadLength()}: the smaller of the socket slot size given at construction and
 * what one ring record can hold (an eighth of the ring, less the header). A longer one is API misuse and refused
 * with an {@link IllegalArgumentException}. A worker checks, when it is built, that its socket's slots can hold it
 * ({@link VerifierAgent.Context#slotBytes(int)}).
 * <p>
 * <b>Note:</b> one outbox per worker: sends leave from that worker's socket, so offer to the worker whose peer it is.
 */
public final class Outbox
{
    /** Message type of a datagram to send. */
    public static final int SEND = 1;
    /** Offset of the peer in a record. */
    public static final int PEER_OFFSET = 0;
    /** Offset of the payload in a SEND record. */
    public static final int PAYLOAD_OFFSET = PEER_OFFSET + PeerAddress.LENGTH;
    /** Smallest ring: big enough for a few default-slot datagrams, since one record may use an eighth of it. */
    public static final int MIN_CAPACITY_BYTES = 1024;

    private final ManyToOneRingBuffer ring;
    private final int maxPayloadLength;
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong undeliverable = new AtomicLong();
    private final ControlledMessageHandler drainer = this::onMessage;
    private final PeerAddress drainPeer = new PeerAddress();

    private BatchSocket drainSocket;
    private int drainSent;
    private boolean drainBlocked;

    /**
     * An empty outbox for payloads up to the default socket slot, {@value BatchSocket.Context#DEFAULT_SLOT_BYTES}.
     *
     * @param capacityBytes ring size, a power of two of at least {@value #MIN_CAPACITY_BYTES}.
     * @throws IllegalArgumentException when capacityBytes is not.
     */
    public Outbox(final int capacityBytes)
    {
        this(capacityBytes, BatchSocket.Context.DEFAULT_SLOT_BYTES);
    }

    /**
     * An empty outbox for payloads up to a given size, for workers whose sockets have larger or smaller slots.
     *
     * @param capacityBytes  ring size, a power of two of at least {@value #MIN_CAPACITY_BYTES}.
     * @param slotBytes      slot size of the socket that will drain it: the longest payload accepted, unless a ring
     *                       record is smaller.
     * @throws IllegalArgumentException when a value is out of range.
     */
    public Outbox(final int capacityBytes, final int slotBytes)
    {
        if (capacityBytes < MIN_CAPACITY_BYTES || !BitUtil.isPowerOfTwo(capacityBytes) || capacityBytes > 1 << 30)
        {
            throw new IllegalArgumentException(
                "capacityBytes must be a power of two from " + MIN_CAPACITY_BYTES + " to 2^30, got " + capacityBytes);
        }
        if (slotBytes < 1 || slotBytes > BatchSocket.Context.MAX_SLOT_BYTES)
        {
            throw new IllegalArgumentException(
                "slotBytes must be 1 to " + BatchSocket.Context.MAX_SLOT_BYTES + ", got " + slotBytes);
        }
        this.ring = new ManyToOneRingBuffer(new UnsafeBuffer(
            ByteBuffer.allocateDirect(capacityBytes + RingBufferDescriptor.TRAILER_LENGTH)));
        this.maxPayloadLength = Math.min(slotBytes, ring.maxMsgLength() - PAYLOAD_OFFSET);
    }

    /**
     * Ask the worker to send a datagram to a peer; callable from any thread, never blocks, allocates nothing.
     *
     * @param peer    the peer's address and port; copied before this returns.
     * @param payload buffer holding the datagram; copied before this returns.
     * @param offset  of the datagram in payload.
     * @param length  of the datagram, 0 to {@link #maxPayloadLength()}.
     * @return true when queued; false when the outbox is full (counted in {@link #rejected()}).
     * @throws IllegalArgumentException when the length is out of range.
     */
    public boolean offerSend(final PeerAddress peer, final DirectBuffer payload, final int offset, final int length)
    {
        checkPayload(payload, offset, length);
        final int index = claim(SEND, PAYLOAD_OFFSET + length);
        if (index < 0)
        {
            return false;
        }
        final MutableDirectBuffer buffer = ring.buffer();
        peer.copyTo(buffer, index + PEER_OFFSET);
        buffer.putBytes(index + PAYLOAD_OFFSET, payload, offset, length);
        ring.commit(index);
        return true;
    }

    /**
     * Offers refused because the outbox was full.
     *
     * @return count since construction; readable from any thread.
     */
    public long rejected()
    {
        return rejected.get();
    }

    /**
     * SEND messages the worker dropped because its socket cannot send them: a native IPv6 address on an IPv4 socket,
     * or a payload longer than the socket's slot (an outbox built for larger slots). The worker never throws on them.
     *
     * @return count since construction; readable from any thread.
     */
    public long undeliverable()
    {
        return undeliverable.get();
    }

    /**
     * The longest payload {@link #offerSend} accepts.
     *
     * @return bytes.
     */
    public int maxPayloadLength()
    {
        return maxPayloadLength;
    }

    /**
     * Bytes queued and not yet drained, approximately when producers are active.
     *
     * @return bytes, records and their headers.
     */
    public int size()
    {
        return ring.size();
    }

    /**
     * Worker side: move up to {@code limit} datagrams into the socket's send slots, flushing the socket when its send
     * slots run out. When a flush cannot free a slot (EAGAIN) the
     * message stays queued for the next call, so nothing is lost or sent twice. Allocates nothing.
     * <p>
     * <b>Note:</b> only the one worker thread that owns the socket may call this.
     *
     * @param socket the worker's socket, whose slot size is at least {@link #maxPayloadLength()}.
     * @param limit  most messages to take.
     * @return messages taken: 0 when the outbox was empty or the socket is full.
     */
    public int drain(final BatchSocket socket, final int limit)
    {
        drainSocket = socket;
        drainSent = 0;
        drainBlocked = false;
        int taken = ring.controlledRead(drainer, limit);
        if (taken < limit && !drainBlocked)
        {
            // One read stops at the end of the ring's buffer; what wrapped round to the start is the second read's.
            taken += ring.controlledRead(drainer, limit - taken);
        }
        return taken;
    }

    /**
     * Datagrams the last {@link #drain} staged into send slots, for the worker's {@link WorkerCounter#OUTBOX_SENT}.
     *
     * @return 0 to the limit given to that drain.
     */
    public int lastDrainSent()
    {
        return drainSent;
    }

    private ControlledMessageHandler.Action onMessage(
        final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
    {
        final PeerAddress peer = drainPeer.wrap(buffer, index + PEER_OFFSET);
        final BatchSocket socket = drainSocket;
        final int payloadLength = length - PAYLOAD_OFFSET;
        if ((!socket.isIpv6() && !peer.isIpv4()) || payloadLength > socket.slotBytes())
        {
            undeliverable.lazySet(undeliverable.get() + 1);
            return ControlledMessageHandler.Action.CONTINUE;
        }
        int slot = socket.nextSendSlot();
        if (slot < 0)
        {
            socket.flush();
            slot = socket.nextSendSlot();
            if (slot < 0)
            {
                drainBlocked = true;
                return ControlledMessageHandler.Action.ABORT;
            }
        }
        socket.sendBuffer(slot).putBytes(0, buffer, index + PAYLOAD_OFFSET, payloadLength);
        socket.stage(slot, payloadLength, peer);
        drainSent++;
        return ControlledMessageHandler.Action.CONTINUE;
    }

    private int claim(final int msgTypeId, final int recordLength)
    {
        final int index = ring.tryClaim(msgTypeId, recordLength);
        if (index < 0)
        {
            rejected.getAndIncrement();
        }
        return index;
    }

    private void checkPayload(final DirectBuffer payload, final int offset, final int length)
    {
        Objects.requireNonNull(payload, "payload must not be null");
        if (length < 0 || length > maxPayloadLength)
        {
            throw new IllegalArgumentException("payload length must be 0 to " + maxPayloadLength + ", got " + length);
        }
        if (offset < 0 || offset > payload.capacity() - length)
        {
            throw new IllegalArgumentException("payload [" + offset + ", " + offset + " + " + length +
                ") is outside a buffer of " + payload.capacity() + " bytes");
        }
    }
}
