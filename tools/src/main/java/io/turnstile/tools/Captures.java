package io.turnstile.tools;

import io.turnstile.codec.ClientHelloDecoder;
import io.turnstile.codec.ClientHelloEncoder;
import io.turnstile.codec.DtlsRecordDecoder;
import io.turnstile.codec.HandshakeHeaderDecoder;
import io.turnstile.codec.HelloVerifyRequestDecoder;
import org.agrona.BitUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static java.nio.ByteOrder.BIG_ENDIAN;

/**
 * The real ClientHello captures (vendored in {@code core/src/test/resources/corpus}, copied into the tools jar as
 * {@code corpus/}) that the flood, the legit clients and the benchmarks send, and the few edits the benchmarks make to
 * them. The wire formats are core's ({@link ClientHelloEncoder}, {@link HelloVerifyRequestDecoder}); this class only
 * finds the bytes and checks them.
 */
public final class Captures
{
    /** The default hello: OpenSSL 3 {@code s_client -dtls1_2}'s first hello, 205 bytes, no cookie. */
    public static final String DEFAULT_HELLO = "openssl-dtls12-ch1-nocookie.bin";
    /** The cookie-less first hellos in the corpus, for help texts. */
    public static final List<String> FIRST_HELLOS = List.of(
        "openssl-dtls12-ch1-nocookie.bin",
        "openssl-dtls10-ch1-nocookie.bin",
        "openssl-dtlsany-ch1-nocookie.bin",
        "openssl-dtls12-mtu256-ch1-nocookie.bin",
        "bc-dtls12-bccrypto-ch1-nocookie.bin",
        "bc-dtls12-jcacrypto-ch1-nocookie.bin");

    private Captures()
    {
    }

    /**
     * Load a capture from the class path.
     *
     * @param name file name in {@code corpus/}, e.g. {@value #DEFAULT_HELLO}.
     * @return the datagram bytes.
     * @throws IllegalStateException when there is no such capture.
     */
    public static byte[] load(final String name)
    {
        final byte[] bytes = find(name);
        if (null == bytes)
        {
            throw new IllegalStateException("capture /corpus/" + name + " is not on the class path");
        }
        return bytes;
    }

    /**
     * Load a capture from the class path if it is there.
     *
     * @param name file name in {@code corpus/}.
     * @return the datagram bytes, or null when there is no {@code corpus/NAME} on the class path.
     */
    public static byte[] find(final String name)
    {
        final String resource = "/corpus/" + name;
        try (InputStream in = Captures.class.getResourceAsStream(resource))
        {
            return null == in ? null : in.readAllBytes();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot read capture " + resource, ex);
        }
    }

    /**
     * Load a hello to send: a corpus name, else a file path; it must decode as a ClientHello (a hello the server
     * drops as malformed would measure the wrong path).
     *
     * @param nameOrPath e.g. {@value #DEFAULT_HELLO}, or a path to a capture.
     * @return the datagram bytes.
     * @throws IllegalArgumentException naming the capture when it is missing or not a ClientHello.
     */
    public static byte[] hello(final String nameOrPath)
    {
        byte[] bytes = nameOrPath.isEmpty() ? null : find(nameOrPath);
        if (null == bytes && !nameOrPath.isEmpty() && Files.isRegularFile(Path.of(nameOrPath)))
        {
            try
            {
                bytes = Files.readAllBytes(Path.of(nameOrPath));
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException("cannot read " + nameOrPath, ex);
            }
        }
        if (null == bytes)
        {
            throw new IllegalArgumentException("no capture '" + nameOrPath + "' in corpus/ on the class path and " +
                "no such file; first hellos: " + String.join(", ", FIRST_HELLOS));
        }
        final ClientHelloDecoder decoder = new ClientHelloDecoder().wrap(new UnsafeBuffer(bytes), 0, bytes.length);
        if (!decoder.decode())
        {
            throw new IllegalArgumentException(
                "capture '" + nameOrPath + "' is not a well-formed ClientHello: " + decoder.fault());
        }
        return bytes;
    }

    /**
     * Copy bytes into a new off-heap buffer of exactly their length.
     *
     * @param bytes to copy.
     * @return a buffer over direct memory.
     */
    public static UnsafeBuffer offHeap(final byte[] bytes)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(bytes.length));
        buffer.putBytes(0, bytes);
        return buffer;
    }

    /**
     * The cookie a HelloVerifyRequest record carries.
     *
     * @param hvr    the record as sent.
     * @param length of the record.
     * @return a copy of the cookie.
     * @throws IllegalStateException when it is not a well-formed HVR.
     */
    public static byte[] hvrCookie(final byte[] hvr, final int length)
    {
        final HelloVerifyRequestDecoder decoder =
            new HelloVerifyRequestDecoder().wrap(new UnsafeBuffer(hvr), 0, length);
        if (!decoder.decode() || decoder.isServerHello())
        {
            throw new IllegalStateException("not a HelloVerifyRequest record (" + decoder.failure() + "): " +
                BitUtil.toHex(hvr, 0, length));
        }
        return Arrays.copyOfRange(hvr, decoder.cookieOffset(), decoder.cookieOffset() + decoder.cookieLength());
    }

    /**
     * A single-record, unfragmented hello with its cookie replaced, every length field fixed up.
     *
     * @param hello  the hello to edit (not modified).
     * @param cookie the new cookie, 0 to 255 bytes.
     * @return the edited datagram.
     */
    public static byte[] withCookie(final byte[] hello, final byte[] cookie)
    {
        checkWholeHello(hello);
        final UnsafeBuffer out = new UnsafeBuffer(new byte[hello.length + cookie.length]);
        final int length = new ClientHelloEncoder().wrap(out, 0)
            .spliceCookie(new UnsafeBuffer(hello), 0, hello.length, new UnsafeBuffer(cookie), 0, cookie.length);
        return Arrays.copyOf(out.byteArray(), length);
    }

    /**
     * A hello cut in the middle of its extensions block, with the record length, handshake length and
     * fragment_length all fixed up to the cut: its headers agree with each other and with the datagram, so a parser
     * has to walk the whole body before it finds that the extensions block promises more bytes than remain.
     *
     * @param hello a single-record, unfragmented hello with extensions (not modified).
     * @return the truncated datagram.
     */
    public static byte[] truncatedInExtensions(final byte[] hello)
    {
        final ClientHelloDecoder decoder = checkWholeHello(hello);
        if (decoder.extensionsOffset() < 0)
        {
            throw new IllegalStateException("hello has no extensions to truncate");
        }
        final int cut = decoder.extensionsOffset() + decoder.extensionsLength() / 2;
        final UnsafeBuffer truncated = new UnsafeBuffer(Arrays.copyOf(hello, cut));
        final int bodyLength = cut - ClientHelloDecoder.BODY_OFFSET;
        truncated.putShort(DtlsRecordDecoder.LENGTH_OFFSET, (short)(cut - DtlsRecordDecoder.HEADER_LENGTH), BIG_ENDIAN);
        final int handshake = DtlsRecordDecoder.HEADER_LENGTH;
        for (final int at : new int[]{handshake + HandshakeHeaderDecoder.LENGTH_OFFSET,
            handshake + HandshakeHeaderDecoder.FRAGMENT_LENGTH_OFFSET})
        {
            truncated.putByte(at, (byte)(bodyLength >>> 16));
            truncated.putShort(at + 1, (short)bodyLength, BIG_ENDIAN);
        }
        return truncated.byteArray();
    }

    /**
     * The client id Turnstile binds for a peer, as BouncyCastle's DTLSVerifier takes it (6 bytes for IPv4): the address
     * in network byte order then the port, big-endian.
     *
     * @param address 4 or 16 bytes.
     * @param port    UDP port.
     * @return address and port.
     */
    public static byte[] clientId(final byte[] address, final int port)
    {
        final byte[] id = Arrays.copyOf(address, address.length + 2);
        id[address.length] = (byte)(port >>> 8);
        id[address.length + 1] = (byte)port;
        return id;
    }

    private static ClientHelloDecoder checkWholeHello(final byte[] hello)
    {
        final ClientHelloDecoder decoder = new ClientHelloDecoder().wrap(new UnsafeBuffer(hello), 0, hello.length);
        if (!decoder.decode() || decoder.isFragmented() || decoder.recordLength() != hello.length)
        {
            throw new IllegalStateException("not a single-record unfragmented ClientHello (" + decoder.fault() +
                "), datagram " + hello.length + " bytes");
        }
        return decoder;
    }
}
