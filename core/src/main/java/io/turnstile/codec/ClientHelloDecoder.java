package io.turnstile.codec;

import org.agrona.DirectBuffer;

import static java.nio.ByteOrder.BIG_ENDIAN;

/**
 * Decodes the first record of a datagram as a DTLS ClientHello, RFC 6347 section 4.2.1 and RFC 4347 section 4.2.2.
 * <pre>
 *  record header (13)     see {@link DtlsRecordDecoder}, RFC 6347 section 4.1
 *  handshake header (12)  see {@link HandshakeHeaderDecoder}, RFC 6347 section 4.2.2
 *  ClientHello body:
 *   +----------------+------------------+-------------------------+--------------------+
 *   | client_version | random (32)      | session_id &lt;0..32&gt;    | cookie &lt;0..2^8-1&gt;  |
 *   | (2)            |                  | len(1) + bytes          | len(1) + bytes     |
 *   +----------------+------------------+-------------------------+--------------------+
 *   | cipher_suites &lt;2..2^16-2&gt;          | compression_methods &lt;1..2^8-1&gt;                |
 *   | len(2) + bytes, even               | len(1) + bytes                                |
 *   +------------------------------------+-----------------------------------------------+
 *   | extensions &lt;0..2^16-1&gt; (optional): len(2), then { type(2) len(2) data }*           |
 *   +-------------------------------------------------------------------------------------+
 * </pre>
 * {@link #decode()} checks everything once: every length field against the bytes actually present, the record
 * (type 22, version 0xfeff or 0xfefd, epoch 0), the handshake header (client_hello, a first fragment that fits) and
 * the body. Only the first record of the datagram is examined; later records are ignored. The record must hold the
 * hello's fragment and nothing else: a client's first flight is the ClientHello alone, so bytes after it in its record
 * are refused, as OpenSSL's {@code DTLSv1_listen} refuses them. A first fragment
 * (fragment_offset 0, fragment_length &lt; length) decodes when every field up to compression_methods lies inside it;
 * its extensions are then not examined. An unfragmented hello must be exact: extensions, when present, fill the rest
 * of the message to the byte. After a successful decode the getters do no checks.
 * <p>
 * Nothing is allocated and nothing is read outside {@code [offset, offset + length)}.
 */
public final class ClientHelloDecoder
{
    /** Offset of client_version in the ClientHello body. */
    public static final int CLIENT_VERSION_OFFSET = 0;
    /** Offset of random in the ClientHello body. */
    public static final int RANDOM_OFFSET = 2;
    /** Length of random. */
    public static final int RANDOM_LENGTH = 32;
    /** Longest session_id. */
    public static final int MAX_SESSION_ID_LENGTH = 32;
    /** Longest cookie a DTLS 1.0 (RFC 4347) ClientHello may carry. */
    public static final int MAX_DTLS_1_0_COOKIE_LENGTH = 32;
    /** Where the ClientHello body starts, relative to the record. */
    public static final int BODY_OFFSET = DtlsRecordDecoder.HEADER_LENGTH + HandshakeHeaderDecoder.HEADER_LENGTH;

    private final DtlsRecordDecoder record = new DtlsRecordDecoder();
    private final HandshakeHeaderDecoder handshake = new HandshakeHeaderDecoder();

    private DirectBuffer buffer;
    private int offset;
    private int length;
    private ClientHelloFault fault;

    private int clientVersion;
    private int sessionIdOffset;
    private int sessionIdLength;
    private int cookieOffset;
    private int cookieLength;
    private int cipherSuitesOffset;
    private int cipherSuitesLength;
    private int compressionMethodsOffset;
    private int compressionMethodsLength;
    private int extensionsOffset;
    private int extensionsLength;
    private int extensionCount;

    /**
     * Wrap a datagram. Nothing is checked until {@link #decode()}.
     *
     * @param buffer holding the datagram.
     * @param offset at which the datagram starts.
     * @param length of the datagram in bytes.
     * @return this for a fluent API.
     */
    public ClientHelloDecoder wrap(final DirectBuffer buffer, final int offset, final int length)
    {
        this.buffer = buffer;
        this.offset = offset;
        this.length = length;
        this.fault = null;
        record.wrap(buffer, offset);
        handshake.wrap(buffer, offset + DtlsRecordDecoder.HEADER_LENGTH);
        return this;
    }

    /**
     * Check the wrapped datagram's first record is a well-formed ClientHello, or a usable first fragment of one.
     *
     * @return true when well formed; otherwise {@link #fault()} says why not.
     */
    public boolean decode()
    {
        if (length < DtlsRecordDecoder.HEADER_LENGTH)
        {
            return fail(ClientHelloFault.RECORD_TOO_SHORT);
        }
        if (record.contentType() != DtlsRecordDecoder.CONTENT_TYPE_HANDSHAKE)
        {
            return fail(ClientHelloFault.NOT_HANDSHAKE);
        }
        final int recordVersion = record.version();
        if (recordVersion != DtlsRecordDecoder.DTLS_1_0 && recordVersion != DtlsRecordDecoder.DTLS_1_2)
        {
            return fail(ClientHelloFault.BAD_RECORD_VERSION);
        }
        if (record.epoch() != 0)
        {
            return fail(ClientHelloFault.NON_ZERO_EPOCH);
        }
        final int recordLength = record.length();
        if (recordLength > length - DtlsRecordDecoder.HEADER_LENGTH || recordLength < HandshakeHeaderDecoder.HEADER_LENGTH)
        {
            return fail(ClientHelloFault.RECORD_TRUNCATED);
        }
        if (handshake.msgType() != HandshakeHeaderDecoder.CLIENT_HELLO)
        {
            return fail(ClientHelloFault.NOT_CLIENT_HELLO);
        }
        final int messageLength = handshake.length();
        final int fragmentOffset = handshake.fragmentOffset();
        final int fragmentLength = handshake.fragmentLength();
        if (fragmentOffset != 0)
        {
            return fail(ClientHelloFault.NOT_FIRST_FRAGMENT);
        }
        if (fragmentLength > messageLength || fragmentLength > recordLength - HandshakeHeaderDecoder.HEADER_LENGTH)
        {
            return fail(ClientHelloFault.BAD_FRAGMENT);
        }
        if (fragmentLength != recordLength - HandshakeHeaderDecoder.HEADER_LENGTH)
        {
            return fail(ClientHelloFault.TRAILING_BYTES);
        }

        return decodeBody(offset + BODY_OFFSET, fragmentLength, fragmentLength < messageLength);
    }

    private boolean decodeBody(final int bodyOffset, final int bodyLength, final boolean fragmented)
    {
        final int end = bodyOffset + bodyLength;
        final ClientHelloFault truncated = fragmented ? ClientHelloFault.FRAGMENT_TOO_SHORT : ClientHelloFault.MALFORMED_CLIENT_HELLO;

        int index = bodyOffset;
        if (bodyLength < RANDOM_OFFSET + RANDOM_LENGTH + 1)
        {
            return fail(truncated);
        }
        clientVersion = buffer.getShort(index, BIG_ENDIAN) & 0xFFFF;
        if (clientVersion != DtlsRecordDecoder.DTLS_1_0 && clientVersion != DtlsRecordDecoder.DTLS_1_2)
        {
            return fail(ClientHelloFault.BAD_CLIENT_VERSION);
        }
        index += RANDOM_OFFSET + RANDOM_LENGTH;

        sessionIdLength = buffer.getByte(index) & 0xFF;
        sessionIdOffset = index + 1;
        if (sessionIdLength > MAX_SESSION_ID_LENGTH)
        {
            return fail(ClientHelloFault.MALFORMED_CLIENT_HELLO);
        }
        index = sessionIdOffset + sessionIdLength;

        if (index + 1 > end)
        {
            return fail(truncated);
        }
        cookieLength = buffer.getByte(index) & 0xFF;
        cookieOffset = index + 1;
        if (clientVersion == DtlsRecordDecoder.DTLS_1_0 && cookieLength > MAX_DTLS_1_0_COOKIE_LENGTH)
        {
            return fail(ClientHelloFault.MALFORMED_CLIENT_HELLO);
        }
        index = cookieOffset + cookieLength;

        if (index + 2 > end)
        {
            return fail(truncated);
        }
        cipherSuitesLength = buffer.getShort(index, BIG_ENDIAN) & 0xFFFF;
        cipherSuitesOffset = index + 2;
        if (cipherSuitesLength < 2 || (cipherSuitesLength & 1) != 0)
        {
            return fail(ClientHelloFault.MALFORMED_CLIENT_HELLO);
        }
        index = cipherSuitesOffset + cipherSuitesLength;

        if (index + 1 > end)
        {
            return fail(truncated);
        }
        compressionMethodsLength = buffer.getByte(index) & 0xFF;
        compressionMethodsOffset = index + 1;
        if (compressionMethodsLength < 1)
        {
            return fail(ClientHelloFault.MALFORMED_CLIENT_HELLO);
        }
        index = compressionMethodsOffset + compressionMethodsLength;
        if (index > end)
        {
            return fail(truncated);
        }

        extensionsOffset = -1;
        extensionsLength = 0;
        extensionCount = 0;
        if (fragmented)
        {
            return true;
        }

        return index == end || decodeExtensions(index, end);
    }

    private boolean decodeExtensions(final int index, final int end)
    {
        if (index + 2 > end)
        {
            return fail(ClientHelloFault.MALFORMED_CLIENT_HELLO);
        }
        final int blockLength = buffer.getShort(index, BIG_ENDIAN) & 0xFFFF;
        final int blockOffset = index + 2;
        if (blockOffset + blockLength != end)
        {
            return fail(ClientHelloFault.MALFORMED_CLIENT_HELLO);
        }

        int count = 0;
        int cursor = blockOffset;
        while (cursor < end)
        {
            if (cursor + 4 > end)
            {
                return fail(ClientHelloFault.MALFORMED_CLIENT_HELLO);
            }
            final int dataLength = buffer.getShort(cursor + 2, BIG_ENDIAN) & 0xFFFF;
            cursor += 4 + dataLength;
            if (cursor > end)
            {
                return fail(ClientHelloFault.MALFORMED_CLIENT_HELLO);
            }
            count++;
        }

        extensionsOffset = blockOffset;
        extensionsLength = blockLength;
        extensionCount = count;
        return true;
    }

    private boolean fail(final ClientHelloFault fault)
    {
        this.fault = fault;
        return false;
    }

    /**
     * Why the last {@link #decode()} failed.
     *
     * @return the fault, or null after a successful decode.
     */
    public ClientHelloFault fault()
    {
        return fault;
    }

    /**
     * The buffer that was wrapped.
     *
     * @return the buffer that was wrapped.
     */
    public DirectBuffer buffer()
    {
        return buffer;
    }

    /**
     * Offset of the datagram, which is where the ClientHello record starts.
     *
     * @return the offset of the record.
     */
    public int recordOffset()
    {
        return offset;
    }

    /**
     * Length of the first record including its header.
     *
     * @return the record length in bytes.
     */
    public int recordLength()
    {
        return DtlsRecordDecoder.HEADER_LENGTH + record.length();
    }

    /**
     * Protocol version of the record header.
     *
     * @return the record version.
     */
    public int recordVersion()
    {
        return record.version();
    }

    /**
     * The 48-bit sequence number of the record, which a HelloVerifyRequest and the first ServerHello repeat.
     *
     * @return the record sequence number.
     */
    public long recordSequenceNumber()
    {
        return record.sequenceNumber();
    }

    /**
     * message_seq of the ClientHello.
     *
     * @return the handshake message sequence.
     */
    public int messageSeq()
    {
        return handshake.messageSeq();
    }

    /**
     * Length of the whole ClientHello body, across all fragments.
     *
     * @return the message length.
     */
    public int messageLength()
    {
        return handshake.length();
    }

    /**
     * Body bytes carried by this record.
     *
     * @return the fragment length.
     */
    public int fragmentLength()
    {
        return handshake.fragmentLength();
    }

    /**
     * Whether this record carries only the first fragment of the ClientHello.
     *
     * @return true when the ClientHello continues in a later fragment.
     */
    public boolean isFragmented()
    {
        return handshake.fragmentLength() < handshake.length();
    }

    /**
     * client_version of the ClientHello.
     *
     * @return 0xfeff or 0xfefd.
     */
    public int clientVersion()
    {
        return clientVersion;
    }

    /**
     * Offset of the 32-byte random.
     *
     * @return offset in the buffer.
     */
    public int randomOffset()
    {
        return offset + BODY_OFFSET + RANDOM_OFFSET;
    }

    /**
     * Offset of the session_id bytes (after the length byte).
     *
     * @return offset in the buffer.
     */
    public int sessionIdOffset()
    {
        return sessionIdOffset;
    }

    /**
     * Length of session_id.
     *
     * @return 0 to 32.
     */
    public int sessionIdLength()
    {
        return sessionIdLength;
    }

    /**
     * Offset of the cookie bytes (after the length byte).
     *
     * @return offset in the buffer.
     */
    public int cookieOffset()
    {
        return cookieOffset;
    }

    /**
     * Length of the cookie.
     *
     * @return 0 for a cookie-less hello.
     */
    public int cookieLength()
    {
        return cookieLength;
    }

    /**
     * Offset of the cipher_suites bytes (after the length field).
     *
     * @return offset in the buffer.
     */
    public int cipherSuitesOffset()
    {
        return cipherSuitesOffset;
    }

    /**
     * Length of cipher_suites in bytes.
     *
     * @return an even length of at least 2.
     */
    public int cipherSuitesLength()
    {
        return cipherSuitesLength;
    }

    /**
     * Offset of the compression_methods bytes (after the length byte).
     *
     * @return offset in the buffer.
     */
    public int compressionMethodsOffset()
    {
        return compressionMethodsOffset;
    }

    /**
     * Length of compression_methods.
     *
     * @return 1 to 255.
     */
    public int compressionMethodsLength()
    {
        return compressionMethodsLength;
    }

    /**
     * Offset of the first extension (after the block's length field).
     *
     * @return offset in the buffer, or -1 when the hello has no extensions or is a fragment.
     */
    public int extensionsOffset()
    {
        return extensionsOffset;
    }

    /**
     * Length of the extensions block (without its length field).
     *
     * @return length in bytes; 0 when absent or not examined.
     */
    public int extensionsLength()
    {
        return extensionsLength;
    }

    /**
     * How many extensions the unfragmented hello carries.
     *
     * @return the number of extensions walked.
     */
    public int extensionCount()
    {
        return extensionCount;
    }

    /**
     * Find an extension by type in an unfragmented hello.
     *
     * @param type of the extension, e.g. 43 for supported_versions.
     * @return the offset of its extension_data, or -1 when absent.
     */
    public int findExtension(final int type)
    {
        if (extensionsOffset < 0)
        {
            return -1;
        }
        final int end = extensionsOffset + extensionsLength;
        int cursor = extensionsOffset;
        while (cursor < end)
        {
            final int dataLength = buffer.getShort(cursor + 2, BIG_ENDIAN) & 0xFFFF;
            if ((buffer.getShort(cursor, BIG_ENDIAN) & 0xFFFF) == type)
            {
                return cursor + 4;
            }
            cursor += 4 + dataLength;
        }
        return -1;
    }
}
