package io.turnstile.bench;

import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The real ClientHello captures (vendored in {@code core/src/test/resources/corpus}, copied into the benchmark jar
 * as {@code corpus/}), loaded here for the benchmarks, the floods and the load generator, and the edits the
 * benchmarks make to them: splicing in a cookie and truncating a hello.
 * <p>
 * The offsets are those of RFC 6347: a 13-byte record header (section 4.1) whose length is at 11, then a 12-byte
 * handshake header (section 4.2.2) with length at 14 and fragment_length at 22, then the ClientHello body
 * (section 4.2.1). They are parsed here by hand, not with Turnstile's decoder, so that the inputs of both the
 * Turnstile and the BouncyCastle benchmarks are built without trusting the code under test.
 */
public final class Captures
{
    /** Record header length, RFC 6347 section 4.1. */
    public static final int RECORD_HEADER_LENGTH = 13;
    /** Offset of the record's uint16 length. */
    public static final int RECORD_LENGTH_OFFSET = 11;
    /** Offset of the handshake header's uint24 length. */
    public static final int HANDSHAKE_LENGTH_OFFSET = 14;
    /** Offset of the handshake header's uint24 fragment_length. */
    public static final int FRAGMENT_LENGTH_OFFSET = 22;
    /** Where the ClientHello or HelloVerifyRequest body starts. */
    public static final int BODY_OFFSET = 25;
    /** Offset of the cookie length byte in a HelloVerifyRequest record (after server_version). */
    public static final int HVR_COOKIE_LENGTH_OFFSET = BODY_OFFSET + 2;
    /** Offset of the ClientHello's 32-byte random (after client_version), which floods re-draw per datagram. */
    public static final int RANDOM_OFFSET = BODY_OFFSET + 2;
    /** Length of the ClientHello random. */
    public static final int RANDOM_LENGTH = 32;

    private Captures()
    {
    }

    /**
     * Load a capture from the class path.
     *
     * @param name file name in {@code corpus/}, e.g. {@code openssl-dtls12-ch1-nocookie.bin}.
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
     * Load a capture from the class path if it is there: for callers that fall back to something else or name the
     * captures there are in their own error message.
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
     */
    public static byte[] hvrCookie(final byte[] hvr, final int length)
    {
        if (length < HVR_COOKIE_LENGTH_OFFSET + 1 || hvr[0] != 22 || hvr[RECORD_HEADER_LENGTH] != 3)
        {
            throw new IllegalStateException("not a HelloVerifyRequest record: " + hex(hvr, length));
        }
        final int cookieLength = hvr[HVR_COOKIE_LENGTH_OFFSET] & 0xFF;
        if (HVR_COOKIE_LENGTH_OFFSET + 1 + cookieLength != length)
        {
            throw new IllegalStateException(
                "HelloVerifyRequest of " + length + " bytes says its cookie is " + cookieLength + " bytes");
        }
        return Arrays.copyOfRange(hvr, HVR_COOKIE_LENGTH_OFFSET + 1, length);
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
        checkSingleUnfragmentedRecord(hello);
        final int cookieLengthOffset = cookieLengthOffset(hello);
        final int oldLength = hello[cookieLengthOffset] & 0xFF;
        final int tail = cookieLengthOffset + 1 + oldLength;

        final byte[] edited = new byte[hello.length - oldLength + cookie.length];
        System.arraycopy(hello, 0, edited, 0, cookieLengthOffset);
        edited[cookieLengthOffset] = (byte)cookie.length;
        System.arraycopy(cookie, 0, edited, cookieLengthOffset + 1, cookie.length);
        System.arraycopy(hello, tail, edited, cookieLengthOffset + 1 + cookie.length, hello.length - tail);
        setLengths(edited, edited.length);
        return edited;
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
        checkSingleUnfragmentedRecord(hello);
        int index = cookieLengthOffset(hello);
        index += 1 + (hello[index] & 0xFF);
        index += 2 + uint16(hello, index);
        index += 1 + (hello[index] & 0xFF);
        if (index + 2 > hello.length)
        {
            throw new IllegalStateException("hello has no extensions to truncate");
        }
        final int blockLength = uint16(hello, index);
        final int cut = index + 2 + blockLength / 2;
        final byte[] truncated = Arrays.copyOf(hello, cut);
        setLengths(truncated, cut);
        return truncated;
    }

    /**
     * The 6-byte client id Turnstile binds for an IPv4 peer, as BouncyCastle's DTLSVerifier takes it: the address
     * in network byte order then the port, big-endian.
     *
     * @param address 4 bytes.
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

    /**
     * Hex for error messages.
     *
     * @param bytes  to print.
     * @param length how many.
     * @return lower-case hex.
     */
    public static String hex(final byte[] bytes, final int length)
    {
        final StringBuilder sb = new StringBuilder(length * 2);
        for (int i = 0; i < length; i++)
        {
            sb.append(Character.forDigit((bytes[i] >>> 4) & 0xF, 16)).append(Character.forDigit(bytes[i] & 0xF, 16));
        }
        return sb.toString();
    }

    private static int cookieLengthOffset(final byte[] hello)
    {
        final int sessionIdLengthOffset = BODY_OFFSET + 2 + 32;
        return sessionIdLengthOffset + 1 + (hello[sessionIdLengthOffset] & 0xFF);
    }

    private static void checkSingleUnfragmentedRecord(final byte[] hello)
    {
        final int recordLength = uint16(hello, RECORD_LENGTH_OFFSET);
        final int messageLength = uint24(hello, HANDSHAKE_LENGTH_OFFSET);
        final int fragmentLength = uint24(hello, FRAGMENT_LENGTH_OFFSET);
        if (hello[0] != 22 || hello[RECORD_HEADER_LENGTH] != 1 ||
            recordLength != hello.length - RECORD_HEADER_LENGTH ||
            messageLength != fragmentLength || messageLength != hello.length - BODY_OFFSET)
        {
            throw new IllegalStateException("not a single-record unfragmented ClientHello: record length " +
                recordLength + ", message length " + messageLength + ", fragment length " + fragmentLength +
                ", datagram " + hello.length + " bytes");
        }
    }

    private static void setLengths(final byte[] datagram, final int datagramLength)
    {
        final int recordLength = datagramLength - RECORD_HEADER_LENGTH;
        final int bodyLength = datagramLength - BODY_OFFSET;
        datagram[RECORD_LENGTH_OFFSET] = (byte)(recordLength >>> 8);
        datagram[RECORD_LENGTH_OFFSET + 1] = (byte)recordLength;
        putUint24(datagram, HANDSHAKE_LENGTH_OFFSET, bodyLength);
        putUint24(datagram, FRAGMENT_LENGTH_OFFSET, bodyLength);
    }

    private static int uint16(final byte[] bytes, final int offset)
    {
        return ((bytes[offset] & 0xFF) << 8) | (bytes[offset + 1] & 0xFF);
    }

    private static int uint24(final byte[] bytes, final int offset)
    {
        return ((bytes[offset] & 0xFF) << 16) | uint16(bytes, offset + 1);
    }

    private static void putUint24(final byte[] bytes, final int offset, final int value)
    {
        bytes[offset] = (byte)(value >>> 16);
        bytes[offset + 1] = (byte)(value >>> 8);
        bytes[offset + 2] = (byte)value;
    }
}
