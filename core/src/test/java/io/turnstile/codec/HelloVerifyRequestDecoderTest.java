package io.turnstile.codec;

import io.turnstile.Captures;
import io.turnstile.verifier.ClientHelloVerifier;
import io.turnstile.verifier.VerifyOutcome;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HelloVerifyRequestDecoderTest
{
    private static final long SEQUENCE_NUMBER = 0x0102_0304_0506L;

    private final HelloVerifyRequestDecoder decoder = new HelloVerifyRequestDecoder();
    private final UnsafeBuffer hvr = new UnsafeBuffer(ByteBuffer.allocateDirect(512));
    private int hvrLength;

    @BeforeEach
    void answerARealHello()
    {
        final byte[] bytes = Captures.bytes("openssl-dtls12-ch1-nocookie.bin");
        final UnsafeBuffer hello = Captures.offHeap(bytes);
        new ClientHelloEncoder().wrap(hello, 0).recordSequenceNumber(SEQUENCE_NUMBER);
        final UnsafeBuffer address = new UnsafeBuffer(new byte[] {127, 0, 0, 2});
        final ClientHelloVerifier verifier = new ClientHelloVerifier();
        final VerifyOutcome outcome = verifier.verify(
            hello, 0, bytes.length, Captures.peer(address, 4, 40_000), System.currentTimeMillis(), hvr, 0, hvr.capacity());
        assertEquals(VerifyOutcome.REPLY, outcome);
        hvrLength = verifier.replyLength();
    }

    @Test
    void shouldDecodeTheVerifiersHelloVerifyRequest()
    {
        assertTrue(decoder.wrap(hvr, 0, hvrLength).decode());
        assertFalse(decoder.isServerHello());
        assertNull(decoder.failure());
        assertEquals(SEQUENCE_NUMBER, decoder.recordSequenceNumber());
        assertEquals(0, decoder.messageSeq());
        assertEquals(DtlsRecordDecoder.DTLS_1_0, decoder.serverVersion());
        assertEquals(hvr.getByte(HelloVerifyRequestEncoder.COOKIE_LENGTH_OFFSET), decoder.cookieLength());
        assertEquals(HelloVerifyRequestEncoder.COOKIE_OFFSET, decoder.cookieOffset());
        assertEquals(hvrLength, HelloVerifyRequestEncoder.encodedLength(decoder.cookieLength()));
    }

    @Test
    void shouldRoundTripEveryFieldTheEncoderWrites()
    {
        final UnsafeBuffer out = new UnsafeBuffer(ByteBuffer.allocateDirect(128));
        final byte[] cookie = Captures.hex("0102030405060708090a");
        final int length = new HelloVerifyRequestEncoder().wrap(out, 5)
            .encode(DtlsRecordDecoder.MAX_SEQUENCE_NUMBER, new UnsafeBuffer(cookie), 0, cookie.length);

        assertTrue(decoder.wrap(out, 5, length).decode(), () -> String.valueOf(decoder.failure()));
        assertEquals(DtlsRecordDecoder.MAX_SEQUENCE_NUMBER, decoder.recordSequenceNumber());
        assertEquals(0, decoder.messageSeq());
        assertEquals(DtlsRecordDecoder.DTLS_1_0, decoder.serverVersion());
        final byte[] decoded = new byte[decoder.cookieLength()];
        out.getBytes(decoder.cookieOffset(), decoded);
        assertArrayEquals(cookie, decoded);
    }

    @Test
    void shouldDecodeAtAnOffset()
    {
        final UnsafeBuffer shifted = new UnsafeBuffer(new byte[hvrLength + 7]);
        shifted.putBytes(7, hvr, 0, hvrLength);
        assertTrue(decoder.wrap(shifted, 7, hvrLength).decode());
        assertEquals(7 + HelloVerifyRequestEncoder.COOKIE_OFFSET, decoder.cookieOffset());
    }

    @Test
    void shouldRejectEveryTruncationWithoutThrowing()
    {
        for (int length = 0; length < hvrLength; length++)
        {
            assertFalse(decoder.wrap(hvr, 0, length).decode(), "prefix of " + length + " bytes");
        }
    }

    @Test
    void shouldRejectAShortRecord()
    {
        assertFailure(HelloVerifyRequestDecoder.Failure.RECORD_TOO_SHORT, 12);
    }

    @Test
    void shouldRejectAnAlert()
    {
        hvr.putByte(0, (byte)21);
        assertFailure(HelloVerifyRequestDecoder.Failure.NOT_HANDSHAKE, hvrLength);
    }

    @Test
    void shouldRejectANonDtlsRecordVersion()
    {
        hvr.putByte(1, (byte)0x03);
        assertFailure(HelloVerifyRequestDecoder.Failure.BAD_RECORD_VERSION, hvrLength);
    }

    @Test
    void shouldRejectANonZeroEpoch()
    {
        hvr.putByte(4, (byte)1);
        assertFailure(HelloVerifyRequestDecoder.Failure.NON_ZERO_EPOCH, hvrLength);
    }

    @Test
    void shouldRejectARecordLongerThanTheDatagram()
    {
        assertFailure(HelloVerifyRequestDecoder.Failure.RECORD_TRUNCATED, hvrLength - 1);
    }

    @Test
    void shouldRejectAnotherHandshakeMessage()
    {
        hvr.putByte(13, (byte)1);
        assertFailure(HelloVerifyRequestDecoder.Failure.UNEXPECTED_MESSAGE, hvrLength);
    }

    @Test
    void shouldRejectAFragment()
    {
        hvr.putByte(13 + 8, (byte)1);
        assertFailure(HelloVerifyRequestDecoder.Failure.FRAGMENTED, hvrLength);
    }

    @Test
    void shouldRejectAMessageLengthThatDisagreesWithTheRecord()
    {
        final int messageLength = hvrLength - 25 - 1;
        hvr.putByte(13 + 3, (byte)messageLength);
        hvr.putByte(13 + 11, (byte)messageLength);
        assertFailure(HelloVerifyRequestDecoder.Failure.LENGTH_MISMATCH, hvrLength);
    }

    @Test
    void shouldRejectANonDtlsServerVersion()
    {
        hvr.putByte(25, (byte)0x03);
        assertFailure(HelloVerifyRequestDecoder.Failure.BAD_SERVER_VERSION, hvrLength);
    }

    @Test
    void shouldRejectACookieLengthThatDisagreesWithTheBody()
    {
        hvr.putByte(HelloVerifyRequestEncoder.COOKIE_LENGTH_OFFSET,
            (byte)(hvr.getByte(HelloVerifyRequestEncoder.COOKIE_LENGTH_OFFSET) + 1));
        assertFailure(HelloVerifyRequestDecoder.Failure.COOKIE_LENGTH_MISMATCH, hvrLength);
    }

    @Test
    void shouldRejectAnEmptyCookie()
    {
        final int length = new HelloVerifyRequestEncoder().wrap(hvr, 0).encode(1, hvr, 0, 0);
        assertFailure(HelloVerifyRequestDecoder.Failure.EMPTY_COOKIE, length);
    }

    @Test
    void shouldRejectADtls10CookieLongerThan32Bytes()
    {
        final UnsafeBuffer cookie = new UnsafeBuffer(new byte[33]);
        final int length = new HelloVerifyRequestEncoder().wrap(hvr, 0).encode(1, cookie, 0, 33);
        assertFailure(HelloVerifyRequestDecoder.Failure.COOKIE_TOO_LONG, length);
        hvr.putByte(26, (byte)0xFD);
        assertTrue(decoder.wrap(hvr, 0, length).decode(), "a DTLS 1.2 HVR may carry up to 255 bytes");
        assertEquals(33, decoder.cookieLength());
    }

    @Test
    void shouldRecogniseAServerHello()
    {
        hvr.putByte(13, (byte)HelloVerifyRequestDecoder.SERVER_HELLO);
        assertTrue(decoder.wrap(hvr, 0, hvrLength).decode());
        assertTrue(decoder.isServerHello());
    }

    private void assertFailure(final HelloVerifyRequestDecoder.Failure expected, final int length)
    {
        assertFalse(decoder.wrap(hvr, 0, length).decode());
        assertEquals(expected, decoder.failure());
    }
}
