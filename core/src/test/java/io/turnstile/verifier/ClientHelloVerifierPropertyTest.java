package io.turnstile.verifier;

import io.turnstile.Captures;
import io.turnstile.codec.ClientHelloDecoder;
import io.turnstile.codec.HelloVerifyRequestEncoder;
import io.turnstile.cookie.CookieCheck;
import io.turnstile.cookie.CookieKeys;
import io.turnstile.cookie.MacAlgorithm;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Properties of the verifier over random and mutated input. Datagrams sit at an offset inside an off-heap buffer
 * that ends exactly where the datagram does, so a read past the given length hits Agrona's bounds check and throws.
 */
class ClientHelloVerifierPropertyTest
{
    private static final long T0 = 1_800_000_000_000L;
    private static final int PREFIX = 11;
    private static final List<String> HELLOS = Captures.COOKIELESS;

    private final UnsafeBuffer reply = new UnsafeBuffer(ByteBuffer.allocateDirect(512));

    @Property(tries = 3000)
    void shouldNeverThrowOrReadPastLengthOnRandomBytes(@ForAll @Size(max = 700) final byte[] datagram)
    {
        final ClientHelloVerifier verifier = new ClientHelloVerifier(context(MacAlgorithm.AES_CMAC));
        final VerifyOutcome outcome = verify(verifier, datagram, address(127, 0, 0, 1), 4, 5000, T0);

        assertReplyOnlyForWellFormedHello(verifier, outcome, datagram);
    }

    @Property(tries = 3000)
    void shouldNeverThrowOnMutatedRealHellos(
        @ForAll("hellos") final String name,
        @ForAll @IntRange(min = 0, max = 400) final int position,
        @ForAll final byte value,
        @ForAll @IntRange(min = 0, max = 400) final int cut,
        @ForAll("algorithms") final MacAlgorithm algorithm)
    {
        final byte[] hello = Captures.bytes(name);
        hello[position % hello.length] = value;
        final byte[] datagram = java.util.Arrays.copyOf(hello, Math.min(hello.length, hello.length - cut % 40));
        final ClientHelloVerifier verifier = new ClientHelloVerifier(context(algorithm));

        final VerifyOutcome outcome = verify(verifier, datagram, address(10, 1, 2, 3), 4, 6000, T0);

        assertReplyOnlyForWellFormedHello(verifier, outcome, datagram);
    }

    @Property(tries = 500)
    void shouldNotVerifyCookieForAnotherAddressPortOrHello(
        @ForAll("hellos") final String name,
        @ForAll("algorithms") final MacAlgorithm algorithm,
        @ForAll @IntRange(min = 1, max = 65535) final int port,
        @ForAll @IntRange(min = 1, max = 65535) final int otherPort,
        @ForAll final int ipv4,
        @ForAll final int otherIpv4,
        @ForAll @IntRange(min = 0, max = 31) final int randomByte,
        @ForAll @IntRange(min = 0, max = 1000) final int suiteByte)
    {
        final ClientHelloVerifier verifier = new ClientHelloVerifier(context(algorithm));
        final UnsafeBuffer address = address(ipv4);
        final byte[] hello = Captures.bytes(name);
        final byte[] cookie = cookieFor(verifier, hello, address, port);
        final byte[] second = Captures.withCookie(hello, cookie);

        assertEquals(VerifyOutcome.VERIFIED, verify(verifier, second, address, 4, port, T0 + 1_000));
        if (otherPort != port)
        {
            assertEquals(VerifyOutcome.REPLY, verify(verifier, second, address, 4, otherPort, T0));
        }
        if (otherIpv4 != ipv4)
        {
            assertEquals(VerifyOutcome.REPLY, verify(verifier, second, address(otherIpv4), 4, port, T0));
        }

        final byte[] otherRandom = second.clone();
        otherRandom[ClientHelloDecoder.BODY_OFFSET + 2 + randomByte] ^= 0x01;
        assertEquals(VerifyOutcome.REPLY, verify(verifier, otherRandom, address, 4, port, T0));

        final ClientHelloDecoder decoder = new ClientHelloDecoder();
        assertTrue(decoder.wrap(Captures.offHeap(second), 0, second.length).decode());
        final byte[] otherSuites = second.clone();
        otherSuites[decoder.cipherSuitesOffset() + suiteByte % decoder.cipherSuitesLength()] ^= 0x10;
        assertEquals(VerifyOutcome.REPLY, verify(verifier, otherSuites, address, 4, port, T0));

        final byte[] withSessionId = Captures.withCookie(withSessionId(hello), cookie);
        assertEquals(VerifyOutcome.REPLY, verify(verifier, withSessionId, address, 4, port, T0));
    }

    @Property(tries = 300)
    void shouldRefuseExpiredAndFutureCookies(
        @ForAll("algorithms") final MacAlgorithm algorithm,
        @ForAll @LongRange(min = 0, max = 200_000) final long delta)
    {
        final ClientHelloVerifier verifier = new ClientHelloVerifier(context(algorithm));
        final UnsafeBuffer address = address(127, 0, 0, 9);
        final byte[] hello = Captures.bytes("openssl-dtls12-ch1-nocookie.bin");
        final byte[] second = Captures.withCookie(hello, cookieFor(verifier, hello, address, 7000));

        final VerifyOutcome later = verify(verifier, second, address, 4, 7000, T0 + delta);
        assertEquals(delta <= 60_000 ? VerifyOutcome.VERIFIED : VerifyOutcome.REPLY, later, "age " + delta);
        final VerifyOutcome earlier = verify(verifier, second, address, 4, 7000, T0 - 1 - delta);
        assertEquals(VerifyOutcome.REPLY, earlier);
        assertEquals(CookieCheck.FROM_FUTURE, verifier.cookieCheck());
    }

    @Property(tries = 300)
    void shouldAcceptPreviousKeyWithinGraceWindowOnly(
        @ForAll("algorithms") final MacAlgorithm algorithm,
        @ForAll @LongRange(min = 0, max = 9_999) final long issuedAfter,
        @ForAll @LongRange(min = 0, max = 20_000) final long checkedAfterRotation)
    {
        final CookieKeys keys = CookieKeys.random(algorithm, 10_000, 5_000, T0);
        final ClientHelloVerifier verifier = new ClientHelloVerifier(
            new ClientHelloVerifier.Context().cookieKeys(keys).maxCookieAgeMs(60_000));
        final UnsafeBuffer address = address(127, 0, 0, 10);
        final byte[] hello = Captures.bytes("bc-dtls12-bccrypto-ch1-nocookie.bin");
        final byte[] second = Captures.withCookie(hello, cookieFor(verifier, hello, address, 8000, T0 + issuedAfter));

        final long rotation = T0 + 10_000;
        final long checkAt = rotation + checkedAfterRotation;
        keys.ring(rotation);
        final VerifyOutcome outcome = verify(verifier, second, address, 4, 8000, checkAt);

        if (checkAt <= rotation + 5_000)
        {
            assertEquals(VerifyOutcome.VERIFIED, outcome);
            assertEquals(CookieCheck.VALID_PREVIOUS_KEY, verifier.cookieCheck());
        }
        else
        {
            assertEquals(VerifyOutcome.REPLY, outcome);
            assertNotEquals(CookieCheck.VALID_PREVIOUS_KEY, verifier.cookieCheck());
        }
    }

    @Property(tries = 200)
    void shouldVerifyFleetCookiesOnAnotherInstance(
        @ForAll("algorithms") final MacAlgorithm algorithm,
        @ForAll @LongRange(min = 0, max = 10_000_000_000L) final long offset,
        @ForAll @LongRange(min = 0, max = 59_000) final long later)
    {
        final byte[] master = "fleet master key shared by all 32".getBytes();
        final long now = T0 + offset;
        final ClientHelloVerifier a = new ClientHelloVerifier(new ClientHelloVerifier.Context()
            .cookieKeys(CookieKeys.fleet(algorithm, master, 30_000, 30_000)));
        final ClientHelloVerifier b = new ClientHelloVerifier(new ClientHelloVerifier.Context()
            .cookieKeys(CookieKeys.fleet(algorithm, master, 30_000, 30_000)));
        final UnsafeBuffer address = address(127, 1, 2, 3);
        final byte[] hello = Captures.bytes("openssl-dtls10-ch1-nocookie.bin");
        final byte[] second = Captures.withCookie(hello, cookieFor(a, hello, address, 9000, now));

        final long checkAt = now + later;
        final boolean keyStillKnown = Math.floorDiv(checkAt, 30_000) - Math.floorDiv(now, 30_000) == 0 ||
            (Math.floorDiv(checkAt, 30_000) - Math.floorDiv(now, 30_000) == 1);
        final VerifyOutcome outcome = verify(b, second, address, 4, 9000, checkAt);
        assertEquals(keyStillKnown ? VerifyOutcome.VERIFIED : VerifyOutcome.REPLY, outcome,
            () -> "cookie from " + now + " checked at " + checkAt + ": " + b.cookieCheck());
    }

    @Provide
    Arbitrary<String> hellos()
    {
        return Arbitraries.of(HELLOS);
    }

    @Provide
    Arbitrary<MacAlgorithm> algorithms()
    {
        return Arbitraries.of(MacAlgorithm.class);
    }

    private void assertReplyOnlyForWellFormedHello(
        final ClientHelloVerifier verifier, final VerifyOutcome outcome, final byte[] datagram)
    {
        final ClientHelloDecoder independent = new ClientHelloDecoder();
        final boolean wellFormed = independent.wrap(Captures.offHeap(datagram), 0, datagram.length).decode();
        switch (outcome)
        {
            case REPLY ->
            {
                assertTrue(wellFormed);
                assertTrue(independent.cookieLength() == 0 || !verifier.cookieCheck().isValid());
                assertTrue(verifier.replyLength() <= datagram.length, "never amplifies");
                assertEquals(independent.recordSequenceNumber(), sequenceOfReply());
            }
            case DROP ->
            {
                assertTrue(verifier.dropReason() != null);
                assertEquals(0, verifier.replyLength());
            }
            case VERIFIED -> assertTrue(wellFormed && verifier.cookieCheck().isValid());
        }
        assertEquals(1, verifier.counters().datagrams());
        if (!wellFormed)
        {
            assertEquals(VerifyOutcome.DROP, outcome);
        }
    }

    private long sequenceOfReply()
    {
        final long high = reply.getShort(PREFIX + 5, java.nio.ByteOrder.BIG_ENDIAN) & 0xFFFFL;
        return (high << 32) | (reply.getInt(PREFIX + 7, java.nio.ByteOrder.BIG_ENDIAN) & 0xFFFF_FFFFL);
    }

    private VerifyOutcome verify(
        final ClientHelloVerifier verifier,
        final byte[] datagram,
        final UnsafeBuffer address,
        final int addressLength,
        final int port,
        final long nowMs)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(PREFIX + datagram.length));
        buffer.putBytes(PREFIX, datagram);
        return verifier.verify(buffer, PREFIX, datagram.length, Captures.peer(address, addressLength, port), nowMs,
            reply, PREFIX, reply.capacity() - PREFIX);
    }

    private byte[] cookieFor(
        final ClientHelloVerifier verifier, final byte[] hello, final UnsafeBuffer address, final int port)
    {
        return cookieFor(verifier, hello, address, port, T0);
    }

    private byte[] cookieFor(
        final ClientHelloVerifier verifier,
        final byte[] hello,
        final UnsafeBuffer address,
        final int port,
        final long nowMs)
    {
        assertEquals(VerifyOutcome.REPLY, verify(verifier, hello, address, 4, port, nowMs));
        final byte[] cookie = new byte[reply.getByte(PREFIX + HelloVerifyRequestEncoder.COOKIE_LENGTH_OFFSET)];
        reply.getBytes(PREFIX + HelloVerifyRequestEncoder.COOKIE_OFFSET, cookie);
        assertFalse(cookie.length == 0);
        return cookie;
    }

    private static byte[] withSessionId(final byte[] hello)
    {
        // Insert a one-byte session_id: the cookie must not verify for a hello whose session differs.
        final int at = ClientHelloDecoder.BODY_OFFSET + 34;
        final byte[] out = new byte[hello.length + 1];
        System.arraycopy(hello, 0, out, 0, at);
        out[at] = 1;
        out[at + 1] = 0x42;
        System.arraycopy(hello, at + 1, out, at + 2, hello.length - at - 1);
        final int recordLength = out.length - 13;
        out[11] = (byte)(recordLength >>> 8);
        out[12] = (byte)recordLength;
        final int messageLength = Captures.uint24(hello, 14) + 1;
        for (final int index : new int[]{14, 22})
        {
            out[index] = (byte)(messageLength >>> 16);
            out[index + 1] = (byte)(messageLength >>> 8);
            out[index + 2] = (byte)messageLength;
        }
        return out;
    }

    private static ClientHelloVerifier.Context context(final MacAlgorithm algorithm)
    {
        return new ClientHelloVerifier.Context().cookieKeys(CookieKeys.random(algorithm, 600_000, 60_000, T0));
    }

    private static UnsafeBuffer address(final int a, final int b, final int c, final int d)
    {
        return new UnsafeBuffer(new byte[]{(byte)a, (byte)b, (byte)c, (byte)d});
    }

    private static UnsafeBuffer address(final int ipv4)
    {
        return address(ipv4 >>> 24, ipv4 >>> 16, ipv4 >>> 8, ipv4);
    }
}
