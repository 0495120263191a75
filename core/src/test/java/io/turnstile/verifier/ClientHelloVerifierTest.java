package io.turnstile.verifier;

import io.turnstile.codec.PeerAddress;
import io.turnstile.Captures;
import io.turnstile.codec.ClientHelloDecoder;
import io.turnstile.codec.HelloVerifyRequestEncoder;
import io.turnstile.cookie.CookieCheck;
import io.turnstile.cookie.CookieKeys;
import io.turnstile.cookie.MacAlgorithm;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.FieldSource;

import java.nio.ByteBuffer;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClientHelloVerifierTest
{
    private static final long T0 = 1_800_000_000_000L;
    private static final UnsafeBuffer ADDRESS = new UnsafeBuffer(new byte[]{127, 0, 0, 1});
    private static final int PORT = 40_000;
    private static final PeerAddress PEER = Captures.peer(ADDRESS, 4, PORT);

    private final UnsafeBuffer reply = new UnsafeBuffer(ByteBuffer.allocateDirect(256));
    private ClientHelloVerifier verifier = verifier(MacAlgorithm.defaultAlgorithm());

    private static ClientHelloVerifier verifier(final MacAlgorithm algorithm)
    {
        return new ClientHelloVerifier(new ClientHelloVerifier.Context()
            .cookieKeys(CookieKeys.random(algorithm, 600_000, 60_000, T0)));
    }

    @ParameterizedTest
    @FieldSource("io.turnstile.Captures#COOKIELESS")
    void shouldAnswerEveryCookielessCaptureWithByteExactHvr(final String name)
    {
        final byte[] hello = Captures.withSequence(Captures.bytes(name), 0x0000_0102_0304_0506L, 0);

        assertEquals(VerifyOutcome.REPLY, verify(hello, PORT, T0));

        final int length = verifier.replyLength();
        final byte[] hvr = new byte[length];
        reply.getBytes(0, hvr);
        final int cookieLength = length - HelloVerifyRequestEncoder.BASE_LENGTH;
        final byte[] expectedHeader = Captures.hex(
            "16 feff 0000 010203040506" + String.format("%04x", length - 13) +
            "03" + String.format("%06x", 3 + cookieLength) + "0000 000000" + String.format("%06x", 3 + cookieLength) +
            "feff" + String.format("%02x", cookieLength));
        assertArrayEquals(expectedHeader, Arrays.copyOf(hvr, HelloVerifyRequestEncoder.BASE_LENGTH), name);
        assertEquals(21, cookieLength, "AES-CMAC cookie: key id, timestamp, 16-byte MAC");
        assertTrue(length < hello.length, "never amplifies");
        assertNull(verifier.cookieCheck());
        assertEquals(1, verifier.counters().replies());
    }

    @ParameterizedTest
    @EnumSource(MacAlgorithm.class)
    void shouldVerifyHelloCarryingItsOwnCookie(final MacAlgorithm algorithm)
    {
        verifier = verifier(algorithm);
        for (final String name : Captures.COOKIELESS)
        {
            final byte[] first = Captures.bytes(name);
            assertEquals(VerifyOutcome.REPLY, verify(first, PORT, T0), name);
            final byte[] second = Captures.withSequence(Captures.withCookie(first, cookieFromReply()), 1, 1);

            assertEquals(VerifyOutcome.VERIFIED, verify(second, PORT, T0 + 500), name);
            assertEquals(1, verifier.recordSequenceNumber());
            assertEquals(1, verifier.messageSeq());
            assertEquals(0, verifier.helloOffset());
            assertEquals(second.length, verifier.helloLength());
            assertEquals(CookieCheck.VALID, verifier.cookieCheck());
            assertFalse(verifier.isFragment());
            assertEquals(0, verifier.replyLength());
        }
        assertEquals(Captures.COOKIELESS.size(), verifier.counters().verified());
        assertEquals(Captures.COOKIELESS.size(), verifier.counters().replies());
        assertEquals(0, verifier.counters().dropped());
    }

    @Test
    void shouldVerifyFirstFragmentCarryingItsOwnCookie()
    {
        final byte[] first = Captures.bytes("openssl-dtls12-mtu256-ch1-nocookie.bin");
        assertEquals(VerifyOutcome.REPLY, verify(first, PORT, T0));
        final byte[] cookie = cookieFromReply();
        final byte[] fragment = Captures.bytes("openssl-dtls12-mtu256-ch2-cookie-frag1.bin");
        // Splice our 21-byte cookie over the capture's 32-byte one: lengths shrink by 11, the fragment stays a fragment.
        final byte[] spliced = spliceIntoFragment(fragment, cookie);

        assertEquals(VerifyOutcome.VERIFIED, verify(spliced, PORT, T0), () -> "" + verifier.dropReason());
        assertTrue(verifier.isFragment());
    }

    @Test
    void shouldAnswerForeignOrStaleCookieWithFreshHvr()
    {
        for (final String name : Captures.WITH_FOREIGN_COOKIE)
        {
            assertEquals(VerifyOutcome.REPLY, verify(Captures.bytes(name), PORT, T0), name);
            assertFalse(verifier.cookieCheck().isValid(), name);
        }

        final byte[] first = Captures.bytes("openssl-dtls12-ch1-nocookie.bin");
        verify(first, PORT, T0);
        final byte[] second = Captures.withCookie(first, cookieFromReply());
        assertEquals(VerifyOutcome.REPLY, verify(second, PORT, T0 + 61_000));
        assertEquals(CookieCheck.EXPIRED, verifier.cookieCheck());
        assertEquals(VerifyOutcome.REPLY, verify(second, PORT + 1, T0));
        assertEquals(CookieCheck.BAD_MAC, verifier.cookieCheck());
        assertEquals(1, verifier.counters().cookieChecks(CookieCheck.EXPIRED));
        assertEquals(1, verifier.counters().cookieChecks(CookieCheck.BAD_MAC));
    }

    @Test
    void shouldDropAndCountLaterFragmentAndGarbage()
    {
        assertEquals(VerifyOutcome.DROP, verify(Captures.bytes("openssl-dtls12-mtu256-ch2-cookie-frag2.bin"), PORT, T0));
        assertEquals(DropReason.NOT_FIRST_FRAGMENT, verifier.dropReason());
        assertEquals(VerifyOutcome.DROP, verify(new byte[]{22, -2, -1}, PORT, T0));
        assertEquals(DropReason.RECORD_TOO_SHORT, verifier.dropReason());
        assertEquals(0, verifier.replyLength());

        final VerifierCounters counters = verifier.counters();
        assertEquals(2, counters.dropped());
        assertEquals(1, counters.dropped(DropReason.NOT_FIRST_FRAGMENT));
        assertEquals(1, counters.dropped(DropReason.RECORD_TOO_SHORT));
        assertEquals(2, counters.datagrams());
        assertEquals(2, counters.get(VerifierCounters.Total.DATAGRAMS));
        assertEquals(2, counters.get(VerifierCounters.Total.DROPPED));
    }

    @Test
    void shouldDropHelloWithAbsurdMessageSeq()
    {
        final byte[] hello = Captures.withSequence(Captures.bytes("openssl-dtls12-ch1-nocookie.bin"), 9, 4);

        assertEquals(VerifyOutcome.DROP, verify(hello, PORT, T0));
        assertEquals(DropReason.MESSAGE_SEQ_OUT_OF_RANGE, verifier.dropReason());
    }

    @Test
    void shouldDropFirstFragmentClaimingAHelloLongerThanTheLimit()
    {
        // A first fragment whose cookie came from another responder: within the limit it gets a fresh HVR.
        final byte[] first = Captures.bytes("openssl-dtls12-mtu256-ch2-cookie-frag1.bin");
        assertTrue(Captures.uint24(first, 22) < Captures.uint24(first, 14), "the capture is a first fragment");

        final byte[] huge = first.clone();
        huge[14] = (byte)0xFF; huge[15] = (byte)0xFF; huge[16] = (byte)0xFF; // 16 MB announced
        assertEquals(VerifyOutcome.DROP, verify(huge, PORT, T0));
        assertEquals(DropReason.HELLO_TOO_LONG, verifier.dropReason());
        assertEquals(0, verifier.replyLength());
        assertEquals(1, verifier.counters().dropped(DropReason.HELLO_TOO_LONG));

        final int limit = ClientHelloVerifier.Context.DEFAULT_MAX_HELLO_LENGTH;
        final byte[] atLimit = first.clone();
        atLimit[14] = (byte)(limit >>> 16); atLimit[15] = (byte)(limit >>> 8); atLimit[16] = (byte)limit;
        assertEquals(VerifyOutcome.REPLY, verify(atLimit, PORT, T0), () -> "" + verifier.dropReason());

        verifier = new ClientHelloVerifier(new ClientHelloVerifier.Context().maxHelloLength(256));
        assertEquals(VerifyOutcome.DROP, verify(atLimit, PORT, T0));
        assertEquals(DropReason.HELLO_TOO_LONG, verifier.dropReason());
    }

    @Test
    void shouldDropHelloRecordWithTrailingBytes()
    {
        final byte[] hello = Captures.bytes("openssl-dtls12-ch1-nocookie.bin");
        final byte[] trailing = java.util.Arrays.copyOf(hello, hello.length + 3);
        final int recordLength = trailing.length - 13;
        trailing[11] = (byte)(recordLength >>> 8);
        trailing[12] = (byte)recordLength;

        assertEquals(VerifyOutcome.DROP, verify(trailing, PORT, T0));
        assertEquals(DropReason.TRAILING_BYTES, verifier.dropReason());
        assertEquals(0, verifier.replyLength());
        assertEquals(1, verifier.counters().dropped(DropReason.TRAILING_BYTES));
    }

    @Test
    void shouldNeverReplyWithMoreBytesThanReceived()
    {
        // A hello with the smallest body the decoder accepts (one suite, no extensions): 25 + 42 = 67 bytes.
        final byte[] capture = Captures.bytes("openssl-dtls12-ch1-nocookie.bin");
        final byte[] tiny = new byte[67];
        System.arraycopy(capture, 0, tiny, 0, 25 + 34);
        tiny[11] = 0;
        tiny[12] = 54;
        tiny[14] = 0; tiny[15] = 0; tiny[16] = 42;
        tiny[22] = 0; tiny[23] = 0; tiny[24] = 42;
        tiny[59] = 0;           // session_id
        tiny[60] = 0;           // cookie
        tiny[61] = 0; tiny[62] = 2; tiny[63] = 0; tiny[64] = 0x2F; // one suite
        tiny[65] = 1; tiny[66] = 0; // null compression

        assertEquals(VerifyOutcome.REPLY, verify(tiny, PORT, T0), () -> "" + verifier.dropReason());
        assertTrue(verifier.replyLength() <= tiny.length);

        verifier = new ClientHelloVerifier(new ClientHelloVerifier.Context().cookieKeys(
            CookieKeys.random(MacAlgorithm.HMAC_SHA256, 600_000, 60_000, T0)));
        assertEquals(VerifyOutcome.REPLY, verify(tiny, PORT, T0), "the longest HVR (60 bytes) still fits");
        assertEquals(60, verifier.replyLength());
        assertTrue(verifier.replyLength() <= tiny.length);
    }

    @Test
    void shouldDropWhenReplyBufferTooSmall()
    {
        final byte[] hello = Captures.bytes("openssl-dtls12-ch1-nocookie.bin");
        final UnsafeBuffer datagram = Captures.offHeap(hello);

        final VerifyOutcome outcome = verifier.verify(datagram, 0, hello.length, PEER, T0, reply, 0, 20);

        assertEquals(VerifyOutcome.DROP, outcome);
        assertEquals(DropReason.REPLY_BUFFER_TOO_SMALL, verifier.dropReason());
    }

    @Test
    void shouldRefuseApiMisuseWithClearMessages()
    {
        final byte[] hello = Captures.bytes("openssl-dtls12-ch1-nocookie.bin");
        final UnsafeBuffer datagram = Captures.offHeap(hello);

        final NullPointerException nullAddress = assertThrows(NullPointerException.class,
            () -> verifier.verify(datagram, 0, hello.length, null, T0, reply, 0, 256));
        assertTrue(nullAddress.getMessage().contains("address"));
        assertThrows(IllegalArgumentException.class,
            () -> new ClientHelloVerifier(new ClientHelloVerifier.Context().maxCookieAgeMs(10)));
        assertThrows(IllegalArgumentException.class,
            () -> new ClientHelloVerifier(new ClientHelloVerifier.Context().maxMessageSeq(0)));
        final IllegalArgumentException shortLimit = assertThrows(IllegalArgumentException.class,
            () -> new ClientHelloVerifier(new ClientHelloVerifier.Context().maxHelloLength(255)));
        assertTrue(shortLimit.getMessage().contains("maxHelloLength"), shortLimit.getMessage());
        assertThrows(IllegalArgumentException.class,
            () -> new ClientHelloVerifier(new ClientHelloVerifier.Context().maxHelloLength(0x100_0000)));
    }

    private VerifyOutcome verify(final byte[] datagram, final int port, final long nowMs)
    {
        final UnsafeBuffer buffer = Captures.offHeap(datagram);
        return verifier.verify(buffer, 0, datagram.length, Captures.peer(ADDRESS, 4, port), nowMs, reply, 0, reply.capacity());
    }

    private byte[] cookieFromReply()
    {
        final int cookieLength = reply.getByte(HelloVerifyRequestEncoder.COOKIE_LENGTH_OFFSET) & 0xFF;
        final byte[] cookie = new byte[cookieLength];
        reply.getBytes(HelloVerifyRequestEncoder.COOKIE_OFFSET, cookie);
        return cookie;
    }

    private static byte[] spliceIntoFragment(final byte[] fragment, final byte[] cookie)
    {
        final ClientHelloDecoder decoder = new ClientHelloDecoder();
        assertTrue(decoder.wrap(Captures.offHeap(fragment), 0, fragment.length).decode());
        final int cookieAt = decoder.cookieOffset();
        final int delta = cookie.length - decoder.cookieLength();
        final byte[] out = new byte[fragment.length + delta];
        System.arraycopy(fragment, 0, out, 0, cookieAt);
        out[cookieAt - 1] = (byte)cookie.length;
        System.arraycopy(cookie, 0, out, cookieAt, cookie.length);
        System.arraycopy(fragment, cookieAt + decoder.cookieLength(), out, cookieAt + cookie.length,
            fragment.length - cookieAt - decoder.cookieLength());
        final int recordLength = out.length - 13;
        out[11] = (byte)(recordLength >>> 8);
        out[12] = (byte)recordLength;
        final int messageLength = Captures.uint24(fragment, 14) + delta;
        final int fragmentLength = Captures.uint24(fragment, 22) + delta;
        out[14] = (byte)(messageLength >>> 16); out[15] = (byte)(messageLength >>> 8); out[16] = (byte)messageLength;
        out[22] = (byte)(fragmentLength >>> 16); out[23] = (byte)(fragmentLength >>> 8); out[24] = (byte)fragmentLength;
        return out;
    }
}
