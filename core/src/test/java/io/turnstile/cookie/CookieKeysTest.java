package io.turnstile.cookie;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CookieKeysTest
{
    private static final long T0 = 1_800_000_000_000L;
    private static final byte[] MASTER = "a fleet master key of 32 bytes!!".getBytes();

    @Test
    void shouldKeepRingUntilRotationIsDue()
    {
        final CookieKeys keys = CookieKeys.random(MacAlgorithm.AES_CMAC, 10_000, 2_000, T0);
        final KeyRing first = keys.ring(T0);

        assertSame(first, keys.ring(T0 + 9_999));
        assertNull(first.previous());
        assertEquals(T0 + 10_000, first.rotateAtMs());
    }

    @Test
    void shouldRotateRandomKeyAndKeepPreviousForGrace()
    {
        final CookieKeys keys = CookieKeys.random(MacAlgorithm.HMAC_SHA256, 10_000, 2_000, T0);
        final KeyRing first = keys.ring(T0);
        final KeyRing second = keys.ring(T0 + 10_000);

        assertSame(first.current(), second.previous());
        assertNotEquals(first.current().id(), second.current().id());
        assertFalse(first.current().sameKeyAs(second.current()));
        assertEquals(T0 + 12_000, second.previousValidUntilMs());
        assertEquals(first.generation() + 1, second.generation());
    }

    @Test
    void shouldDeriveSameFleetKeysInEveryInstance()
    {
        final CookieKeys a = CookieKeys.fleet(MacAlgorithm.AES_CMAC, MASTER, 60_000, 60_000);
        final CookieKeys b = CookieKeys.fleet(MacAlgorithm.AES_CMAC, MASTER.clone(), 60_000, 60_000);

        final long now = T0 + 12_345;
        final KeyRing ringA = a.ring(now);
        final KeyRing ringB = b.ring(now);
        assertTrue(ringA.current().sameKeyAs(ringB.current()));
        assertTrue(ringA.previous().sameKeyAs(ringB.previous()));
        assertEquals((int)((now / 60_000) & 0xFF), ringA.current().id());
        assertTrue(a.fleetKey(7).sameKeyAs(b.fleetKey(7)));
        assertFalse(a.fleetKey(7).sameKeyAs(a.fleetKey(8)));
    }

    @Test
    void shouldDeriveDifferentFleetKeysFromDifferentMasters()
    {
        final byte[] other = MASTER.clone();
        other[0] ^= 1;
        final CookieKeys a = CookieKeys.fleet(MacAlgorithm.HMAC_SHA256, MASTER, 60_000, 60_000);
        final CookieKeys b = CookieKeys.fleet(MacAlgorithm.HMAC_SHA256, other, 60_000, 60_000);

        assertFalse(a.fleetKey(1).sameKeyAs(b.fleetKey(1)));
    }

    @Test
    void shouldRekeyFixedSecretKeepingPreviousForGrace()
    {
        final byte[] secret1 = new byte[16];
        final byte[] secret2 = new byte[32];
        Arrays.fill(secret1, (byte)1);
        Arrays.fill(secret2, (byte)2);
        final CookieKeys keys = CookieKeys.fixed(new GeneratorParameters(MacAlgorithm.HMAC_SHA1, secret1), 5_000);
        final KeyRing before = keys.ring(T0);
        assertEquals(Long.MAX_VALUE, before.rotateAtMs());

        keys.rekey(new GeneratorParameters(MacAlgorithm.HMAC_SHA1, secret2), T0);

        final KeyRing after = keys.ring(T0 + 1);
        assertSame(before.current(), after.previous());
        assertEquals(T0 + 5_000, after.previousValidUntilMs());
        assertNotEquals(before.current().id(), after.current().id());
    }

    @Test
    void shouldRefuseShortEmptyOrMissingSecrets()
    {
        final IllegalArgumentException empty = assertThrows(
            IllegalArgumentException.class, () -> new GeneratorParameters(MacAlgorithm.AES_CMAC, new byte[0]));
        assertTrue(empty.getMessage().contains("empty"), empty.getMessage());
        final IllegalArgumentException shortSecret = assertThrows(
            IllegalArgumentException.class, () -> new GeneratorParameters(MacAlgorithm.AES_CMAC, new byte[15]));
        assertTrue(shortSecret.getMessage().contains("at least 16"), shortSecret.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new GeneratorParameters(null, new byte[16]));
        assertThrows(IllegalArgumentException.class,
            () -> CookieKeys.fleet(MacAlgorithm.AES_CMAC, new byte[8], 60_000, 1_000));
        assertThrows(IllegalArgumentException.class,
            () -> CookieKeys.random(MacAlgorithm.AES_CMAC, 999, 0));
        assertThrows(IllegalArgumentException.class,
            () -> CookieKeys.random(MacAlgorithm.AES_CMAC, 10_000, 10_001));
        assertThrows(IllegalStateException.class,
            () -> CookieKeys.fleet(MacAlgorithm.AES_CMAC, MASTER, 60_000, 1_000)
                .rekey(new GeneratorParameters(MacAlgorithm.AES_CMAC, new byte[16]), T0));
    }

    @Test
    void shouldCondenseLongAesSecretWithHkdf()
    {
        final byte[] secret = new byte[40];
        Arrays.fill(secret, (byte)9);
        final CookieKeys keys = CookieKeys.fixed(new GeneratorParameters(MacAlgorithm.AES_CMAC, secret));

        final CookieMac mac = MacAlgorithm.AES_CMAC.newMac();
        keys.ring(T0).current().initMac(mac);
        final byte[] out = new byte[16];
        mac.compute(new byte[64], 0, 0, out, 0);
        assertFalse(Arrays.equals(new byte[16], out));
    }
}
