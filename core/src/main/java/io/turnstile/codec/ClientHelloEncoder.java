package io.turnstile.codec;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import static java.nio.ByteOrder.BIG_ENDIAN;

/**
 * Encodes a DTLS ClientHello record, RFC 6347 section 4.2.1, into a caller's buffer: field by field, or by splicing
 * a cookie into an existing hello. This is the client's side of {@link ClientHelloDecoder}; load generators and tests
 * build their hellos with it.
 * <pre>
 *  record header (13)     type 22 | version | epoch 0 | sequence_number (6) | length (2)       RFC 6347 section 4.1
 *  handshake header (12)  msg_type 1 | length (3) | message_seq (2) | fragment_offset 0 (3)
 *                         | fragment_length = length (3)                                      RFC 6347 section 4.2.2
 *  ClientHello body:
 *   +----------------+------------------+-------------------------+--------------------+
 *   | client_version | random (32)      | session_id &lt;0..32&gt;    | cookie &lt;0..2^8-1&gt;  |
 *   | (2)            |                  | len(1) + bytes          | len(1) + bytes     |
 *   +----------------+------------------+-------------------------+--------------------+
 *   | cipher_suites &lt;2..2^16-2&gt; len(2) + bytes | compression_methods len(1) + bytes      |
 *   +---------------------------------------------+-----------------------------------------+
 *   | extensions &lt;0..2^16-1&gt; (optional): len(2) + bytes                                   |
 *   +-------------------------------------------------------------------------------------+
 * </pre>
 * Field by field: {@link #header(int, long, int, int)}, {@link #random(DirectBuffer, int)}, then the variable-length
 * fields in wire order ({@link #sessionId}, {@link #cookie}, {@link #cipherSuites}, {@link #compressionMethods}, and
 * {@link #extensions} when the hello has them), then {@link #finish()} writes the record length, the handshake length
 * and fragment_length (one unfragmented record) and returns the datagram length.
 * <p>
 * {@link #spliceCookie} copies a hello with its cookie replaced and every length fixed up, as a client sends its
 * second hello (RFC 6347 section 4.2.1: the same fields, the server's cookie). {@link #recordSequenceNumber(long)},
 * {@link #messageSeq(int)} and {@link #random(DirectBuffer, int)} rewrite those fixed-position fields of whatever hello
 * is wrapped, so a retransmission or a fresh random costs three writes.
 * <p>
 * Every value is written big-endian. Nothing is allocated, and nothing is checked beyond what the documented
 * preconditions say: the caller's buffer must be large enough.
 */
public final class ClientHelloEncoder
{
    /** Offset of the 32-byte random from the start of the record. */
    public static final int RANDOM_OFFSET = ClientHelloDecoder.BODY_OFFSET + ClientHelloDecoder.RANDOM_OFFSET;
    /** Offset of the session_id length byte from the start of the record. */
    public static final int SESSION_ID_LENGTH_OFFSET = RANDOM_OFFSET + ClientHelloDecoder.RANDOM_LENGTH;
    /** Offset of message_seq from the start of the record. */
    public static final int MESSAGE_SEQ_OFFSET =
        DtlsRecordDecoder.HEADER_LENGTH + HandshakeHeaderDecoder.MESSAGE_SEQ_OFFSET;

    private MutableDirectBuffer buffer;
    private int offset;
    private int limit;

    /**
     * Wrap the buffer the hello is written into, or a hello already there whose fixed fields are to be rewritten.
     *
     * @param buffer to write into.
     * @param offset at which the record starts.
     * @return this for a fluent API.
     */
    public ClientHelloEncoder wrap(final MutableDirectBuffer buffer, final int offset)
    {
        this.buffer = buffer;
        this.offset = offset;
        this.limit = offset + SESSION_ID_LENGTH_OFFSET;
        return this;
    }

    /**
     * Write the record header, the handshake header (lengths left for {@link #finish()}) and client_version.
     *
     * @param recordVersion        e.g. {@link DtlsRecordDecoder#DTLS_1_0}, what clients put on a first flight.
     * @param recordSequenceNumber 48-bit record sequence number.
     * @param messageSeq           0 for a first hello, 1 for the hello that returns a cookie.
     * @param clientVersion        e.g. {@link DtlsRecordDecoder#DTLS_1_2}.
     * @return this for a fluent API.
     */
    public ClientHelloEncoder header(
        final int recordVersion, final long recordSequenceNumber, final int messageSeq, final int clientVersion)
    {
        final MutableDirectBuffer buffer = this.buffer;
        final int offset = this.offset;
        buffer.putByte(offset + DtlsRecordDecoder.CONTENT_TYPE_OFFSET, (byte)DtlsRecordDecoder.CONTENT_TYPE_HANDSHAKE);
        buffer.putShort(offset + DtlsRecordDecoder.VERSION_OFFSET, (short)recordVersion, BIG_ENDIAN);
        buffer.putShort(offset + DtlsRecordDecoder.EPOCH_OFFSET, (short)0, BIG_ENDIAN);
        recordSequenceNumber(recordSequenceNumber);
        final int hs = offset + DtlsRecordDecoder.HEADER_LENGTH;
        buffer.putByte(hs + HandshakeHeaderDecoder.MSG_TYPE_OFFSET, (byte)HandshakeHeaderDecoder.CLIENT_HELLO);
        messageSeq(messageSeq);
        putUint24(buffer, hs + HandshakeHeaderDecoder.FRAGMENT_OFFSET_OFFSET, 0);
        buffer.putShort(offset + ClientHelloDecoder.BODY_OFFSET, (short)clientVersion, BIG_ENDIAN);
        limit = offset + SESSION_ID_LENGTH_OFFSET;
        return this;
    }

    /**
     * Write the 32-byte random of the wrapped hello.
     *
     * @param source       holding the random.
     * @param sourceOffset of its first byte.
     * @return this for a fluent API.
     */
    public ClientHelloEncoder random(final DirectBuffer source, final int sourceOffset)
    {
        buffer.putBytes(offset + RANDOM_OFFSET, source, sourceOffset, ClientHelloDecoder.RANDOM_LENGTH);
        return this;
    }

    /**
     * Rewrite the record sequence number of the wrapped hello, e.g. for a retransmission (RFC 6347 section 4.2.4.1).
     *
     * @param recordSequenceNumber 48-bit record sequence number.
     * @return this for a fluent API.
     */
    public ClientHelloEncoder recordSequenceNumber(final long recordSequenceNumber)
    {
        final int index = offset + DtlsRecordDecoder.SEQUENCE_NUMBER_OFFSET;
        buffer.putShort(index, (short)(recordSequenceNumber >>> 32), BIG_ENDIAN);
        buffer.putInt(index + 2, (int)recordSequenceNumber, BIG_ENDIAN);
        return this;
    }

    /**
     * Rewrite message_seq of the wrapped hello.
     *
     * @param messageSeq 0 to 65535.
     * @return this for a fluent API.
     */
    public ClientHelloEncoder messageSeq(final int messageSeq)
    {
        buffer.putShort(offset + MESSAGE_SEQ_OFFSET, (short)messageSeq, BIG_ENDIAN);
        return this;
    }

    /**
     * Append session_id, after {@link #random(DirectBuffer, int)}.
     *
     * @param source       holding the bytes.
     * @param sourceOffset of the first byte.
     * @param length       0 to 32.
     * @return this for a fluent API.
     */
    public ClientHelloEncoder sessionId(final DirectBuffer source, final int sourceOffset, final int length)
    {
        return putVector8(source, sourceOffset, length);
    }

    /**
     * Append the cookie, after {@link #sessionId}.
     *
     * @param source       holding the bytes.
     * @param sourceOffset of the first byte.
     * @param length       0 to 255 (at most 32 for a DTLS 1.0 client_version).
     * @return this for a fluent API.
     */
    public ClientHelloEncoder cookie(final DirectBuffer source, final int sourceOffset, final int length)
    {
        return putVector8(source, sourceOffset, length);
    }

    /**
     * Append cipher_suites, after {@link #cookie}.
     *
     * @param source       holding the suites, two bytes each.
     * @param sourceOffset of the first byte.
     * @param length       in bytes, even, 2 to 65534.
     * @return this for a fluent API.
     */
    public ClientHelloEncoder cipherSuites(final DirectBuffer source, final int sourceOffset, final int length)
    {
        return putVector16(source, sourceOffset, length);
    }

    /**
     * Append compression_methods, after {@link #cipherSuites}.
     *
     * @param source       holding the methods.
     * @param sourceOffset of the first byte.
     * @param length       1 to 255.
     * @return this for a fluent API.
     */
    public ClientHelloEncoder compressionMethods(final DirectBuffer source, final int sourceOffset, final int length)
    {
        return putVector8(source, sourceOffset, length);
    }

    /**
     * Append the extensions block, after {@link #compressionMethods}; leave it out for a hello without extensions.
     *
     * @param source       holding the extensions, each type(2) length(2) data.
     * @param sourceOffset of the first byte.
     * @param length       of the block without its length field, 0 to 65535.
     * @return this for a fluent API.
     */
    public ClientHelloEncoder extensions(final DirectBuffer source, final int sourceOffset, final int length)
    {
        return putVector16(source, sourceOffset, length);
    }

    /**
     * Write the record length, handshake length and fragment_length for the fields appended so far.
     *
     * @return the length of the whole record, which is the datagram length.
     */
    public int finish()
    {
        final int length = limit - offset;
        setLengths(buffer, offset, length);
        return length;
    }

    /**
     * Write a copy of a hello into the wrapped buffer with its cookie replaced, fixing the record length, the
     * handshake length and fragment_length by the difference in cookie length. The hello must be one ClientHello
     * record that decodes ({@link ClientHelloDecoder#decode()}) at least up to its cookie; a first fragment stays a
     * first fragment of a message as much longer.
     *
     * @param hello        buffer holding the hello; must not overlap the wrapped buffer's destination.
     * @param helloOffset  where the hello's record starts.
     * @param helloLength  of the hello's record.
     * @param cookie       buffer holding the new cookie.
     * @param cookieOffset of its first byte.
     * @param cookieLength 0 to 255.
     * @return the length of the new record.
     */
    public int spliceCookie(
        final DirectBuffer hello,
        final int helloOffset,
        final int helloLength,
        final DirectBuffer cookie,
        final int cookieOffset,
        final int cookieLength)
    {
        final MutableDirectBuffer buffer = this.buffer;
        final int offset = this.offset;
        final int sessionIdLength = hello.getByte(helloOffset + SESSION_ID_LENGTH_OFFSET) & 0xFF;
        final int cookieLengthAt = SESSION_ID_LENGTH_OFFSET + 1 + sessionIdLength;
        final int oldLength = hello.getByte(helloOffset + cookieLengthAt) & 0xFF;
        final int tailAt = cookieLengthAt + 1 + oldLength;
        final int delta = cookieLength - oldLength;

        buffer.putBytes(offset, hello, helloOffset, cookieLengthAt);
        buffer.putByte(offset + cookieLengthAt, (byte)cookieLength);
        buffer.putBytes(offset + cookieLengthAt + 1, cookie, cookieOffset, cookieLength);
        buffer.putBytes(offset + tailAt + delta, hello, helloOffset + tailAt, helloLength - tailAt);

        final int hs = offset + DtlsRecordDecoder.HEADER_LENGTH;
        final int recordLength = buffer.getShort(offset + DtlsRecordDecoder.LENGTH_OFFSET, BIG_ENDIAN) & 0xFFFF;
        buffer.putShort(offset + DtlsRecordDecoder.LENGTH_OFFSET, (short)(recordLength + delta), BIG_ENDIAN);
        putUint24(buffer, hs + HandshakeHeaderDecoder.LENGTH_OFFSET,
            uint24(buffer, hs + HandshakeHeaderDecoder.LENGTH_OFFSET) + delta);
        putUint24(buffer, hs + HandshakeHeaderDecoder.FRAGMENT_LENGTH_OFFSET,
            uint24(buffer, hs + HandshakeHeaderDecoder.FRAGMENT_LENGTH_OFFSET) + delta);
        return helloLength + delta;
    }

    private ClientHelloEncoder putVector8(final DirectBuffer source, final int sourceOffset, final int length)
    {
        buffer.putByte(limit, (byte)length);
        buffer.putBytes(limit + 1, source, sourceOffset, length);
        limit += 1 + length;
        return this;
    }

    private ClientHelloEncoder putVector16(final DirectBuffer source, final int sourceOffset, final int length)
    {
        buffer.putShort(limit, (short)length, BIG_ENDIAN);
        buffer.putBytes(limit + 2, source, sourceOffset, length);
        limit += 2 + length;
        return this;
    }

    private static void setLengths(final MutableDirectBuffer buffer, final int offset, final int recordLength)
    {
        final int bodyLength = recordLength - ClientHelloDecoder.BODY_OFFSET;
        final int hs = offset + DtlsRecordDecoder.HEADER_LENGTH;
        final int fragmentLength = recordLength - DtlsRecordDecoder.HEADER_LENGTH;
        buffer.putShort(offset + DtlsRecordDecoder.LENGTH_OFFSET, (short)fragmentLength, BIG_ENDIAN);
        putUint24(buffer, hs + HandshakeHeaderDecoder.LENGTH_OFFSET, bodyLength);
        putUint24(buffer, hs + HandshakeHeaderDecoder.FRAGMENT_LENGTH_OFFSET, bodyLength);
    }

    private static int uint24(final DirectBuffer buffer, final int index)
    {
        return ((buffer.getByte(index) & 0xFF) << 16) | (buffer.getShort(index + 1, BIG_ENDIAN) & 0xFFFF);
    }

    private static void putUint24(final MutableDirectBuffer buffer, final int index, final int value)
    {
        buffer.putByte(index, (byte)(value >>> 16));
        buffer.putShort(index + 1, (short)value, BIG_ENDIAN);
    }
}
