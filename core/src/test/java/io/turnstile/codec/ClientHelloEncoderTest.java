package io.turnstile.codec;

import io.turnstile.Captures;
import io.turnstile.verifier.ClientHelloVerifier;
import io.turnstile.verifier.VerifyOutcome;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClientHelloEncoderTest
{
    /** The first hellos whose second hello in the corpus is unfragmented: ch1 + the ch2 cookie must give ch2. */
    static final List<String> FIRST_HELLOS_WITH_A_WHOLE_SECOND = List.of(
        "openssl-dtls12-ch1-nocookie.bin",
        "openssl-dtls10-ch1-nocookie.bin",
        "openssl-dtlsany-ch1-nocookie.bin",
        "bc-dtls12-bccrypto-ch1-nocookie.bin",
        "bc-dtls12-jcacrypto-ch1-nocookie.bin");

    private final ClientHelloEncoder encoder = new ClientHelloEncoder();
    private final ClientHelloDecoder decoder = new ClientHelloDecoder();
    private final UnsafeBuffer out = new UnsafeBuffer(ByteBuffer.allocateDirect(1024));

    @ParameterizedTest
    @FieldSource("io.turnstile.Captures#ALL")
    void shouldReencodeEveryWholeCaptureFromItsDecodedFieldsByteForByte(final String name)
    {
        final byte[] bytes = Captures.bytes(name);
        final UnsafeBuffer in = Captures.offHeap(bytes);
        if (!decoder.wrap(in, 0, bytes.length).decode() || decoder.isFragmented())
        {
            return; // a later or first fragment: not a whole hello to re-encode
        }

        encoder.wrap(out, 3)
            .header(decoder.recordVersion(), decoder.recordSequenceNumber(), decoder.messageSeq(),
                decoder.clientVersion())
            .random(in, decoder.randomOffset())
            .sessionId(in, decoder.sessionIdOffset(), decoder.sessionIdLength())
            .cookie(in, decoder.cookieOffset(), decoder.cookieLength())
            .cipherSuites(in, decoder.cipherSuitesOffset(), decoder.cipherSuitesLength())
            .compressionMethods(in, decoder.compressionMethodsOffset(), decoder.compressionMethodsLength());
        if (decoder.extensionsOffset() >= 0)
        {
            encoder.extensions(in, decoder.extensionsOffset(), decoder.extensionsLength());
        }
        final int length = encoder.finish();

        assertEquals(bytes.length, length, name);
        final byte[] encoded = new byte[length];
        out.getBytes(3, encoded);
        assertArrayEquals(bytes, encoded, name);
    }

    @ParameterizedTest
    @FieldSource("FIRST_HELLOS_WITH_A_WHOLE_SECOND")
    void shouldTurnTheRealFirstHelloIntoTheRealSecondHello(final String name)
    {
        final byte[] first = Captures.bytes(name);
        final byte[] second = Captures.bytes(name.replace("ch1-nocookie", "ch2-cookie"));
        final UnsafeBuffer secondBuffer = Captures.offHeap(second);
        assertTrue(decoder.wrap(secondBuffer, 0, second.length).decode());

        final int length = encoder.wrap(out, 0).spliceCookie(Captures.offHeap(first), 0, first.length,
            secondBuffer, decoder.cookieOffset(), decoder.cookieLength());
        encoder.recordSequenceNumber(1).messageSeq(1);

        assertEquals(second.length, length);
        final byte[] spliced = new byte[length];
        out.getBytes(0, spliced);
        assertArrayEquals(second, spliced, "the second flight differs from the first only in cookie and sequence");
    }

    @Test
    void shouldSpliceACookieHelloThatTheVerifierAccepts()
    {
        final byte[] first = Captures.bytes("openssl-dtls12-ch1-nocookie.bin");
        final UnsafeBuffer hello = Captures.offHeap(first);
        final byte[] random = new byte[32];
        Arrays.fill(random, (byte)0x5A);
        encoder.wrap(hello, 0).random(new UnsafeBuffer(random), 0);
        final ClientHelloVerifier verifier = new ClientHelloVerifier();
        final UnsafeBuffer address = new UnsafeBuffer(new byte[] {127, 0, 0, 2});
        final UnsafeBuffer hvr = new UnsafeBuffer(ByteBuffer.allocateDirect(64));
        final long nowMs = System.currentTimeMillis();
        assertEquals(VerifyOutcome.REPLY, verifier.verify(
            hello, 0, first.length, Captures.peer(address, 4, 5000), nowMs, hvr, 0, hvr.capacity()));
        final HelloVerifyRequestDecoder reply = new HelloVerifyRequestDecoder();
        assertTrue(reply.wrap(hvr, 0, verifier.replyLength()).decode());

        final int length = encoder.wrap(out, 0)
            .spliceCookie(hello, 0, first.length, hvr, reply.cookieOffset(), reply.cookieLength());
        encoder.recordSequenceNumber(1).messageSeq(1);

        assertEquals(first.length + reply.cookieLength(), length);
        assertTrue(decoder.wrap(out, 0, length).decode(), () -> String.valueOf(decoder.fault()));
        assertEquals(1, decoder.recordSequenceNumber());
        assertEquals(1, decoder.messageSeq());
        assertEquals(reply.cookieLength(), decoder.cookieLength());
        assertFalse(decoder.isFragmented());
        assertEquals(length, decoder.recordLength());
        final byte[] written = new byte[32];
        out.getBytes(decoder.randomOffset(), written);
        assertArrayEquals(random, written);

        assertEquals(VerifyOutcome.VERIFIED, verifier.verify(
            out, 0, length, Captures.peer(address, 4, 5000), nowMs, hvr, 0, hvr.capacity()));
        assertEquals(VerifyOutcome.REPLY, verifier.verify(
            out, 0, length, Captures.peer(address, 4, 5001), nowMs, hvr, 0, hvr.capacity()),
            "the cookie binds the port: another port gets a fresh HVR");
    }

    @Test
    void shouldReplaceAnExistingCookieAndShrinkTheLengths()
    {
        final byte[] second = Captures.bytes("openssl-dtls12-ch2-cookie.bin");
        final int length = encoder.wrap(out, 0).spliceCookie(
            Captures.offHeap(second), 0, second.length, new UnsafeBuffer(new byte[] {1, 2, 3}), 0, 3);

        assertEquals(second.length - 29, length);
        assertTrue(decoder.wrap(out, 0, length).decode(), () -> String.valueOf(decoder.fault()));
        assertEquals(3, decoder.cookieLength());
        assertEquals(3, out.getByte(decoder.cookieOffset() + 2));
        assertEquals(length, decoder.recordLength());
        assertEquals(length - ClientHelloDecoder.BODY_OFFSET, decoder.messageLength());
    }

    @Test
    void shouldRewriteTheSequenceNumbersOfAWrappedHelloForARetransmission()
    {
        final byte[] first = Captures.bytes("bc-dtls12-bccrypto-ch1-nocookie.bin");
        final UnsafeBuffer hello = Captures.offHeap(first);

        encoder.wrap(hello, 0).recordSequenceNumber(DtlsRecordDecoder.MAX_SEQUENCE_NUMBER).messageSeq(0xFFFF);

        assertTrue(decoder.wrap(hello, 0, first.length).decode());
        assertEquals(DtlsRecordDecoder.MAX_SEQUENCE_NUMBER, decoder.recordSequenceNumber());
        assertEquals(0xFFFF, decoder.messageSeq());
        assertEquals(0, decoder.cookieLength());
    }

    @Test
    void shouldEncodeAMinimalHelloWithoutExtensions()
    {
        final UnsafeBuffer fields = new UnsafeBuffer(Captures.hex("c02b 00"));
        final int length = encoder.wrap(out, 0)
            .header(DtlsRecordDecoder.DTLS_1_2, 7, 0, DtlsRecordDecoder.DTLS_1_2)
            .random(new UnsafeBuffer(new byte[32]), 0)
            .sessionId(fields, 0, 0)
            .cookie(fields, 0, 0)
            .cipherSuites(fields, 0, 2)
            .compressionMethods(fields, 2, 1)
            .finish();

        assertEquals(ClientHelloDecoder.BODY_OFFSET + 2 + 32 + 1 + 1 + 2 + 2 + 1 + 1, length);
        assertTrue(decoder.wrap(out, 0, length).decode(), () -> String.valueOf(decoder.fault()));
        assertEquals(DtlsRecordDecoder.DTLS_1_2, decoder.recordVersion());
        assertEquals(7, decoder.recordSequenceNumber());
        assertEquals(0xC02B, out.getShort(decoder.cipherSuitesOffset(), java.nio.ByteOrder.BIG_ENDIAN) & 0xFFFF);
        assertEquals(-1, decoder.extensionsOffset());
    }
}
