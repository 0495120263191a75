package io.turnstile.cookie;

import io.turnstile.Captures;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class HkdfTest
{
    @Test
    void shouldMatchRfc5869TestCaseOne()
    {
        final byte[] okm = Hkdf.deriveSha256(
            Captures.hex("000102030405060708090a0b0c"),
            Captures.hex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"),
            Captures.hex("f0f1f2f3f4f5f6f7f8f9"),
            42);

        assertArrayEquals(Captures.hex(
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"), okm);
    }

    @Test
    void shouldMatchRfc5869TestCaseThreeWithoutSaltOrInfo()
    {
        final byte[] okm = Hkdf.deriveSha256(
            null, Captures.hex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"), new byte[0], 42);

        assertArrayEquals(Captures.hex(
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"), okm);
    }

    @Test
    void shouldRefuseImpossibleLengths()
    {
        assertThrows(IllegalArgumentException.class, () -> Hkdf.deriveSha256(null, new byte[16], new byte[0], 0));
        assertThrows(IllegalArgumentException.class, () -> Hkdf.deriveSha256(null, new byte[16], new byte[0], 8161));
    }
}
