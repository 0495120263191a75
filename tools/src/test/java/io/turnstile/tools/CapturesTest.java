package io.turnstile.tools;

import io.turnstile.codec.ClientHelloDecoder;
import io.turnstile.codec.DtlsRecordDecoder;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CapturesTest
{
    private static final String HELLO = "openssl-dtls12-ch1-nocookie.bin";

    @Test
    void shouldLoadTheVendoredCaptureByteForByte() throws IOException
    {
        final byte[] expected = Files.readAllBytes(Path.of("../core/src/test/resources/corpus", HELLO));
        assertArrayEquals(expected, Captures.load(HELLO));
        assertArrayEquals(expected, Captures.find(HELLO));
        assertArrayEquals(expected, Captures.hello(HELLO));
    }

    @Test
    void shouldFindNothingForAMissingCapture()
    {
        assertNull(Captures.find("missing.bin"));
    }

    @Test
    void shouldRefuseToLoadAMissingCaptureNamingIt()
    {
        final IllegalStateException ex =
            assertThrows(IllegalStateException.class, () -> Captures.load("missing.bin"));
        assertTrue(ex.getMessage().contains("/corpus/missing.bin"), ex.getMessage());
    }

    @Test
    void shouldSpliceACookieAndFixTheLengths()
    {
        final byte[] hello = Captures.load(HELLO);
        final byte[] withCookie = Captures.withCookie(hello, new byte[] {1, 2, 3});
        assertEquals(hello.length + 3, withCookie.length);
        assertEquals(withCookie.length - DtlsRecordDecoder.HEADER_LENGTH,
            ((withCookie[DtlsRecordDecoder.LENGTH_OFFSET] & 0xFF) << 8) |
            (withCookie[DtlsRecordDecoder.LENGTH_OFFSET + 1] & 0xFF));
    }

    @Test
    @Timeout(10)
    void shouldLoadEveryFirstHelloOfTheCorpusWithItsRandomAtOffset27()
    {
        final ClientHelloDecoder decoder = new ClientHelloDecoder();
        for (final String name : Captures.FIRST_HELLOS)
        {
            final byte[] hello = Captures.hello(name);
            assertTrue(decoder.wrap(new UnsafeBuffer(hello), 0, hello.length).decode(), name);
            assertEquals(27, decoder.randomOffset(), name);
            assertEquals(0, decoder.cookieLength(), name);
            assertTrue(hello.length > 100, name);
        }
        assertEquals(205, Captures.hello(Captures.DEFAULT_HELLO).length);
        final byte[] second = Captures.hello("openssl-dtls12-ch2-cookie.bin");
        assertTrue(decoder.wrap(new UnsafeBuffer(second), 0, second.length).decode());
        assertTrue(decoder.cookieLength() > 0);
    }

    @Test
    @Timeout(10)
    void shouldRefuseMissingPathLikeAndMalformedCaptures()
    {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Captures.hello("nope.bin"))
            .getMessage().contains("first hellos"));
        assertThrows(IllegalArgumentException.class, () -> Captures.hello("../README.md"));
        assertThrows(IllegalArgumentException.class, () -> Captures.hello(""));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Captures.hello("README.md"))
            .getMessage().contains("not a well-formed ClientHello"));
    }

    @Test
    void shouldTruncateInsideTheExtensionsWithHeadersThatAgree()
    {
        final byte[] hello = Captures.load(HELLO);
        final byte[] truncated = Captures.truncatedInExtensions(hello);
        final ClientHelloDecoder decoder = new ClientHelloDecoder();
        decoder.wrap(new UnsafeBuffer(truncated), 0, truncated.length);
        assertEquals(false, decoder.decode());
        assertEquals(truncated.length, decoder.recordLength());
        assertEquals(truncated.length - ClientHelloDecoder.BODY_OFFSET, decoder.messageLength());
        assertEquals(decoder.messageLength(), decoder.fragmentLength());
    }
}
