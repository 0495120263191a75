package io.turnstile.server.handshake;

import io.turnstile.codec.PeerAddress;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;

import java.nio.ByteOrder;
import java.util.Objects;

/**
 * How a worker tells the {@link SessionConductor} what it saw, in the manner of Aeron's {@code DriverConductorProxy}:
 * one record per event on the conductor's ring (an Agrona {@code ManyToOneRingBuffer} shared by every worker), written
 * in place with {@code tryClaim}/{@code commit}. Never blocks, never locks, allocates nothing; a full ring refuses
 * the record and the worker counts it.
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +---------------------------------------------------------------+  msgTypeId VERIFIED (1) or DATAGRAM (2)
 * |                     worker (link id)                          |  0
 * +---------------------------------------------------------------+
 * |      peer: the 18-byte PeerAddress (address 16, port 2)       |  4
 * +                                               +---------------+
 * |                                            ...|    padding    |
 * +-----------------------------------------------+---------------+
 * |  VERIFIED only: the hello's record sequence number (48 bits)  |  24
 * +                                                               +
 * |                                                               |
 * +---------------------------------------------------------------+
 * |  VERIFIED only: message_seq                                   |  32
 * +---------------------------------------------------------------+
 * |  VERIFIED only: flags (bit 0: the hello is a first fragment)  |  36
 * +---------------------------------------------------------------+
 * |  the datagram, as many bytes as the record length says     ...|  40 (VERIFIED) or 24 (DATAGRAM)
 * +---------------------------------------------------------------+
 * </pre>
 * <b>Note:</b> thread safe (any number of workers); one proxy per worker is fine, they share the ring.
 */
public final class SessionConductorProxy
{
    /** Record type: a peer whose cookie verified, with its hello. */
    public static final int VERIFIED = 1;
    /** Record type: a datagram from an accepted peer. */
    public static final int DATAGRAM = 2;
    /** Offset of the worker's link id. */
    public static final int WORKER_OFFSET = 0;
    /** Offset of the peer. */
    public static final int PEER_OFFSET = 4;
    /** Offset of the record sequence number (VERIFIED). */
    public static final int RECORD_SEQUENCE_OFFSET = 24;
    /** Offset of message_seq (VERIFIED). */
    public static final int MESSAGE_SEQ_OFFSET = 32;
    /** Offset of the flags (VERIFIED). */
    public static final int FLAGS_OFFSET = 36;
    /** Offset of the datagram in a VERIFIED record. */
    public static final int VERIFIED_DATAGRAM_OFFSET = 40;
    /** Offset of the datagram in a DATAGRAM record. */
    public static final int DATAGRAM_OFFSET = 24;
    /** Flag: the verified hello is the first fragment of a longer one. */
    public static final int FRAGMENT_FLAG = 1;

    private final RingBuffer ring;

    /**
     * A proxy over the conductor's ring.
     *
     * @param ring the conductor's ring.
     */
    public SessionConductorProxy(final RingBuffer ring)
    {
        this.ring = Objects.requireNonNull(ring, "ring must not be null");
    }

    /**
     * How far the workers have written: a record this thread has just committed ends at or before it.
     *
     * @return the position; any thread.
     */
    public long producerPosition()
    {
        return ring.producerPosition();
    }

    /**
     * How far the conductor has read: every record that ended at or before this position has been handled (its
     * datagram offered to its session), because the ring moves its head only after handling a batch.
     *
     * @return the position; any thread.
     */
    public long consumerPosition()
    {
        return ring.consumerPosition();
    }

    /**
     * Largest datagram a record can carry.
     *
     * @return bytes.
     */
    public int maxDatagramLength()
    {
        return ring.maxMsgLength() - VERIFIED_DATAGRAM_OFFSET;
    }

    /**
     * Publish a verified peer (worker thread).
     *
     * @param worker               the worker's link id.
     * @param peer                 the peer; copied.
     * @param datagram             the datagram holding the verified hello; copied.
     * @param length               of the datagram, at offset 0.
     * @param recordSequenceNumber the hello's record sequence number, as the verifier read it.
     * @param messageSeq           the hello's message_seq.
     * @param fragment             whether the hello is the first fragment of a longer one.
     * @return false when the ring is full or the datagram too long for it.
     */
    public boolean verified(
        final int worker,
        final PeerAddress peer,
        final DirectBuffer datagram,
        final int length,
        final long recordSequenceNumber,
        final int messageSeq,
        final boolean fragment)
    {
        if (length > maxDatagramLength())
        {
            return false;
        }
        final int index = ring.tryClaim(VERIFIED, VERIFIED_DATAGRAM_OFFSET + length);
        if (index < 0)
        {
            return false;
        }
        final MutableDirectBuffer buffer = ring.buffer();
        buffer.putInt(index + WORKER_OFFSET, worker, ByteOrder.LITTLE_ENDIAN);
        peer.copyTo(buffer, index + PEER_OFFSET);
        buffer.putLong(index + RECORD_SEQUENCE_OFFSET, recordSequenceNumber, ByteOrder.LITTLE_ENDIAN);
        buffer.putInt(index + MESSAGE_SEQ_OFFSET, messageSeq, ByteOrder.LITTLE_ENDIAN);
        buffer.putInt(index + FLAGS_OFFSET, fragment ? FRAGMENT_FLAG : 0, ByteOrder.LITTLE_ENDIAN);
        buffer.putBytes(index + VERIFIED_DATAGRAM_OFFSET, datagram, 0, length);
        ring.commit(index);
        return true;
    }

    /**
     * Publish a datagram from an accepted peer (worker thread).
     *
     * @param worker   the worker's link id.
     * @param peer     where it came from; copied.
     * @param datagram the datagram; copied.
     * @param length   of the datagram, at offset 0.
     * @return false when the ring is full or the datagram too long for it.
     */
    public boolean datagram(final int worker, final PeerAddress peer, final DirectBuffer datagram, final int length)
    {
        if (length > maxDatagramLength())
        {
            return false;
        }
        final int index = ring.tryClaim(DATAGRAM, DATAGRAM_OFFSET + length);
        if (index < 0)
        {
            return false;
        }
        final MutableDirectBuffer buffer = ring.buffer();
        buffer.putInt(index + WORKER_OFFSET, worker, ByteOrder.LITTLE_ENDIAN);
        peer.copyTo(buffer, index + PEER_OFFSET);
        buffer.putBytes(index + DATAGRAM_OFFSET, datagram, 0, length);
        ring.commit(index);
        return true;
    }
}
