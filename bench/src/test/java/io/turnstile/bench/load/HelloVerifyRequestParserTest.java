package io.turnstile.bench.load;

import java.net.InetSocketAddress;
import io.turnstile.codec.PeerAddress;
import io.turnstile.codec.HelloVerifyRequestEncoder;
import io.turnstile.verifier.ClientHelloVerifier;
import io.turnstile.verifier.VerifyOutcome;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HelloVerifyRequestParserTest
{
    private static final long SEQUENCE_NUMBER = 0x0102_0304_0506L;

    private final HelloVerifyRequestParser parser = new HelloVerifyRequestParser();
    private final UnsafeBuffer hvr = new UnsafeBuffer(ByteBuffer.allocateDirect(512));
    private int hvrLength;

    @BeforeEach
    void answerARealHello()
    {
        final ClientHelloTemplate template = ClientHelloTemplate.load(ClientHelloTemplate.DEFAULT_TEMPLATE);
        final ByteBuffer hello = ByteBuffer.allocateDirect(512);
        template.writeFirstHello(new byte[32], SEQUENCE_NUMBER, hello);
        final ClientHelloVerifier verifier = new ClientHelloVerifier();
        final VerifyOutcome outcome = verifier.verify(
            new UnsafeBuffer(hello), 0, hello.limit(), PeerAddress.of(new InetSocketAddress("127.0.0.2", 40_000)), System.currentTimeMillis(),
            hvr, 0, hvr.capacity());
        assertEquals(VerifyOutcome.REPLY, outcome);
        hvrLength = verifier.replyLength();
    }

    @Test
    void shouldParseTheVerifiersHelloVerifyRequest()
    {
        assertTrue(parser.wrap(hvr, 0, hvrLength).parse());
        assertFalse(parser.isServerHello());
        assertNull(parser.failure());
        assertEquals(SEQUENCE_NUMBER, parser.recordSequenceNumber());
        assertEquals(hvr.getByte(HelloVerifyRequestEncoder.COOKIE_LENGTH_OFFSET), parser.cookieLength());
        assertEquals(HelloVerifyRequestEncoder.COOKIE_OFFSET, parser.cookieOffset());
        assertEquals(hvrLength, HelloVerifyRequestEncoder.encodedLength(parser.cookieLength()));
    }

    @Test
    void shouldParseAtAnOffset()
    {
        final UnsafeBuffer shifted = new UnsafeBuffer(new byte[hvrLength + 7]);
        shifted.putBytes(7, hvr, 0, hvrLength);
        assertTrue(parser.wrap(shifted, 7, hvrLength).parse());
        assertEquals(7 + HelloVerifyRequestEncoder.COOKIE_OFFSET, parser.cookieOffset());
    }

    @Test
    void shouldRejectEveryTruncationWithoutThrowing()
    {
        for (int length = 0; length < hvrLength; length++)
        {
            assertFalse(parser.wrap(hvr, 0, length).parse(), "prefix of " + length + " bytes");
        }
    }

    @Test
    void shouldRejectAShortRecord()
    {
        assertFailure(HelloVerifyRequestParser.Failure.RECORD_TOO_SHORT, 12);
    }

    @Test
    void shouldRejectAnAlert()
    {
        hvr.putByte(0, (byte)21);
        assertFailure(HelloVerifyRequestParser.Failure.NOT_HANDSHAKE, hvrLength);
    }

    @Test
    void shouldRejectANonDtlsRecordVersion()
    {
        hvr.putByte(1, (byte)0x03);
        assertFailure(HelloVerifyRequestParser.Failure.BAD_RECORD_VERSION, hvrLength);
    }

    @Test
    void shouldRejectANonZeroEpoch()
    {
        hvr.putByte(4, (byte)1);
        assertFailure(HelloVerifyRequestParser.Failure.NON_ZERO_EPOCH, hvrLength);
    }

    @Test
    void shouldRejectARecordLongerThanTheDatagram()
    {
        assertFailure(HelloVerifyRequestParser.Failure.RECORD_TRUNCATED, hvrLength - 1);
    }

    @Test
    void shouldRejectAnotherHandshakeMessage()
    {
        hvr.putByte(13, (byte)1);
        assertFailure(HelloVerifyRequestParser.Failure.UNEXPECTED_MESSAGE, hvrLength);
    }

    @Test
    void shouldRejectAFragment()
    {
        hvr.putByte(13 + 8, (byte)1);
        assertFailure(HelloVerifyRequestParser.Failure.FRAGMENTED, hvrLength);
    }

    @Test
    void shouldRejectAMessageLengthThatDisagreesWithTheRecord()
    {
        final int messageLength = hvrLength - 25 - 1;
        hvr.putByte(13 + 3, (byte)messageLength);
        hvr.putByte(13 + 11, (byte)messageLength);
        assertFailure(HelloVerifyRequestParser.Failure.LENGTH_MISMATCH, hvrLength);
    }

    @Test
    void shouldRejectANonDtlsServerVersion()
    {
        hvr.putByte(25, (byte)0x03);
        assertFailure(HelloVerifyRequestParser.Failure.BAD_SERVER_VERSION, hvrLength);
    }

    @Test
    void shouldRejectACookieLengthThatDisagreesWithTheBody()
    {
        hvr.putByte(HelloVerifyRequestEncoder.COOKIE_LENGTH_OFFSET,
            (byte)(hvr.getByte(HelloVerifyRequestEncoder.COOKIE_LENGTH_OFFSET) + 1));
        assertFailure(HelloVerifyRequestParser.Failure.COOKIE_LENGTH_MISMATCH, hvrLength);
    }

    @Test
    void shouldRejectAnEmptyCookie()
    {
        final int length = new HelloVerifyRequestEncoder().wrap(hvr, 0).encode(1, hvr, 0, 0);
        assertFailure(HelloVerifyRequestParser.Failure.EMPTY_COOKIE, length);
    }

    @Test
    void shouldRejectADtls10CookieLongerThan32Bytes()
    {
        final UnsafeBuffer cookie = new UnsafeBuffer(new byte[33]);
        final int length = new HelloVerifyRequestEncoder().wrap(hvr, 0).encode(1, cookie, 0, 33);
        assertFailure(HelloVerifyRequestParser.Failure.COOKIE_TOO_LONG, length);
        hvr.putByte(26, (byte)0xFD);
        assertTrue(parser.wrap(hvr, 0, length).parse(), "a DTLS 1.2 HVR may carry up to 255 bytes");
        assertEquals(33, parser.cookieLength());
    }

    @Test
    void shouldRecogniseAServerHello()
    {
        hvr.putByte(13, (byte)HelloVerifyRequestParser.SERVER_HELLO);
        assertTrue(parser.wrap(hvr, 0, hvrLength).parse());
        assertTrue(parser.isServerHello());
    }

    private void assertFailure(final HelloVerifyRequestParser.Failure expected, final int length)
    {
        assertFalse(parser.wrap(hvr, 0, length).parse());
        assertEquals(expected, parser.failure());
    }
}
