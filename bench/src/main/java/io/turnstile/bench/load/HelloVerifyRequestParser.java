package io.turnstile.bench.load;

import io.turnstile.codec.DtlsRecordDecoder;
import io.turnstile.codec.HandshakeHeaderDecoder;
import org.agrona.DirectBuffer;

import static java.nio.ByteOrder.BIG_ENDIAN;

/**
 * The client's side of RFC 6347 section 4.2.1: checks that a reply is a HelloVerifyRequest for a hello this client
 * sent, and finds its cookie. Also recognises a ServerHello (RFC 6347 section 4.2.2, msg_type 2) as the first
 * message of the first record, which is what a server with a handshake behind its verifier answers the cookie with.
 * <pre>
 *  record header (13):    type 22 | version 0xfeXX | epoch 0 | sequence_number (6) | length (2)
 *  handshake header (12): msg_type 3 | length (3) | message_seq (2) | fragment_offset 0 | fragment_length = length
 *  body:
 *   +-----------------------------+-------------------+-----------------------------+
 *   | server_version 0xfeff/fefd  | cookie length (1) | cookie &lt;1..32&gt; or &lt;1..255&gt;  |
 *   +-----------------------------+-------------------+-----------------------------+
 * </pre>
 * Only the first record of the datagram is examined. The HVR must be one unfragmented record whose lengths agree
 * with each other to the byte; its cookie may not be empty (a client could not make progress with it) and may not
 * exceed 32 bytes when the server_version is DTLS 1.0 (RFC 4347's {@code cookie<0..32>}) or 255 otherwise.
 * <p>
 * A flyweight: {@link #wrap(DirectBuffer, int, int)} then {@link #parse()} once; the getters do no checks.
 */
final class HelloVerifyRequestParser
{
    /** Handshake type of a ServerHello, RFC 5246 section 7.4. */
    static final int SERVER_HELLO = 2;
    /** Longest cookie of a DTLS 1.0 HelloVerifyRequest, RFC 4347 section 4.2.1. */
    static final int MAX_DTLS_1_0_COOKIE_LENGTH = 32;
    /** Where the HVR body starts, relative to the record. */
    static final int BODY_OFFSET = DtlsRecordDecoder.HEADER_LENGTH + HandshakeHeaderDecoder.HEADER_LENGTH;
    /** Shortest HVR: both headers, server_version and a cookie length byte. */
    static final int MIN_LENGTH = BODY_OFFSET + 3;

    /**
     * Why a reply is not a usable HelloVerifyRequest.
     */
    enum Failure
    {
        /** Shorter than a record header. */
        RECORD_TOO_SHORT,
        /** Content type is not handshake (22): an alert, for example. */
        NOT_HANDSHAKE,
        /** Record version major byte is not 0xfe. */
        BAD_RECORD_VERSION,
        /** Epoch is not 0. */
        NON_ZERO_EPOCH,
        /** The record says it is longer than the datagram, or too short for a handshake header and body. */
        RECORD_TRUNCATED,
        /** A handshake record whose first message is neither HelloVerifyRequest nor ServerHello. */
        UNEXPECTED_MESSAGE,
        /** fragment_offset is not 0 or fragment_length is not the message length. */
        FRAGMENTED,
        /** Message length does not match the record length. */
        LENGTH_MISMATCH,
        /** server_version is not 0xfeff or 0xfefd. */
        BAD_SERVER_VERSION,
        /** Cookie length byte disagrees with the body length. */
        COOKIE_LENGTH_MISMATCH,
        /** A zero-length cookie. */
        EMPTY_COOKIE,
        /** Longer than 32 bytes in a DTLS 1.0 HVR. */
        COOKIE_TOO_LONG
    }

    private DirectBuffer buffer;
    private int offset;
    private int length;
    private Failure failure;
    private int messageType;
    private int cookieLength;

    /**
     * Wrap a received datagram.
     *
     * @param buffer holding the datagram.
     * @param offset at which it starts.
     * @param length of the datagram.
     * @return this.
     */
    HelloVerifyRequestParser wrap(final DirectBuffer buffer, final int offset, final int length)
    {
        this.buffer = buffer;
        this.offset = offset;
        this.length = length;
        this.failure = null;
        this.messageType = -1;
        this.cookieLength = 0;
        return this;
    }

    /**
     * Check the first record: a well-formed HelloVerifyRequest, or a handshake record starting with a ServerHello.
     *
     * @return true when it is either; {@link #isServerHello()} tells which, {@link #failure()} why not otherwise.
     */
    boolean parse()
    {
        if (length < DtlsRecordDecoder.HEADER_LENGTH)
        {
            return fail(Failure.RECORD_TOO_SHORT);
        }
        if ((buffer.getByte(offset + DtlsRecordDecoder.CONTENT_TYPE_OFFSET) & 0xFF) !=
            DtlsRecordDecoder.CONTENT_TYPE_HANDSHAKE)
        {
            return fail(Failure.NOT_HANDSHAKE);
        }
        if ((buffer.getByte(offset + DtlsRecordDecoder.VERSION_OFFSET) & 0xFF) != 0xFE)
        {
            return fail(Failure.BAD_RECORD_VERSION);
        }
        if (buffer.getShort(offset + DtlsRecordDecoder.EPOCH_OFFSET, BIG_ENDIAN) != 0)
        {
            return fail(Failure.NON_ZERO_EPOCH);
        }
        final int recordLength = buffer.getShort(offset + DtlsRecordDecoder.LENGTH_OFFSET, BIG_ENDIAN) & 0xFFFF;
        if (recordLength > length - DtlsRecordDecoder.HEADER_LENGTH ||
            recordLength < HandshakeHeaderDecoder.HEADER_LENGTH)
        {
            return fail(Failure.RECORD_TRUNCATED);
        }
        final int hs = offset + DtlsRecordDecoder.HEADER_LENGTH;
        messageType = buffer.getByte(hs + HandshakeHeaderDecoder.MSG_TYPE_OFFSET) & 0xFF;
        if (messageType == SERVER_HELLO)
        {
            return true;
        }
        if (messageType != HandshakeHeaderDecoder.HELLO_VERIFY_REQUEST)
        {
            return fail(Failure.UNEXPECTED_MESSAGE);
        }
        if (recordLength < HandshakeHeaderDecoder.HEADER_LENGTH + 3)
        {
            return fail(Failure.RECORD_TRUNCATED);
        }
        final int messageLength = uint24(hs + HandshakeHeaderDecoder.LENGTH_OFFSET);
        if (uint24(hs + HandshakeHeaderDecoder.FRAGMENT_OFFSET_OFFSET) != 0 ||
            uint24(hs + HandshakeHeaderDecoder.FRAGMENT_LENGTH_OFFSET) != messageLength)
        {
            return fail(Failure.FRAGMENTED);
        }
        if (messageLength != recordLength - HandshakeHeaderDecoder.HEADER_LENGTH)
        {
            return fail(Failure.LENGTH_MISMATCH);
        }
        final int body = offset + BODY_OFFSET;
        final int serverVersion = buffer.getShort(body, BIG_ENDIAN) & 0xFFFF;
        if (serverVersion != DtlsRecordDecoder.DTLS_1_0 && serverVersion != DtlsRecordDecoder.DTLS_1_2)
        {
            return fail(Failure.BAD_SERVER_VERSION);
        }
        final int cookieLength = buffer.getByte(body + 2) & 0xFF;
        if (3 + cookieLength != messageLength)
        {
            return fail(Failure.COOKIE_LENGTH_MISMATCH);
        }
        if (cookieLength == 0)
        {
            return fail(Failure.EMPTY_COOKIE);
        }
        if (serverVersion == DtlsRecordDecoder.DTLS_1_0 && cookieLength > MAX_DTLS_1_0_COOKIE_LENGTH)
        {
            return fail(Failure.COOKIE_TOO_LONG);
        }
        this.cookieLength = cookieLength;
        return true;
    }

    /**
     * After a successful {@link #parse()}: whether the reply is a ServerHello rather than an HVR.
     *
     * @return true for a ServerHello.
     */
    boolean isServerHello()
    {
        return messageType == SERVER_HELLO;
    }

    /**
     * After a failed {@link #parse()}: why.
     *
     * @return the failure, or null after a successful parse.
     */
    Failure failure()
    {
        return failure;
    }

    /**
     * The record sequence number, which an HVR copies from the hello it answers (RFC 6347 section 4.2.1 MUST).
     *
     * @return the 48-bit sequence number; valid when the datagram holds a record header.
     */
    long recordSequenceNumber()
    {
        final int index = offset + DtlsRecordDecoder.SEQUENCE_NUMBER_OFFSET;
        return ((buffer.getShort(index, BIG_ENDIAN) & 0xFFFFL) << 32) |
            (buffer.getInt(index + 2, BIG_ENDIAN) & 0xFFFF_FFFFL);
    }

    /**
     * After an HVR parsed: the absolute offset of its cookie in the wrapped buffer.
     *
     * @return offset of the cookie.
     */
    int cookieOffset()
    {
        return offset + BODY_OFFSET + 3;
    }

    /**
     * After an HVR parsed: its cookie's length.
     *
     * @return 1 to 255 bytes.
     */
    int cookieLength()
    {
        return cookieLength;
    }

    private int uint24(final int index)
    {
        return ((buffer.getByte(index) & 0xFF) << 16) | (buffer.getShort(index + 1, BIG_ENDIAN) & 0xFFFF);
    }

    private boolean fail(final Failure failure)
    {
        this.failure = failure;
        return false;
    }
}
