package io.turnstile.codec;

import org.agrona.DirectBuffer;

import static java.nio.ByteOrder.BIG_ENDIAN;

/**
 * Decodes the first record of a datagram a client receives in reply to its ClientHello, RFC 6347 section 4.2.1: a
 * HelloVerifyRequest, whose cookie the client returns, or a handshake record starting with a ServerHello (RFC 6347
 * section 4.2.2, msg_type 2), which is what a server with a handshake behind its verifier answers the cookie with.
 * This is the client's side of {@link HelloVerifyRequestEncoder}.
 * <pre>
 *  record header (13)     type 22 | version 0xfeXX | epoch 0 | sequence_number (6) | length (2)  RFC 6347 section 4.1
 *  handshake header (12)  msg_type 3 | length (3) | message_seq (2) | fragment_offset 0 (3)
 *                         | fragment_length = length (3)                                        RFC 6347 section 4.2.2
 *  body:
 *   +-----------------------------+-------------------+-----------------------------+
 *   | server_version 0xfeff/fefd  | cookie length (1) | cookie &lt;1..32&gt; or &lt;1..255&gt;  |
 *   +-----------------------------+-------------------+-----------------------------+
 * </pre>
 * {@link #decode()} checks everything once: the HVR must be one unfragmented record whose lengths agree with each
 * other to the byte; its cookie may not be empty (a client could not make progress with it) and may not exceed 32
 * bytes when server_version is DTLS 1.0 (RFC 4347's {@code cookie<0..32>}) or 255 otherwise. After a successful
 * decode the getters do no checks. Nothing is allocated and nothing is read outside {@code [offset, offset + length)}.
 */
public final class HelloVerifyRequestDecoder
{
    /** Handshake type of a ServerHello, RFC 5246 section 7.4. */
    public static final int SERVER_HELLO = 2;
    /** Longest cookie of a DTLS 1.0 HelloVerifyRequest, RFC 4347 section 4.2.1. */
    public static final int MAX_DTLS_1_0_COOKIE_LENGTH = 32;
    /** Where the HVR body starts, relative to the record. */
    public static final int BODY_OFFSET = DtlsRecordDecoder.HEADER_LENGTH + HandshakeHeaderDecoder.HEADER_LENGTH;

    /**
     * Why a reply is not a usable HelloVerifyRequest.
     */
    public enum Failure
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

    private final DtlsRecordDecoder record = new DtlsRecordDecoder();
    private final HandshakeHeaderDecoder handshake = new HandshakeHeaderDecoder();
    private DirectBuffer buffer;
    private int offset;
    private int length;
    private Failure failure;
    private int cookieLength;

    /**
     * Wrap a received datagram. Nothing is checked until {@link #decode()}.
     *
     * @param buffer holding the datagram.
     * @param offset at which it starts.
     * @param length of the datagram.
     * @return this for a fluent API.
     */
    public HelloVerifyRequestDecoder wrap(final DirectBuffer buffer, final int offset, final int length)
    {
        this.buffer = buffer;
        this.offset = offset;
        this.length = length;
        this.failure = null;
        this.cookieLength = 0;
        record.wrap(buffer, offset);
        handshake.wrap(buffer, offset + DtlsRecordDecoder.HEADER_LENGTH);
        return this;
    }

    /**
     * Check the first record: a well-formed HelloVerifyRequest, or a handshake record starting with a ServerHello.
     *
     * @return true when it is either; {@link #isServerHello()} tells which, {@link #failure()} why not otherwise.
     */
    public boolean decode()
    {
        if (length < DtlsRecordDecoder.HEADER_LENGTH)
        {
            return fail(Failure.RECORD_TOO_SHORT);
        }
        if (record.contentType() != DtlsRecordDecoder.CONTENT_TYPE_HANDSHAKE)
        {
            return fail(Failure.NOT_HANDSHAKE);
        }
        if ((record.version() >>> 8) != 0xFE)
        {
            return fail(Failure.BAD_RECORD_VERSION);
        }
        if (record.epoch() != 0)
        {
            return fail(Failure.NON_ZERO_EPOCH);
        }
        final int recordLength = record.length();
        if (recordLength > length - DtlsRecordDecoder.HEADER_LENGTH ||
            recordLength < HandshakeHeaderDecoder.HEADER_LENGTH)
        {
            return fail(Failure.RECORD_TRUNCATED);
        }
        final int messageType = handshake.msgType();
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
        final int messageLength = handshake.length();
        if (handshake.fragmentOffset() != 0 || handshake.fragmentLength() != messageLength)
        {
            return fail(Failure.FRAGMENTED);
        }
        if (messageLength != recordLength - HandshakeHeaderDecoder.HEADER_LENGTH)
        {
            return fail(Failure.LENGTH_MISMATCH);
        }
        final int serverVersion = serverVersion();
        if (serverVersion != DtlsRecordDecoder.DTLS_1_0 && serverVersion != DtlsRecordDecoder.DTLS_1_2)
        {
            return fail(Failure.BAD_SERVER_VERSION);
        }
        final int cookieLength = buffer.getByte(offset + BODY_OFFSET + 2) & 0xFF;
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
     * After a successful {@link #decode()}: whether the reply is a ServerHello rather than an HVR.
     *
     * @return true for a ServerHello.
     */
    public boolean isServerHello()
    {
        return handshake.msgType() == SERVER_HELLO;
    }

    /**
     * After a failed {@link #decode()}: why.
     *
     * @return the failure, or null after a successful decode.
     */
    public Failure failure()
    {
        return failure;
    }

    /**
     * The record sequence number, which an HVR copies from the hello it answers (RFC 6347 section 4.2.1 MUST).
     *
     * @return the 48-bit sequence number; valid when the datagram holds a record header.
     */
    public long recordSequenceNumber()
    {
        return record.sequenceNumber();
    }

    /**
     * message_seq of the HVR: 0 from a stateless server, whatever the hello's.
     *
     * @return the 16-bit message sequence; valid when the datagram holds both headers.
     */
    public int messageSeq()
    {
        return handshake.messageSeq();
    }

    /**
     * server_version of the HVR: 0xfeff whatever is negotiated later (RFC 6347 section 4.2.1 SHOULD).
     *
     * @return the 16-bit version; valid after an HVR decoded.
     */
    public int serverVersion()
    {
        return buffer.getShort(offset + BODY_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    /**
     * After an HVR decoded: the absolute offset of its cookie in the wrapped buffer.
     *
     * @return offset of the cookie.
     */
    public int cookieOffset()
    {
        return offset + HelloVerifyRequestEncoder.COOKIE_OFFSET;
    }

    /**
     * After an HVR decoded: its cookie's length.
     *
     * @return 1 to 255 bytes; 0 otherwise.
     */
    public int cookieLength()
    {
        return cookieLength;
    }

    private boolean fail(final Failure failure)
    {
        this.failure = failure;
        return false;
    }
}
