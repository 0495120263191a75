package io.turnstile.cookie;

import io.turnstile.Captures;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class DigestHmacTest
{
    @Test
    void shouldMatchRfc4231TestCaseOne()
    {
        final DigestHmac mac = new DigestHmac(MacAlgorithm.HMAC_SHA256);
        mac.init(Captures.hex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"));
        final byte[] message = "Hi There".getBytes(StandardCharsets.US_ASCII);
        final byte[] out = new byte[32];

        mac.compute(message, 0, message.length, out, 0);
        mac.compute(message, 0, message.length, out, 0);

        assertArrayEquals(Captures.hex("b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"), out);
    }

    @Test
    void shouldRefuseEmptyKeyAndNonHmacAlgorithm()
    {
        assertThrows(IllegalArgumentException.class, () -> new DigestHmac(MacAlgorithm.HMAC_SHA1).init(new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> new DigestHmac(MacAlgorithm.AES_CMAC));
    }
}
