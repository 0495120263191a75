package io.turnstile.cookie;

import io.turnstile.codec.ClientHelloDecoder;
import io.turnstile.codec.PeerAddress;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.util.Arrays;

import static java.nio.ByteOrder.BIG_ENDIAN;

/**
 * Makes and checks stateless cookies, RFC 6347 section 4.2.1. One per thread: it owns its MACs and scratch space,
 * so that neither call allocates; keys come from a {@link CookieKeys} shared by all threads.
 * <p>
 * Cookie layout (at most 32 bytes, as GnuTLS, wolfSSL and DTLS 1.0 require):
 * <pre>
 *   +--------+------------------------+------------------------------------------------+
 *   | key id | timestamp (4)          | MAC, truncated to 27 bytes                      |
 *   | (1)    | epoch seconds, uint32  | (AES-CMAC 16, HMAC-SHA1 20, HMAC-SHA256 27)     |
 *   +--------+------------------------+------------------------------------------------+
 * </pre>
 * MAC input, length-prefixed so that no two hellos give the same input:
 * <pre>
 *   key id (1) | timestamp (4) | client address (16, IPv4 as IPv4-mapped IPv6) | port (2) | client_version (2)
 *   | random (32) | session_id len (1) + bytes | cipher_suites len (2) + bytes | compression_methods len (1) + bytes
 * </pre>
 * That is the address and port the RFC requires and every client parameter it says the cookie SHOULD bind; the
 * extensions are not bound, because a first fragment may not carry them whole and a client may legitimately
 * change them (RFC 6347 lets it re-send the same hello only in the fields above).
 */
public final class CookieGenerator
{
    /** Longest cookie made. */
    public static final int MAX_COOKIE_LENGTH = 32;
    /** Length of key id plus timestamp. */
    public static final int HEADER_LENGTH = 5;
    /** Longest MAC input: the fixed fields plus the largest session_id, cipher_suites and compression_methods. */
    public static final int MAX_MAC_INPUT = HEADER_LENGTH + 16 + 2 + 2 + 32 + 1 + 32 + 2 + 0xFFFF + 1 + 0xFF;
    /** Default maximum cookie age, as OpenSSL and mbedTLS: 60 s. */
    public static final long DEFAULT_MAX_AGE_MS = 60_000L;
    /** Shortest maximum cookie age: a client needs a round trip and some retransmission time. */
    public static final long MIN_MAX_AGE_MS = 1000L;
    /** Longest maximum cookie age: a day. */
    public static final long MAX_MAX_AGE_MS = 86_400_000L;
    /** Largest tolerance for cookie timestamps ahead of this clock. */
    public static final long MAX_FUTURE_TOLERANCE_MS = 60_000L;

    private static final int ADDRESS_OFFSET = HEADER_LENGTH;
    private static final int CLIENT_VERSION_OFFSET = ADDRESS_OFFSET + PeerAddress.LENGTH;
    private static final int RANDOM_OFFSET = CLIENT_VERSION_OFFSET + 2;
    private static final int VARIABLE_OFFSET = RANDOM_OFFSET + 32;

    private final CookieKeys keys;
    private final long maxAgeMs;
    private final long futureToleranceMs;
    private final byte[] input = new byte[MAX_MAC_INPUT];
    private final byte[] mac = new byte[64];

    private final CookieMac[] macsById = new CookieMac[256];
    private KeyRing ring;
    private CookieMac currentMac;
    private int cookieLength;
    private int lastKeyId = -1;

    /**
     * A generator with the default maximum age and no tolerance for cookies from the future.
     *
     * @param keys shared key source.
     */
    public CookieGenerator(final CookieKeys keys)
    {
        this(keys, DEFAULT_MAX_AGE_MS, 0);
    }

    /**
     * A generator.
     *
     * @param keys              shared key source.
     * @param maxAgeMs          oldest cookie that verifies; 1 s to 1 day.
     * @param futureToleranceMs how far ahead of this clock a cookie's timestamp may be (servers of a fleet whose
     *                          clocks differ); 0 to 60 s.
     */
    public CookieGenerator(final CookieKeys keys, final long maxAgeMs, final long futureToleranceMs)
    {
        if (keys == null)
        {
            throw new NullPointerException("cookie keys must not be null");
        }
        if (maxAgeMs < MIN_MAX_AGE_MS || maxAgeMs > MAX_MAX_AGE_MS)
        {
            throw new IllegalArgumentException("maximum cookie age must be 1 s to 1 day, got " + maxAgeMs + " ms");
        }
        if (futureToleranceMs < 0 || futureToleranceMs > MAX_FUTURE_TOLERANCE_MS)
        {
            throw new IllegalArgumentException(
                "future tolerance must be 0 to 60000 ms, got " + futureToleranceMs + " ms");
        }
        this.keys = keys;
        this.maxAgeMs = maxAgeMs;
        this.futureToleranceMs = futureToleranceMs;
        refresh(keys.ring());
    }

    /**
     * Length of the cookies this generator makes with its current key.
     *
     * @param nowMs epoch milliseconds.
     * @return cookie length in bytes.
     */
    public int cookieLength(final long nowMs)
    {
        ringAt(nowMs);
        return cookieLength;
    }

    /**
     * Id of the key that made or verified the last cookie.
     *
     * @return 0 to 255, or -1 before any cookie.
     */
    public int lastKeyId()
    {
        return lastKeyId;
    }

    /**
     * Write a cookie for a decoded hello and peer.
     *
     * @param hello     a successfully decoded hello.
     * @param peer      the peer's address and port.
     * @param nowMs     epoch milliseconds.
     * @param out       receiving the cookie.
     * @param outOffset at which to write.
     * @return the cookie length.
     */
    public int generate(
        final ClientHelloDecoder hello,
        final PeerAddress peer,
        final long nowMs,
        final MutableDirectBuffer out,
        final int outOffset)
    {
        ringAt(nowMs);
        final int keyId = ring.current().id();
        final int timestamp = (int)(nowMs / 1000);
        final int macLength = cookieLength - HEADER_LENGTH;

        final int inputLength = fillInput(hello, peer, keyId, timestamp);
        currentMac.compute(input, 0, inputLength, mac, 0);

        out.putByte(outOffset, (byte)keyId);
        out.putInt(outOffset + 1, timestamp, BIG_ENDIAN);
        out.putBytes(outOffset + HEADER_LENGTH, mac, 0, macLength);
        lastKeyId = keyId;
        return cookieLength;
    }

    /**
     * Check the cookie a decoded hello carries, in constant time over the MAC.
     *
     * @param hello a successfully decoded hello with a non-empty cookie.
     * @param peer  the peer's address and port.
     * @param nowMs epoch milliseconds.
     * @return what the check found.
     */
    public CookieCheck verify(final ClientHelloDecoder hello, final PeerAddress peer, final long nowMs)
    {
        final KeyRing ring = ringAt(nowMs);
        final int length = hello.cookieLength();
        if (length < HEADER_LENGTH)
        {
            return CookieCheck.WRONG_LENGTH;
        }
        final DirectBuffer buffer = hello.buffer();
        final int cookieOffset = hello.cookieOffset();
        final int keyId = buffer.getByte(cookieOffset) & 0xFF;

        // The key id picks exactly one key: one MAC per cookie, however many keys (epochs, masters) the ring holds.
        if (!ring.accepts(keyId, nowMs))
        {
            return CookieCheck.UNKNOWN_KEY;
        }
        final CookieMac verifyingMac = macsById[keyId];
        final CookieCheck valid = keyId == ring.current().id() ? CookieCheck.VALID : CookieCheck.VALID_PREVIOUS_KEY;
        final int macLength = truncatedMacLength(verifyingMac.algorithm());
        if (length != HEADER_LENGTH + macLength)
        {
            return CookieCheck.WRONG_LENGTH;
        }

        final int timestamp = buffer.getInt(cookieOffset + 1, BIG_ENDIAN);
        final long ageMs = nowMs - (timestamp & 0xFFFF_FFFFL) * 1000L;
        if (ageMs < -futureToleranceMs)
        {
            return CookieCheck.FROM_FUTURE;
        }
        if (ageMs > maxAgeMs)
        {
            return CookieCheck.EXPIRED;
        }

        final int inputLength = fillInput(hello, peer, keyId, timestamp);
        verifyingMac.compute(input, 0, inputLength, mac, 0);

        int difference = 0;
        final int macOffset = cookieOffset + HEADER_LENGTH;
        for (int i = 0; i < macLength; i++)
        {
            difference |= mac[i] ^ buffer.getByte(macOffset + i);
        }
        if (difference != 0)
        {
            return CookieCheck.BAD_MAC;
        }
        lastKeyId = keyId;
        return valid;
    }

    private int fillInput(final ClientHelloDecoder hello, final PeerAddress peer, final int keyId, final int timestamp)
    {
        final byte[] input = this.input;
        input[0] = (byte)keyId;
        input[1] = (byte)(timestamp >>> 24);
        input[2] = (byte)(timestamp >>> 16);
        input[3] = (byte)(timestamp >>> 8);
        input[4] = (byte)timestamp;

        // The MAC input holds the peer exactly as PeerAddress lays it out: address (16, IPv4 mapped), then port.
        peer.buffer().getBytes(peer.offset(), input, ADDRESS_OFFSET, PeerAddress.LENGTH);

        final DirectBuffer buffer = hello.buffer();
        final int clientVersion = hello.clientVersion();
        input[CLIENT_VERSION_OFFSET] = (byte)(clientVersion >>> 8);
        input[CLIENT_VERSION_OFFSET + 1] = (byte)clientVersion;
        buffer.getBytes(hello.randomOffset(), input, RANDOM_OFFSET, ClientHelloDecoder.RANDOM_LENGTH);

        int index = VARIABLE_OFFSET;
        final int sessionIdLength = hello.sessionIdLength();
        input[index++] = (byte)sessionIdLength;
        buffer.getBytes(hello.sessionIdOffset(), input, index, sessionIdLength);
        index += sessionIdLength;

        final int suitesLength = hello.cipherSuitesLength();
        input[index++] = (byte)(suitesLength >>> 8);
        input[index++] = (byte)suitesLength;
        buffer.getBytes(hello.cipherSuitesOffset(), input, index, suitesLength);
        index += suitesLength;

        final int compressionLength = hello.compressionMethodsLength();
        input[index++] = (byte)compressionLength;
        buffer.getBytes(hello.compressionMethodsOffset(), input, index, compressionLength);
        index += compressionLength;

        return index;
    }

    private KeyRing ringAt(final long nowMs)
    {
        final KeyRing latest = keys.ring(nowMs);
        if (latest != ring)
        {
            refresh(latest);
        }
        return latest;
    }

    private void refresh(final KeyRing latest)
    {
        // Re-keying allocates (cipher key schedules); it happens once per rotation, never per packet.
        final CookieMac[] macs = macsById;
        final CookieMac[] reusable = macs.clone();
        Arrays.fill(macs, null);
        for (int i = 0; i < latest.size(); i++)
        {
            final int id = latest.idAt(i);
            final CookieKey key = latest.key(id);
            final CookieMac mac = newOrReused(reusable[id], key.algorithm());
            key.initMac(mac);
            macs[id] = mac;
        }
        currentMac = macs[latest.current().id()];
        cookieLength = HEADER_LENGTH + truncatedMacLength(latest.current().algorithm());
        ring = latest;
    }

    private static int truncatedMacLength(final MacAlgorithm algorithm)
    {
        return Math.min(algorithm.macLength(), MAX_COOKIE_LENGTH - HEADER_LENGTH);
    }

    private static CookieMac newOrReused(final CookieMac existing, final MacAlgorithm algorithm)
    {
        return existing != null && existing.algorithm() == algorithm ? existing : algorithm.newMac();
    }
}
