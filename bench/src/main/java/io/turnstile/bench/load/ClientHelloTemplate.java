package io.turnstile.bench.load;

import io.turnstile.bench.Captures;
import io.turnstile.codec.ClientHelloDecoder;
import io.turnstile.codec.DtlsRecordDecoder;
import io.turnstile.codec.HandshakeHeaderDecoder;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A real cookie-less ClientHello capture (a corpus file) turned into the two hellos of a cookie exchange, as a real
 * DTLS client sends them, RFC 6347 section 4.2.1:
 * <ul>
 *     <li>the first hello: the template with a freshly drawn random, the given record sequence number and
 *     message_seq 0;</li>
 *     <li>the cookie hello: the same fields (same random, which the cookie binds) with the server's cookie spliced
 *     into the cookie field, every length fixed up, the given record sequence number and message_seq 1.</li>
 * </ul>
 * <pre>
 *  record (13) | handshake (12) | client_version (2) | random (32) | session_id len+bytes | cookie len+bytes | ...
 *  seq at 5..10                   message_seq at 17..18              random at 27..58
 * </pre>
 * ByteBuffers are big-endian unless told otherwise, which is DTLS's byte order.
 * The template is checked with core's {@link ClientHelloDecoder} once, here: it must be a single unfragmented
 * record without a cookie. Not a hot path: the load generator sends a few thousand hellos a second at most.
 */
final class ClientHelloTemplate
{
    /** The default template: {@code openssl s_client -dtls1_2}'s first hello. */
    static final String DEFAULT_TEMPLATE = "openssl-dtls12-ch1-nocookie.bin";

    private static final int SEQUENCE_NUMBER_OFFSET = DtlsRecordDecoder.SEQUENCE_NUMBER_OFFSET;
    private static final int MESSAGE_SEQ_OFFSET =
        DtlsRecordDecoder.HEADER_LENGTH + HandshakeHeaderDecoder.MESSAGE_SEQ_OFFSET;
    private static final int RANDOM_OFFSET = ClientHelloDecoder.BODY_OFFSET + ClientHelloDecoder.RANDOM_OFFSET;

    private final String name;
    private final byte[] hello;
    private final int cookieLengthOffset;

    private ClientHelloTemplate(final String name, final byte[] hello)
    {
        final ClientHelloDecoder decoder = new ClientHelloDecoder();
        final DirectBuffer buffer = new UnsafeBuffer(hello);
        if (!decoder.wrap(buffer, 0, hello.length).decode())
        {
            throw new IllegalArgumentException("template " + name + " is not a ClientHello: " + decoder.fault());
        }
        if (decoder.isFragmented() || decoder.recordLength() != hello.length)
        {
            throw new IllegalArgumentException("template " + name + " must be one unfragmented record, got record of " +
                decoder.recordLength() + " bytes in a datagram of " + hello.length + (decoder.isFragmented() ?
                " (fragmented)" : ""));
        }
        if (decoder.cookieLength() != 0)
        {
            throw new IllegalArgumentException("template " + name + " must be a first hello without a cookie, has " +
                decoder.cookieLength() + " cookie bytes");
        }
        this.name = name;
        this.hello = hello;
        this.cookieLengthOffset = decoder.cookieOffset() - 1;
    }

    /**
     * Load a template: a corpus name from the class path ({@code corpus/NAME} in the benchmark jar) or a file path.
     *
     * @param nameOrPath e.g. {@value #DEFAULT_TEMPLATE}, or a path to a capture.
     * @return the template.
     * @throws IllegalArgumentException when neither exists or it is not a cookie-less single-record hello.
     */
    static ClientHelloTemplate load(final String nameOrPath)
    {
        final byte[] capture = Captures.find(nameOrPath);
        if (null != capture)
        {
            return new ClientHelloTemplate(nameOrPath, capture);
        }
        final Path path = Path.of(nameOrPath);
        if (Files.isRegularFile(path))
        {
            try
            {
                return new ClientHelloTemplate(nameOrPath, Files.readAllBytes(path));
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException("cannot read template " + nameOrPath, ex);
            }
        }
        throw new IllegalArgumentException("template " + nameOrPath + " is neither corpus/" + nameOrPath +
            " on the class path nor a file");
    }

    /**
     * The template's name as given.
     *
     * @return name or path.
     */
    String name()
    {
        return name;
    }

    /**
     * Length of the first hello.
     *
     * @return bytes.
     */
    int length()
    {
        return hello.length;
    }

    /**
     * Write the first, cookie-less hello.
     *
     * @param clientRandom         the attempt's 32-byte random.
     * @param recordSequenceNumber the record's sequence number (0 for the first record a client sends).
     * @param into                 cleared, written and flipped, ready to send.
     */
    void writeFirstHello(final byte[] clientRandom, final long recordSequenceNumber, final ByteBuffer into)
    {
        into.clear();
        into.put(hello);
        into.flip();
        into.put(RANDOM_OFFSET, clientRandom, 0, ClientHelloDecoder.RANDOM_LENGTH);
        putSequenceNumber(into, recordSequenceNumber);
        into.putShort(MESSAGE_SEQ_OFFSET, (short)0);
    }

    /**
     * Write the hello that returns the server's cookie: message_seq 1, the same random, the cookie in place.
     *
     * @param clientRandom         the attempt's 32-byte random, as in the first hello.
     * @param recordSequenceNumber the record's sequence number (1 after one first hello).
     * @param cookie               buffer holding the HVR's cookie.
     * @param cookieOffset         of the cookie.
     * @param cookieLength         1 to 255.
     * @param into                 cleared, written and flipped, ready to send.
     */
    void writeCookieHello(
        final byte[] clientRandom,
        final long recordSequenceNumber,
        final DirectBuffer cookie,
        final int cookieOffset,
        final int cookieLength,
        final ByteBuffer into)
    {
        final int length = hello.length + cookieLength;
        into.clear();
        into.put(hello, 0, cookieLengthOffset);
        into.put((byte)cookieLength);
        for (int i = 0; i < cookieLength; i++)
        {
            into.put(cookie.getByte(cookieOffset + i));
        }
        into.put(hello, cookieLengthOffset + 1, hello.length - cookieLengthOffset - 1);
        into.flip();
        into.put(RANDOM_OFFSET, clientRandom, 0, ClientHelloDecoder.RANDOM_LENGTH);
        putSequenceNumber(into, recordSequenceNumber);
        into.putShort(MESSAGE_SEQ_OFFSET, (short)1);
        into.putShort(DtlsRecordDecoder.LENGTH_OFFSET, (short)(length - DtlsRecordDecoder.HEADER_LENGTH));
        final int bodyLength = length - ClientHelloDecoder.BODY_OFFSET;
        putUint24(into, DtlsRecordDecoder.HEADER_LENGTH + HandshakeHeaderDecoder.LENGTH_OFFSET, bodyLength);
        putUint24(into, DtlsRecordDecoder.HEADER_LENGTH + HandshakeHeaderDecoder.FRAGMENT_LENGTH_OFFSET, bodyLength);
    }

    private static void putSequenceNumber(final ByteBuffer into, final long sequenceNumber)
    {
        into.putShort(SEQUENCE_NUMBER_OFFSET, (short)(sequenceNumber >>> 32));
        into.putInt(SEQUENCE_NUMBER_OFFSET + 2, (int)sequenceNumber);
    }

    private static void putUint24(final ByteBuffer into, final int index, final int value)
    {
        into.put(index, (byte)(value >>> 16));
        into.putShort(index + 1, (short)value);
    }
}
