package io.turnstile;

import org.agrona.DirectBuffer;
import io.turnstile.codec.PeerAddress;
import io.turnstile.codec.ClientHelloEncoder;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

/**
 * Test support: the real ClientHello captures from {@code src/test/resources/corpus} and byte surgery on them.
 */
public final class Captures
{
    /** Every capture that is a whole, cookie-less first ClientHello. */
    public static final List<String> COOKIELESS = List.of(
        "openssl-dtls12-ch1-nocookie.bin",
        "openssl-dtls10-ch1-nocookie.bin",
        "openssl-dtlsany-ch1-nocookie.bin",
        "openssl-dtls12-mtu256-ch1-nocookie.bin",
        "bc-dtls12-bccrypto-ch1-nocookie.bin",
        "bc-dtls12-jcacrypto-ch1-nocookie.bin");

    /** Every capture that carries another responder's cookie. */
    public static final List<String> WITH_FOREIGN_COOKIE = List.of(
        "openssl-dtls12-ch2-cookie.bin",
        "openssl-dtls10-ch2-cookie.bin",
        "openssl-dtlsany-ch2-cookie.bin",
        "openssl-dtls12-mtu256-ch2-cookie-frag1.bin",
        "bc-dtls12-bccrypto-ch2-cookie.bin",
        "bc-dtls12-jcacrypto-ch2-cookie.bin");

    /** Every capture. */
    public static final List<String> ALL = List.of(
        "openssl-dtls12-ch1-nocookie.bin",
        "openssl-dtls12-ch2-cookie.bin",
        "openssl-dtls10-ch1-nocookie.bin",
        "openssl-dtls10-ch2-cookie.bin",
        "openssl-dtlsany-ch1-nocookie.bin",
        "openssl-dtlsany-ch2-cookie.bin",
        "openssl-dtls12-mtu256-ch1-nocookie.bin",
        "openssl-dtls12-mtu256-ch2-cookie-frag1.bin",
        "openssl-dtls12-mtu256-ch2-cookie-frag2.bin",
        "bc-dtls12-bccrypto-ch1-nocookie.bin",
        "bc-dtls12-bccrypto-ch2-cookie.bin",
        "bc-dtls12-jcacrypto-ch1-nocookie.bin",
        "bc-dtls12-jcacrypto-ch2-cookie.bin");

    private Captures()
    {
    }

    /**
     * Read a capture.
     *
     * @param name file name in the corpus.
     * @return its bytes.
     */
    public static byte[] bytes(final String name)
    {
        try (InputStream in = Captures.class.getResourceAsStream("/corpus/" + name))
        {
            if (in == null)
            {
                throw new IllegalArgumentException("no capture " + name);
            }
            return in.readAllBytes();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * A peer in the one form the verifier takes, from raw address bytes.
     *
     * @param address       buffer holding 4 (IPv4) or 16 (IPv6) address bytes at offset 0.
     * @param addressLength 4 or 16.
     * @param port          UDP port.
     * @return a view over a fresh 18-byte buffer.
     */
    public static PeerAddress peer(final DirectBuffer address, final int addressLength, final int port)
    {
        final UnsafeBuffer encoded = new UnsafeBuffer(new byte[PeerAddress.LENGTH]);
        if (addressLength == 4)
        {
            PeerAddress.encodeIpv4(encoded, 0, address, 0, port);
        }
        else
        {
            PeerAddress.encodeIpv6(encoded, 0, address, 0, port);
        }
        return new PeerAddress().wrap(encoded, 0);
    }

    /**
     * Copy bytes into a fresh off-heap buffer of exactly their length, so a read past the end faults.
     *
     * @param bytes to copy.
     * @return the buffer.
     */
    public static UnsafeBuffer offHeap(final byte[] bytes)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(Math.max(1, bytes.length)));
        buffer.putBytes(0, bytes);
        return buffer;
    }

    /**
     * Replace the cookie of a whole (unfragmented) single-record ClientHello, fixing every length field.
     *
     * @param hello  datagram holding one ClientHello record.
     * @param cookie the new cookie, possibly empty.
     * @return a new datagram.
     */
    public static byte[] withCookie(final byte[] hello, final byte[] cookie)
    {
        final UnsafeBuffer out = new UnsafeBuffer(new byte[hello.length + cookie.length]);
        final int length = new ClientHelloEncoder().wrap(out, 0)
            .spliceCookie(new UnsafeBuffer(hello), 0, hello.length, new UnsafeBuffer(cookie), 0, cookie.length);
        return Arrays.copyOf(out.byteArray(), length);
    }

    /**
     * Set the 48-bit record sequence number and message_seq of a ClientHello record.
     *
     * @param hello          datagram.
     * @param recordSequence new record sequence number.
     * @param messageSeq     new message_seq.
     * @return a new datagram.
     */
    public static byte[] withSequence(final byte[] hello, final long recordSequence, final int messageSeq)
    {
        final byte[] result = hello.clone();
        for (int i = 0; i < 6; i++)
        {
            result[5 + i] = (byte)(recordSequence >>> (8 * (5 - i)));
        }
        result[17] = (byte)(messageSeq >>> 8);
        result[18] = (byte)messageSeq;
        return result;
    }

    /**
     * Read a 24-bit big-endian value.
     *
     * @param bytes array.
     * @param index of the first byte.
     * @return value.
     */
    public static int uint24(final byte[] bytes, final int index)
    {
        return (bytes[index] & 0xFF) << 16 | (bytes[index + 1] & 0xFF) << 8 | (bytes[index + 2] & 0xFF);
    }

    /**
     * Parse hex, ignoring white space.
     *
     * @param hex digits.
     * @return bytes.
     */
    public static byte[] hex(final String hex)
    {
        final String clean = hex.replaceAll("\\s", "");
        final byte[] bytes = new byte[clean.length() / 2];
        for (int i = 0; i < bytes.length; i++)
        {
            bytes[i] = (byte)Integer.parseInt(clean.substring(2 * i, 2 * i + 2), 16);
        }
        return bytes;
    }
}
