package io.turnstile.fuzz.harness;

import io.turnstile.fuzz.HelloOracle.Hello;

import java.util.Arrays;

/**
 * Byte surgery on hellos the {@link io.turnstile.fuzz.HelloOracle} has parsed: what a client does between its two ClientHellos.
 */
public final class Hellos
{
    private Hellos()
    {
    }

    /**
     * Replace the cookie, fixing the record length, the handshake length and fragment_length; later records and
     * everything else are kept. What a real client does when it repeats its hello with the server's cookie.
     *
     * @param datagram holding the hello.
     * @param hello    the oracle's parse of it.
     * @param cookie   the new cookie.
     * @return the new datagram, or null when the record would outgrow its 16-bit length.
     */
    public static byte[] withCookie(final byte[] datagram, final Hello hello, final byte[] cookie)
    {
        final int delta = cookie.length - hello.cookieLength();
        final int recordLength = hello.recordLength() - 13 + delta;
        if (recordLength > 0xFFFF)
        {
            return null;
        }
        final int cookieLengthAt = hello.cookieAt() - 1;
        final int tailAt = hello.cookieAt() + hello.cookieLength();
        final byte[] result = new byte[datagram.length + delta];
        System.arraycopy(datagram, 0, result, 0, cookieLengthAt);
        result[cookieLengthAt] = (byte)cookie.length;
        System.arraycopy(cookie, 0, result, hello.cookieAt(), cookie.length);
        System.arraycopy(datagram, tailAt, result, tailAt + delta, datagram.length - tailAt);
        putUnsigned(result, 11, 2, recordLength);
        putUnsigned(result, 14, 3, hello.messageLength() + delta);
        putUnsigned(result, 22, 3, hello.fragmentLength() + delta);
        return result;
    }

    /**
     * The datagram with its record length, handshake length and fragment_length made to fit its size: the record
     * fills the datagram, the fragment fills the record, and the length is the fragment's or, when the mix says so, a
     * little more (a first fragment).
     *
     * @param datagram any bytes.
     * @param mix      a hash of the input, choosing the fragmented form.
     * @return the fitted datagram, or null when it is too short for both headers or already fits.
     */
    public static byte[] withFittedLengths(final byte[] datagram, final int mix)
    {
        if (datagram.length < 25)
        {
            return null;
        }
        final byte[] fitted = datagram.clone();
        final int recordLength = Math.min(datagram.length - 13, 0xFFFF);
        final int fragmentLength = recordLength - 12;
        final int length = fragmentLength + (((mix >>> 24) & 3) == 0 ? 1 + ((mix >>> 16) & 0xFF) : 0);
        putUnsigned(fitted, 11, 2, recordLength);
        putUnsigned(fitted, 14, 3, length);
        putUnsigned(fitted, 22, 3, fragmentLength);
        return Arrays.equals(fitted, datagram) ? null : fitted;
    }

    /**
     * The cookie a hello carries.
     *
     * @param datagram holding the hello.
     * @param hello    the oracle's parse of it.
     * @return a copy of the cookie.
     */
    public static byte[] cookie(final byte[] datagram, final Hello hello)
    {
        return Arrays.copyOfRange(datagram, hello.cookieAt(), hello.cookieAt() + hello.cookieLength());
    }

    /**
     * Offset of the data of the first extension of a type, walking the block the oracle found.
     *
     * @param datagram holding the hello.
     * @param hello    the oracle's parse of it.
     * @param type     extension type.
     * @return offset in the datagram, or -1 when absent.
     */
    public static int findExtension(final byte[] datagram, final Hello hello, final int type)
    {
        if (hello.extensionsAt() < 0)
        {
            return -1;
        }
        final int end = hello.extensionsAt() + hello.extensionsLength();
        for (int at = hello.extensionsAt(); at < end; at += 4 + (int)unsigned(datagram, at + 2, 2))
        {
            if (unsigned(datagram, at, 2) == type)
            {
                return at + 4;
            }
        }
        return -1;
    }

    /**
     * Read a big-endian unsigned value.
     *
     * @param bytes array.
     * @param at    first byte.
     * @param count bytes, up to 7.
     * @return the value.
     */
    public static long unsigned(final byte[] bytes, final int at, final int count)
    {
        long value = 0;
        for (int i = 0; i < count; i++)
        {
            value = (value << 8) | (bytes[at + i] & 0xFF);
        }
        return value;
    }

    /**
     * Write a big-endian unsigned value.
     *
     * @param bytes array.
     * @param at    first byte.
     * @param count bytes.
     * @param value to write.
     */
    public static void putUnsigned(final byte[] bytes, final int at, final int count, final long value)
    {
        for (int i = 0; i < count; i++)
        {
            bytes[at + i] = (byte)(value >>> (8 * (count - 1 - i)));
        }
    }

    /**
     * A hash of the input that places and addresses it, so that those choices vary without spending fuzz bytes
     * (FNV-1a).
     *
     * @param bytes input.
     * @return a mix of every byte and the length.
     */
    public static int mix(final byte[] bytes)
    {
        int hash = 0x811C9DC5 ^ bytes.length;
        for (final byte b : bytes)
        {
            hash = (hash ^ (b & 0xFF)) * 0x01000193;
        }
        return hash ^ (hash >>> 15);
    }
}
