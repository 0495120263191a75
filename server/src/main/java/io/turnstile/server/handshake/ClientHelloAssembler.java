package io.turnstile.server.handshake;

import java.util.BitSet;

/**
 * Reassembles a fragmented ClientHello into the single unfragmented record BouncyCastle's request path needs.
 * <p>
 * The verifier checks fragment 0 statelessly (every field the cookie binds lies inside it, as with
 * {@code openssl s_client -mtu 256}); the remaining fragments then arrive from the now-accepted peer. The first
 * fragment fixes the message: its message_seq, its total length, its record version and its record sequence number,
 * which the rebuilt record keeps so that the ServerHello repeats it (RFC 6347 section 4.2.1). Later fragments of the
 * same message fill the body in any order; duplicates and overlaps are harmless; anything else is ignored.
 * <p>
 * Trust: only the first record offered was verified, so it alone may start the message; when it is not a fragment 0
 * this assembler takes nothing more ({@link #isRefused()}), or a later unverified record would become the hello. A
 * later fragment is taken only when it agrees with every byte already received: a retransmission or an overlap may
 * repeat bytes, never change them, so nothing that arrives after the cookie check can alter the verified fields.
 * <pre>
 *   DTLSPlaintext (RFC 6347 section 4.1), 13 bytes:
 *    0       1       2       3       4       5       6       7       8       9       10      11      12
 *   +-------+-------+-------+-------+-------+-------+-------+-------+-------+-------+-------+-------+-------+
 *   | type  |   version     |     epoch     |              sequence_number                  |    length     |
 *   +-------+-------+-------+-------+-------+-------+-------+-------+-------+-------+-------+-------+-------+
 *   Handshake header (RFC 6347 section 4.2.2), 12 bytes:
 *   +-------+-------+-------+-------+-------+-------+-------+-------+-------+-------+-------+-------+
 *   |msg_typ|        length         |  message_seq  |    fragment_offset    |    fragment_length    |
 *   +-------+-------+-------+-------+-------+-------+-------+-------+-------+-------+-------+-------+
 * </pre>
 * <b>Note:</b> not thread safe; one per session, used by its handshake thread.
 */
public final class ClientHelloAssembler
{
    /** Largest ClientHello body accepted: a hello bigger than this is not one a real client sends. */
    public static final int MAX_HELLO_LENGTH = 8192;

    private static final int RECORD_HEADER_LENGTH = 13;
    private static final int HANDSHAKE_HEADER_LENGTH = 12;
    private static final int CONTENT_HANDSHAKE = 22;
    private static final int CLIENT_HELLO = 1;

    private final BitSet received = new BitSet();
    private byte[] body;
    private int messageSeq = -1;
    private int recordVersion;
    private long recordSequenceNumber = -1;
    private boolean refused;

    /**
     * An assembler waiting for fragment 0.
     */
    public ClientHelloAssembler()
    {
    }

    /**
     * Offer every record of a datagram; the first call must carry fragment 0 of the verified hello as its first record,
     * else the assembler is {@link #isRefused() refused}.
     *
     * @param datagram buffer.
     * @param offset   of the datagram.
     * @param length   of the datagram.
     * @return true once the hello is complete.
     */
    public boolean add(final byte[] datagram, final int offset, final int length)
    {
        if (refused)
        {
            return false;
        }
        int at = offset;
        final int end = offset + length;
        while (end - at >= RECORD_HEADER_LENGTH)
        {
            final int recordLength = u16(datagram, at + 11);
            final int recordEnd = at + RECORD_HEADER_LENGTH + recordLength;
            if (recordEnd > end)
            {
                break;
            }
            addRecord(datagram, at, recordLength);
            if (null == body)
            {
                break;
            }
            at = recordEnd;
        }
        if (null == body)
        {
            // The verified record did not start a hello this assembler can take (e.g. longer than MAX_HELLO_LENGTH):
            // no later record may start one instead, since none of them was verified.
            refused = true;
        }
        return isComplete();
    }

    private boolean agreesWithReceived(
        final byte[] buf, final int fragmentStart, final int fragmentOffset, final int fragmentLength)
    {
        final byte[] body = this.body;
        final int fragmentEnd = fragmentOffset + fragmentLength;
        for (int i = received.nextSetBit(fragmentOffset); i >= 0 && i < fragmentEnd; i = received.nextSetBit(i + 1))
        {
            if (buf[fragmentStart + i - fragmentOffset] != body[i])
            {
                return false;
            }
        }
        return true;
    }

    private void addRecord(final byte[] buf, final int recordOffset, final int recordLength)
    {
        final int epoch = u16(buf, recordOffset + 3);
        if ((buf[recordOffset] & 0xFF) != CONTENT_HANDSHAKE || epoch != 0 || recordLength < HANDSHAKE_HEADER_LENGTH)
        {
            return;
        }
        final int h = recordOffset + RECORD_HEADER_LENGTH;
        final int msgType = buf[h] & 0xFF;
        final int messageLength = u24(buf, h + 1);
        final int seq = u16(buf, h + 4);
        final int fragmentOffset = u24(buf, h + 6);
        final int fragmentLength = u24(buf, h + 9);
        if (msgType != CLIENT_HELLO || HANDSHAKE_HEADER_LENGTH + fragmentLength > recordLength ||
            messageLength > MAX_HELLO_LENGTH || fragmentOffset + fragmentLength > messageLength)
        {
            return;
        }
        final int fragmentStart = h + HANDSHAKE_HEADER_LENGTH;
        if (null == body)
        {
            if (fragmentOffset != 0)
            {
                return;
            }
            body = new byte[messageLength];
            messageSeq = seq;
            recordVersion = u16(buf, recordOffset + 1);
            recordSequenceNumber = u48(buf, recordOffset + 5);
        }
        else if (seq != messageSeq || messageLength != body.length ||
            !agreesWithReceived(buf, fragmentStart, fragmentOffset, fragmentLength))
        {
            return;
        }
        System.arraycopy(buf, fragmentStart, body, fragmentOffset, fragmentLength);
        received.set(fragmentOffset, fragmentOffset + fragmentLength);
    }

    /**
     * Whether every byte of the hello has arrived.
     *
     * @return true when complete.
     */
    public boolean isComplete()
    {
        return null != body && received.nextClearBit(0) >= body.length;
    }

    /**
     * Whether the first record offered, the verified one, was not a fragment 0 this assembler takes: it then takes
     * nothing more and never completes.
     *
     * @return true once refused.
     */
    public boolean isRefused()
    {
        return refused;
    }

    /**
     * Whether fragment 0 has been seen.
     *
     * @return true once a hello has started.
     */
    public boolean hasStarted()
    {
        return null != body;
    }

    /**
     * The record sequence number of fragment 0, which the ServerHello repeats.
     *
     * @return the 48-bit sequence number, or -1 before fragment 0.
     */
    public long recordSequenceNumber()
    {
        return recordSequenceNumber;
    }

    /**
     * message_seq of the hello.
     *
     * @return the message sequence, or -1 before fragment 0.
     */
    public int messageSeq()
    {
        return messageSeq;
    }

    /**
     * The whole hello as one unfragmented record: fragment 0's record version and sequence number, epoch 0,
     * fragment_offset 0 and fragment_length equal to length.
     *
     * @return a new array holding the record.
     * @throws IllegalStateException when the hello is not complete.
     */
    public byte[] toRecord()
    {
        if (!isComplete())
        {
            throw new IllegalStateException("ClientHello is not complete");
        }
        final int length = body.length;
        final byte[] record = new byte[RECORD_HEADER_LENGTH + HANDSHAKE_HEADER_LENGTH + length];
        record[0] = (byte)CONTENT_HANDSHAKE;
        put16(record, 1, recordVersion);
        put16(record, 3, 0);
        put48(record, 5, recordSequenceNumber);
        put16(record, 11, HANDSHAKE_HEADER_LENGTH + length);
        final int h = RECORD_HEADER_LENGTH;
        record[h] = (byte)CLIENT_HELLO;
        put24(record, h + 1, length);
        put16(record, h + 4, messageSeq);
        put24(record, h + 6, 0);
        put24(record, h + 9, length);
        System.arraycopy(body, 0, record, h + HANDSHAKE_HEADER_LENGTH, length);
        return record;
    }

    private static int u16(final byte[] b, final int at)
    {
        return ((b[at] & 0xFF) << 8) | (b[at + 1] & 0xFF);
    }

    private static int u24(final byte[] b, final int at)
    {
        return ((b[at] & 0xFF) << 16) | ((b[at + 1] & 0xFF) << 8) | (b[at + 2] & 0xFF);
    }

    private static long u48(final byte[] b, final int at)
    {
        long value = 0;
        for (int i = 0; i < 6; i++)
        {
            value = (value << 8) | (b[at + i] & 0xFF);
        }
        return value;
    }

    private static void put16(final byte[] b, final int at, final int value)
    {
        b[at] = (byte)(value >>> 8);
        b[at + 1] = (byte)value;
    }

    private static void put24(final byte[] b, final int at, final int value)
    {
        b[at] = (byte)(value >>> 16);
        put16(b, at + 1, value);
    }

    private static void put48(final byte[] b, final int at, final long value)
    {
        for (int i = 0; i < 6; i++)
        {
            b[at + i] = (byte)(value >>> (40 - 8 * i));
        }
    }
}
