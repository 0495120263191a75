package io.turnstile.codec;

import org.agrona.DirectBuffer;

import static java.nio.ByteOrder.BIG_ENDIAN;

/**
 * Flyweight over a DTLS handshake message header, RFC 6347 section 4.2.2.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |   msg_type    |                 length (24 bits)              |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |          message_seq          |  fragment_offset (24 bits) ..
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  ..                              |  fragment_length (24 bits)    |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 * The flyweight does no checks: callers check {@link #HEADER_LENGTH} bytes are present first.
 */
public final class HandshakeHeaderDecoder
{
    /** Offset of msg_type. */
    public static final int MSG_TYPE_OFFSET = 0;
    /** Offset of the 24-bit message length. */
    public static final int LENGTH_OFFSET = 1;
    /** Offset of message_seq. */
    public static final int MESSAGE_SEQ_OFFSET = 4;
    /** Offset of the 24-bit fragment_offset. */
    public static final int FRAGMENT_OFFSET_OFFSET = 6;
    /** Offset of the 24-bit fragment_length. */
    public static final int FRAGMENT_LENGTH_OFFSET = 9;
    /** Length of the handshake header. */
    public static final int HEADER_LENGTH = 12;

    /** HandshakeType client_hello(1). */
    public static final int CLIENT_HELLO = 1;
    /** HandshakeType hello_verify_request(3). */
    public static final int HELLO_VERIFY_REQUEST = 3;

    private DirectBuffer buffer;
    private int offset;

    /**
     * Wrap a handshake header.
     *
     * @param buffer holding the header.
     * @param offset at which the header starts.
     * @return this for a fluent API.
     */
    public HandshakeHeaderDecoder wrap(final DirectBuffer buffer, final int offset)
    {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    /**
     * The offset at which the header starts.
     *
     * @return the offset at which the header starts.
     */
    public int offset()
    {
        return offset;
    }

    /**
     * HandshakeType of the message.
     *
     * @return the message type, 0 to 255.
     */
    public int msgType()
    {
        return buffer.getByte(offset + MSG_TYPE_OFFSET) & 0xFF;
    }

    /**
     * Length of the whole message body, across all fragments.
     *
     * @return the 24-bit message length.
     */
    public int length()
    {
        return uint24(offset + LENGTH_OFFSET);
    }

    /**
     * message_seq of the message.
     *
     * @return the 16-bit message sequence.
     */
    public int messageSeq()
    {
        return buffer.getShort(offset + MESSAGE_SEQ_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    /**
     * Where in the message body this fragment starts.
     *
     * @return the 24-bit fragment offset.
     */
    public int fragmentOffset()
    {
        return uint24(offset + FRAGMENT_OFFSET_OFFSET);
    }

    /**
     * How many body bytes this fragment carries.
     *
     * @return the 24-bit fragment length.
     */
    public int fragmentLength()
    {
        return uint24(offset + FRAGMENT_LENGTH_OFFSET);
    }

    private int uint24(final int index)
    {
        return ((buffer.getByte(index) & 0xFF) << 16) | (buffer.getShort(index + 1, BIG_ENDIAN) & 0xFFFF);
    }
}
