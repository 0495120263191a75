package io.turnstile.cookie;

import io.turnstile.Captures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PrecomputedHmacTest
{
    @Test
    void shouldBeSupportedOnThisJdk()
    {
        assertTrue(PrecomputedHmac.isSupported(MacAlgorithm.HMAC_SHA256), "SHA-256 state layout");
        assertTrue(PrecomputedHmac.isSupported(MacAlgorithm.HMAC_SHA1), "SHA-1 state layout");
        assertTrue(MacAlgorithm.HMAC_SHA256.newMac() instanceof PrecomputedHmac);
    }

    @Test
    void shouldMatchRfc4231TestCases()
    {
        assertMac(MacAlgorithm.HMAC_SHA256, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "Hi There",
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
        assertMac(MacAlgorithm.HMAC_SHA256, hexOf("Jefe"), "what do ya want for nothing?",
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        assertMac(MacAlgorithm.HMAC_SHA256, "aa".repeat(131), "Test Using Larger Than Block-Size Key - Hash Key First",
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    }

    @Test
    void shouldMatchRfc2202TestCases()
    {
        assertMac(MacAlgorithm.HMAC_SHA1, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "Hi There",
            "b617318655057264e28bc0b6fb378c8ef146be00");
        assertMac(MacAlgorithm.HMAC_SHA1, hexOf("Jefe"), "what do ya want for nothing?",
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
    }

    @ParameterizedTest
    @EnumSource(value = MacAlgorithm.class, names = {"HMAC_SHA256", "HMAC_SHA1"})
    void shouldMatchJdkMacForEveryLengthAcrossRekeying(final MacAlgorithm algorithm) throws Exception
    {
        final String jce = algorithm == MacAlgorithm.HMAC_SHA256 ? "HmacSHA256" : "HmacSHA1";
        final Random random = new Random(42);
        final PrecomputedHmac mac = new PrecomputedHmac(algorithm);
        final DigestHmac plain = new DigestHmac(algorithm);
        final byte[] message = new byte[300];
        random.nextBytes(message);
        final byte[] out = new byte[algorithm.macLength()];
        final byte[] plainOut = new byte[algorithm.macLength()];

        for (int key = 0; key < 3; key++)
        {
            final byte[] keyBytes = new byte[16 + key * 30];
            random.nextBytes(keyBytes);
            mac.init(keyBytes);
            plain.init(keyBytes);
            final Mac reference = Mac.getInstance(jce);
            reference.init(new SecretKeySpec(keyBytes, jce));
            for (int length = 0; length <= message.length; length++)
            {
                reference.update(message, 0, length);
                final byte[] expected = reference.doFinal();
                mac.compute(message, 0, length, out, 0);
                plain.compute(message, 0, length, plainOut, 0);
                assertArrayEquals(expected, out, "precomputed, length " + length);
                assertArrayEquals(expected, plainOut, "digest, length " + length);
            }
        }
    }

    private static String hexOf(final String text)
    {
        final StringBuilder sb = new StringBuilder();
        for (final byte b : text.getBytes(StandardCharsets.US_ASCII))
        {
            sb.append(String.format("%02x", b));
        }
        return sb.toString();
    }

    private static void assertMac(
        final MacAlgorithm algorithm, final String keyHex, final String data, final String expectedHex)
    {
        final byte[] message = data.getBytes(StandardCharsets.US_ASCII);
        for (final CookieMac mac : new CookieMac[]{new PrecomputedHmac(algorithm), new DigestHmac(algorithm)})
        {
            mac.init(Captures.hex(keyHex));
            final byte[] out = new byte[algorithm.macLength()];
            mac.compute(Arrays.copyOf(message, message.length), 0, message.length, out, 0);
            assertArrayEquals(Captures.hex(expectedHex), out, mac.getClass().getSimpleName());
        }
    }
}
