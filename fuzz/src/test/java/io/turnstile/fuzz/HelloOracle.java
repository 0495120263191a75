package io.turnstile.fuzz;

/**
 * The fuzzers' independent judge of "a well-formed ClientHello that deserves a HelloVerifyRequest", written from the
 * wire formats of RFC 6347 (sections 4.1, 4.2.1, 4.2.2) and RFC 4347 and the receiving rules of
 * {@code shared/PROTOCOL.md}, not from the decoder: it shares no code with {@code io.turnstile.codec} and reads a plain
 * {@code byte[]} with a cursor that refuses to move past what it was given.
 * <pre>
 *  DTLSPlaintext (13):  type 22 | version 0xfeff or 0xfefd | epoch 0 | sequence_number (6) | length (2)
 *                       length fits the datagram; only this first record is read
 *  Handshake (12):      msg_type 1 | length (3) | message_seq (2) | fragment_offset 0 | fragment_length (3)
 *                       fragment_length &lt;= length, and the fragment fits the record
 *                       length &lt;= maxHelloLength (policy, default 16384: hello_too_long)
 *                       the record holds the fragment and nothing after it (record length = 12 + fragment_length)
 *                       message_seq &lt;= 3 (the verifier's documented bound)
 *  ClientHello:         client_version 0xfeff or 0xfefd | random (32) | session_id &lt;0..32&gt;
 *                       | cookie &lt;0..32&gt; when client_version is DTLS 1.0, &lt;0..255&gt; otherwise
 *                       | cipher_suites &lt;2..2^16-2&gt;, even | compression_methods &lt;1..255&gt;
 *                       unfragmented: nothing more, or extensions &lt;0..2^16-1&gt; filling the rest exactly,
 *                       each type (2) | length (2) | data inside the block
 *                       fragmented (first fragment): every field up to compression_methods inside it
 * </pre>
 * A datagram that passes is answered (REPLY) or, with a cookie this server issued, VERIFIED; anything else is
 * dropped. {@link #parse(byte[], int, int)} returns where the fields lie, so the fuzzers can compare the decoder's
 * getters and splice cookies without calling the decoder.
 */
public final class HelloOracle
{
    /** The hello-length policy limit the verifier applies by default (reason hello_too_long). */
    public static final int DEFAULT_MAX_HELLO_LENGTH = 16_384;
    /** The message_seq bound the verifier documents (ClientHelloVerifier.Context.DEFAULT_MAX_MESSAGE_SEQ). */
    public static final int MAX_MESSAGE_SEQ = 3;
    /** Record and client version of DTLS 1.0, RFC 4347. */
    public static final int DTLS_1_0 = 0xFEFF;
    /** Record and client version of DTLS 1.2, RFC 6347. */
    public static final int DTLS_1_2 = 0xFEFD;

    private static final int HANDSHAKE = 22;
    private static final int CLIENT_HELLO = 1;
    private static final int HELLO_VERIFY_REQUEST = 3;

    private final int maxHelloLength;
    private final boolean exactRecord;

    /**
     * The oracle with the verifier's default rules.
     */
    public HelloOracle()
    {
        this(DEFAULT_MAX_HELLO_LENGTH, true);
    }

    /**
     * An oracle with the two rules added in issue 9 as parameters, so its own tests can show what each one changes.
     *
     * @param maxHelloLength largest handshake length accepted; {@link Integer#MAX_VALUE} for no limit.
     * @param exactRecord    whether the hello's fragment must end its record.
     */
    public HelloOracle(final int maxHelloLength, final boolean exactRecord)
    {
        this.maxHelloLength = maxHelloLength;
        this.exactRecord = exactRecord;
    }

    /**
     * The oracle the fuzzers use: the verifier's default rules.
     *
     * @return the oracle.
     */
    public static HelloOracle forVerifier()
    {
        return new HelloOracle();
    }

    /**
     * Judge the datagram {@code [offset, offset + length)}.
     *
     * @param datagram bytes.
     * @param offset   of the datagram.
     * @param length   of the datagram.
     * @return the hello's fields, offsets relative to {@code offset}; null when it deserves no reply.
     */
    public Hello parse(final byte[] datagram, final int offset, final int length)
    {
        try
        {
            return parse(new Cursor(datagram, offset, offset + length), offset);
        }
        catch (final Malformed ignore)
        {
            return null;
        }
    }

    /**
     * Judge a whole array.
     *
     * @param datagram bytes.
     * @return the hello's fields, or null when it deserves no reply.
     */
    public Hello parse(final byte[] datagram)
    {
        return parse(datagram, 0, datagram.length);
    }

    private Hello parse(final Cursor datagram, final int base)
    {
        final int type = datagram.u8();
        final int recordVersion = datagram.u16();
        final int epoch = datagram.u16();
        final long sequenceNumber = datagram.u48();
        final int recordLength = datagram.u16();
        require(type == HANDSHAKE);
        require(recordVersion == DTLS_1_0 || recordVersion == DTLS_1_2);
        require(epoch == 0);
        final Cursor record = datagram.take(recordLength);

        final int msgType = record.u8();
        final int messageLength = record.u24();
        final int messageSeq = record.u16();
        final int fragmentOffset = record.u24();
        final int fragmentLength = record.u24();
        require(msgType == CLIENT_HELLO);
        require(fragmentOffset == 0);
        require(fragmentLength <= messageLength);
        require(messageLength <= maxHelloLength);
        require(messageSeq <= MAX_MESSAGE_SEQ);
        final Cursor body = record.take(fragmentLength);
        final boolean fragmented = fragmentLength < messageLength;
        if (exactRecord)
        {
            // Issue 9 worded this for unfragmented hellos; the decoder on main (TRAILING_BYTES) and OpenSSL's
            // DTLSv1_listen refuse trailing bytes after a first fragment too, and so does this oracle.
            require(record.remaining() == 0);
        }

        final int clientVersion = body.u16();
        require(clientVersion == DTLS_1_0 || clientVersion == DTLS_1_2);
        body.take(32);
        final int sessionIdLength = body.u8();
        require(sessionIdLength <= 32);
        final int sessionIdAt = body.take(sessionIdLength).start - base;
        final int cookieLength = body.u8();
        require(clientVersion != DTLS_1_0 || cookieLength <= 32);
        final int cookieAt = body.take(cookieLength).start - base;
        final int suitesLength = body.u16();
        require(suitesLength >= 2 && suitesLength % 2 == 0);
        final int suitesAt = body.take(suitesLength).start - base;
        final int compressionLength = body.u8();
        require(compressionLength >= 1);
        final int compressionAt = body.take(compressionLength).start - base;

        int extensionsAt = -1;
        int extensionsLength = 0;
        int extensionCount = 0;
        if (!fragmented && body.remaining() > 0)
        {
            extensionsLength = body.u16();
            require(extensionsLength == body.remaining());
            extensionsAt = body.at - base;
            while (body.remaining() > 0)
            {
                body.u16();
                body.take(body.u16());
                extensionCount++;
            }
        }

        return new Hello(sequenceNumber, recordVersion, 13 + recordLength, messageSeq, messageLength, fragmentLength,
            clientVersion, sessionIdAt, sessionIdLength, cookieAt, cookieLength, suitesAt, suitesLength,
            compressionAt, compressionLength, extensionsAt, extensionsLength, extensionCount);
    }

    /**
     * Check a reply is the HelloVerifyRequest RFC 6347 section 4.2.1 and PROTOCOL.md describe for a hello: record
     * type 22, version 0xfeff, epoch 0, the hello's record sequence number, one unfragmented hello_verify_request of
     * message_seq 0, server_version 0xfeff and a cookie of at most 32 bytes filling the message.
     *
     * @param reply  bytes written.
     * @param offset of the reply.
     * @param length of the reply.
     * @param hello  the hello answered.
     * @return null when it is; otherwise what is wrong.
     */
    public static String checkHelloVerifyRequest(
        final byte[] reply, final int offset, final int length, final Hello hello)
    {
        try
        {
            final Cursor record = new Cursor(reply, offset, offset + length);
            if (record.u8() != HANDSHAKE || record.u16() != DTLS_1_0 || record.u16() != 0)
            {
                return "record header is not handshake, 0xfeff, epoch 0";
            }
            if (record.u48() != hello.recordSequenceNumber())
            {
                return "record sequence number is not the hello's";
            }
            final int recordLength = record.u16();
            if (recordLength != record.remaining())
            {
                return "record length " + recordLength + " does not fill the reply";
            }
            final int msgType = record.u8();
            final int messageLength = record.u24();
            final int messageSeq = record.u16();
            final int fragmentOffset = record.u24();
            final int fragmentLength = record.u24();
            if (msgType != HELLO_VERIFY_REQUEST || messageSeq != 0 || fragmentOffset != 0 ||
                fragmentLength != messageLength || messageLength != record.remaining())
            {
                return "handshake header is not one unfragmented hello_verify_request of message_seq 0";
            }
            if (record.u16() != DTLS_1_0)
            {
                return "server_version is not 0xfeff";
            }
            final int cookieLength = record.u8();
            if (cookieLength > 32 || cookieLength != record.remaining())
            {
                return "cookie length " + cookieLength + " is over 32 or does not fill the message";
            }
            return null;
        }
        catch (final Malformed ex)
        {
            return "truncated";
        }
    }

    private static void require(final boolean condition)
    {
        if (!condition)
        {
            throw Malformed.INSTANCE;
        }
    }

    /**
     * Where a well-formed hello's fields lie; offsets are from the start of the datagram.
     *
     * @param recordSequenceNumber the record's 48-bit sequence number.
     * @param recordVersion        the record's version.
     * @param recordLength         the first record's length, header included.
     * @param messageSeq           message_seq.
     * @param messageLength        the handshake length field.
     * @param fragmentLength       the handshake fragment_length field.
     * @param clientVersion        client_version.
     * @param sessionIdAt          offset of the session_id bytes.
     * @param sessionIdLength      length of session_id.
     * @param cookieAt             offset of the cookie bytes.
     * @param cookieLength         length of the cookie.
     * @param suitesAt             offset of the cipher_suites bytes.
     * @param suitesLength         length of cipher_suites.
     * @param compressionAt        offset of the compression_methods bytes.
     * @param compressionLength    length of compression_methods.
     * @param extensionsAt         offset of the first extension, -1 when there is no extensions block or not examined.
     * @param extensionsLength     length of the extensions block.
     * @param extensionCount       number of extensions.
     */
    public record Hello(
        long recordSequenceNumber,
        int recordVersion,
        int recordLength,
        int messageSeq,
        int messageLength,
        int fragmentLength,
        int clientVersion,
        int sessionIdAt,
        int sessionIdLength,
        int cookieAt,
        int cookieLength,
        int suitesAt,
        int suitesLength,
        int compressionAt,
        int compressionLength,
        int extensionsAt,
        int extensionsLength,
        int extensionCount)
    {
        /**
         * Whether this is the first fragment of a longer hello.
         *
         * @return true when fragment_length is less than length.
         */
        public boolean fragmented()
        {
            return fragmentLength < messageLength;
        }
    }

    /**
     * Reads big-endian integers from {@code [at, end)} and throws {@link Malformed} rather than read past end.
     */
    private static final class Cursor
    {
        private final byte[] bytes;
        private final int start;
        private final int end;
        private int at;

        Cursor(final byte[] bytes, final int start, final int end)
        {
            this.bytes = bytes;
            this.start = start;
            this.end = end;
            this.at = start;
        }

        int remaining()
        {
            return end - at;
        }

        Cursor take(final int length)
        {
            require(length >= 0 && length <= remaining());
            final Cursor taken = new Cursor(bytes, at, at + length);
            at += length;
            return taken;
        }

        long unsigned(final int byteCount)
        {
            require(byteCount <= remaining());
            long value = 0;
            for (int i = 0; i < byteCount; i++)
            {
                value = (value << 8) | (bytes[at++] & 0xFF);
            }
            return value;
        }

        int u8()
        {
            return (int)unsigned(1);
        }

        int u16()
        {
            return (int)unsigned(2);
        }

        int u24()
        {
            return (int)unsigned(3);
        }

        long u48()
        {
            return unsigned(6);
        }
    }

    /**
     * Not a hello: thrown by the cursor and the rules, caught once. No stack trace, so the fuzzers stay fast.
     */
    private static final class Malformed extends RuntimeException
    {
        static final Malformed INSTANCE = new Malformed();

        private Malformed()
        {
            super("not a well-formed ClientHello", null, false, false);
        }
    }
}
