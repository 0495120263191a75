package io.turnstile.codec;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import static java.nio.ByteOrder.BIG_ENDIAN;

/**
 * Encodes a HelloVerifyRequest record, RFC 6347 section 4.2.1, into a caller's buffer.
 * <pre>
 *  record header (13):    type 22 | version 0xfeff | epoch 0 | sequence_number = the ClientHello's | length
 *  handshake header (12): msg_type 3 | length | message_seq 0 | fragment_offset 0 | fragment_length = length
 *  body:
 *   +-----------------------------+-------------------+-----------------------------+
 *   | server_version 0xfeff (2)   | cookie length (1) | cookie &lt;0..2^8-1&gt;           |
 *   +-----------------------------+-------------------+-----------------------------+
 * </pre>
 * The record and server versions are DTLS 1.0 whatever is negotiated later: RFC 6347 section 4.2.1 says DTLS 1.2
 * servers SHOULD send 0xfeff here so that DTLS 1.0 clients understand it. The sequence number MUST be the
 * ClientHello's, so that the client can match the reply to its hello without keeping state either.
 */
public final class HelloVerifyRequestEncoder
{
    /** Length of an HVR without its cookie. */
    public static final int BASE_LENGTH = DtlsRecordDecoder.HEADER_LENGTH + HandshakeHeaderDecoder.HEADER_LENGTH + 3;
    /** Offset of the cookie length byte from the start of the record. */
    public static final int COOKIE_LENGTH_OFFSET = BASE_LENGTH - 1;
    /** Offset of the cookie from the start of the record. */
    public static final int COOKIE_OFFSET = BASE_LENGTH;

    private MutableDirectBuffer buffer;
    private int offset;

    /**
     * Wrap the buffer the HVR is written into.
     *
     * @param buffer to write into.
     * @param offset at which the record starts.
     * @return this for a fluent API.
     */
    public HelloVerifyRequestEncoder wrap(final MutableDirectBuffer buffer, final int offset)
    {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    /**
     * Length of an encoded HVR carrying a cookie of the given length.
     *
     * @param cookieLength in bytes.
     * @return the record length including its header.
     */
    public static int encodedLength(final int cookieLength)
    {
        return BASE_LENGTH + cookieLength;
    }

    /**
     * Write every header field for a cookie of the given length. The cookie itself is written by the caller at
     * {@link #cookieOffset()} (a {@code CookieGenerator} writes it in place, so nothing is copied).
     *
     * @param recordSequenceNumber the ClientHello's 48-bit record sequence number.
     * @param cookieLength         0 to 255.
     * @return the length of the whole HVR record.
     */
    public int encodeHeader(final long recordSequenceNumber, final int cookieLength)
    {
        final int bodyLength = 3 + cookieLength;
        final MutableDirectBuffer buffer = this.buffer;
        final int offset = this.offset;

        buffer.putByte(offset + DtlsRecordDecoder.CONTENT_TYPE_OFFSET, (byte)DtlsRecordDecoder.CONTENT_TYPE_HANDSHAKE);
        buffer.putShort(offset + DtlsRecordDecoder.VERSION_OFFSET, (short)DtlsRecordDecoder.DTLS_1_0, BIG_ENDIAN);
        buffer.putShort(offset + DtlsRecordDecoder.EPOCH_OFFSET, (short)0, BIG_ENDIAN);
        buffer.putShort(
            offset + DtlsRecordDecoder.SEQUENCE_NUMBER_OFFSET, (short)(recordSequenceNumber >>> 32), BIG_ENDIAN);
        buffer.putInt(offset + DtlsRecordDecoder.SEQUENCE_NUMBER_OFFSET + 2, (int)recordSequenceNumber, BIG_ENDIAN);
        buffer.putShort(
            offset + DtlsRecordDecoder.LENGTH_OFFSET,
            (short)(HandshakeHeaderDecoder.HEADER_LENGTH + bodyLength),
            BIG_ENDIAN);

        final int hs = offset + DtlsRecordDecoder.HEADER_LENGTH;
        buffer.putByte(hs + HandshakeHeaderDecoder.MSG_TYPE_OFFSET, (byte)HandshakeHeaderDecoder.HELLO_VERIFY_REQUEST);
        putUint24(buffer, hs + HandshakeHeaderDecoder.LENGTH_OFFSET, bodyLength);
        buffer.putShort(hs + HandshakeHeaderDecoder.MESSAGE_SEQ_OFFSET, (short)0, BIG_ENDIAN);
        putUint24(buffer, hs + HandshakeHeaderDecoder.FRAGMENT_OFFSET_OFFSET, 0);
        putUint24(buffer, hs + HandshakeHeaderDecoder.FRAGMENT_LENGTH_OFFSET, bodyLength);

        final int body = hs + HandshakeHeaderDecoder.HEADER_LENGTH;
        buffer.putShort(body, (short)DtlsRecordDecoder.DTLS_1_0, BIG_ENDIAN);
        buffer.putByte(body + 2, (byte)cookieLength);

        return BASE_LENGTH + cookieLength;
    }

    /**
     * Write a whole HVR with a cookie copied from another buffer.
     *
     * @param recordSequenceNumber the ClientHello's 48-bit record sequence number.
     * @param cookie               buffer holding the cookie.
     * @param cookieOffset         offset of the cookie.
     * @param cookieLength         0 to 255.
     * @return the length of the whole HVR record.
     */
    public int encode(
        final long recordSequenceNumber, final DirectBuffer cookie, final int cookieOffset, final int cookieLength)
    {
        final int length = encodeHeader(recordSequenceNumber, cookieLength);
        buffer.putBytes(cookieOffset(), cookie, cookieOffset, cookieLength);
        return length;
    }

    /**
     * Where the cookie goes in the wrapped buffer.
     *
     * @return the absolute offset of the cookie.
     */
    public int cookieOffset()
    {
        return offset + COOKIE_OFFSET;
    }

    private static void putUint24(final MutableDirectBuffer buffer, final int index, final int value)
    {
        buffer.putByte(index, (byte)(value >>> 16));
        buffer.putShort(index + 1, (short)value, BIG_ENDIAN);
    }
}
