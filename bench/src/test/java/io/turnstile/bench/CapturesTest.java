package io.turnstile.bench;

import org.junit.jupiter.api.Test;

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
        assertEquals(withCookie.length - Captures.RECORD_HEADER_LENGTH,
            ((withCookie[Captures.RECORD_LENGTH_OFFSET] & 0xFF) << 8) |
            (withCookie[Captures.RECORD_LENGTH_OFFSET + 1] & 0xFF));
    }
}
