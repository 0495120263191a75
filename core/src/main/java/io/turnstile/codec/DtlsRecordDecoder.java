package io.turnstile.codec;

import org.agrona.DirectBuffer;

import static java.nio.ByteOrder.BIG_ENDIAN;

/**
 * Flyweight over a DTLSPlaintext record header, RFC 6347 section 4.1.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |  ContentType  |    ProtocolVersion (major, minor)    |  epoch ..
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  .. epoch        |            sequence_number (48 bits) ..         |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  ..              |            length             | fragment ...
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 * All fields are big-endian. The flyweight does no checks: callers check {@link #HEADER_LENGTH} bytes are present
 * before calling a getter ({@link ClientHelloDecoder} does).
 */
public final class DtlsRecordDecoder
{
    /** Offset of the content type. */
    public static final int CONTENT_TYPE_OFFSET = 0;
    /** Offset of the protocol version. */
    public static final int VERSION_OFFSET = 1;
    /** Offset of the epoch. */
    public static final int EPOCH_OFFSET = 3;
    /** Offset of the 48-bit record sequence number. */
    public static final int SEQUENCE_NUMBER_OFFSET = 5;
    /** Offset of the fragment length. */
    public static final int LENGTH_OFFSET = 11;
    /** Length of the record header. */
    public static final int HEADER_LENGTH = 13;

    /** ContentType handshake(22). */
    public static final int CONTENT_TYPE_HANDSHAKE = 22;
    /** DTLS 1.0 wire version (RFC 4347), also what DTLS 1.2 clients put on their first flight. */
    public static final int DTLS_1_0 = 0xFEFF;
    /** DTLS 1.2 wire version (RFC 6347). */
    public static final int DTLS_1_2 = 0xFEFD;
    /** The largest 48-bit record sequence number. */
    public static final long MAX_SEQUENCE_NUMBER = 0xFFFF_FFFF_FFFFL;

    private DirectBuffer buffer;
    private int offset;

    /**
     * Wrap a record header.
     *
     * @param buffer holding the record.
     * @param offset at which the record header starts.
     * @return this for a fluent API.
     */
    public DtlsRecordDecoder wrap(final DirectBuffer buffer, final int offset)
    {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    /**
     * The offset at which the record starts.
     *
     * @return the offset at which the record starts.
     */
    public int offset()
    {
        return offset;
    }

    /**
     * ContentType of the record.
     *
     * @return the content type, 0 to 255.
     */
    public int contentType()
    {
        return buffer.getByte(offset + CONTENT_TYPE_OFFSET) & 0xFF;
    }

    /**
     * Protocol version of the record, e.g. {@link #DTLS_1_0}.
     *
     * @return the 16-bit version.
     */
    public int version()
    {
        return buffer.getShort(offset + VERSION_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    /**
     * Epoch of the record.
     *
     * @return the 16-bit epoch.
     */
    public int epoch()
    {
        return buffer.getShort(offset + EPOCH_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    /**
     * The 48-bit record sequence number.
     *
     * @return the record sequence number, 0 to {@link #MAX_SEQUENCE_NUMBER}.
     */
    public long sequenceNumber()
    {
        final long high = buffer.getShort(offset + SEQUENCE_NUMBER_OFFSET, BIG_ENDIAN) & 0xFFFFL;
        final long low = buffer.getInt(offset + SEQUENCE_NUMBER_OFFSET + 2, BIG_ENDIAN) & 0xFFFF_FFFFL;
        return (high << 32) | low;
    }

    /**
     * Length of the fragment that follows the header.
     *
     * @return the 16-bit fragment length.
     */
    public int length()
    {
        return buffer.getShort(offset + LENGTH_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }
}
