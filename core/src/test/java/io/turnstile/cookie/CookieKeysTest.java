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
        assertEquals((FleetMasters.tag(MASTER) << 2) | (int)((now / 60_000) & 3), ringA.current().id());
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
    void shouldDeriveTheNextEpochsKeyOnlyWithinTheClockToleranceOfTheBoundary()
    {
        final long boundary = (T0 / 60_000 + 1) * 60_000;
        final CookieKeys keys = CookieKeys.fleet(
            MacAlgorithm.AES_CMAC, FleetMasters.single(MASTER), 60_000, 30_000, 2_000, boundary - 10_000);
        final KeyRing early = keys.ring(boundary - 10_000);
        final int nextId = FleetMasters.keyId(MASTER, boundary / 60_000);

        assertEquals(boundary - 2_000, early.rotateAtMs());
        assertNull(early.key(nextId));
        final KeyRing near = keys.ring(boundary - 2_000);
        assertTrue(near.accepts(nextId, boundary - 2_000));
        assertFalse(near.accepts(nextId, boundary - 2_001));
        assertTrue(near.key(nextId).sameKeyAs(keys.fleetKey(boundary / 60_000)));
        assertEquals(boundary, near.rotateAtMs());
        final KeyRing after = keys.ring(boundary);
        assertEquals(nextId, after.current().id());
        assertTrue(after.accepts(after.previous().id(), boundary + 30_000));
        assertFalse(after.accepts(after.previous().id(), boundary + 30_001));
    }

    @Test
    void shouldRollANewMasterThroughThreeNodesWithoutAnyRefusingAnother()
    {
        final byte[] next = FleetMastersTest.masterWithAnotherTag(MASTER);
        final CookieKeys[] nodes = new CookieKeys[3];
        for (int i = 0; i < nodes.length; i++)
        {
            nodes[i] = CookieKeys.fleet(MacAlgorithm.AES_CMAC, FleetMasters.single(MASTER), 60_000, 60_000, 2_000, T0);
        }
        final FleetMasters[] steps = {
            FleetMasters.of(null, MASTER, next), FleetMasters.of(MASTER, next, null), FleetMasters.single(next) };
        long now = T0;
        for (final FleetMasters step : steps)
        {
            for (final CookieKeys node : nodes)
            {
                now += 1_000;
                node.reloadMasters(step, now);
                assertEveryNodeAcceptsEveryOthersCurrentKey(nodes, now);
            }
        }
        // Two minutes later the old master is gone everywhere.
        final long later = now + 120_000;
        for (final CookieKeys node : nodes)
        {
            final KeyRing ring = node.ring(later);
            assertFalse(ring.accepts(FleetMasters.keyId(MASTER, later / 60_000), later));
            assertTrue(ring.accepts(FleetMasters.keyId(next, later / 60_000), later));
        }
    }

    @Test
    void shouldKeepAReplacedSingleMasterForTheGraceWindow()
    {
        final byte[] next = FleetMastersTest.masterWithAnotherTag(MASTER);
        final CookieKeys keys =
            CookieKeys.fleet(MacAlgorithm.HMAC_SHA256, FleetMasters.single(MASTER), 600_000, 60_000, 2_000, T0);
        final int oldId = keys.ring(T0).current().id();

        keys.reloadMasters(FleetMasters.single(next), T0 + 1_000);
        final KeyRing ring = keys.ring(T0 + 1_000);
        assertEquals(FleetMasters.keyId(next, T0 / 600_000), ring.current().id());
        assertTrue(ring.accepts(oldId, T0 + 61_000));
        assertFalse(ring.accepts(oldId, T0 + 61_001));
    }

    @Test
    void shouldKeepTheKeysInForceWhenANewMasterClashesWithOneStillHeld()
    {
        final CookieKeys keys =
            CookieKeys.fleet(MacAlgorithm.AES_CMAC, FleetMasters.single(MASTER), 600_000, 60_000, 2_000, T0);
        final KeyRing before = keys.ring(T0);

        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> keys.reloadMasters(FleetMasters.single(FleetMastersTest.masterWithSameTag(MASTER)), T0 + 1));
        assertTrue(ex.getMessage().contains("tag"), ex.getMessage());
        assertSame(before, keys.ring(T0 + 2));
        assertThrows(IllegalStateException.class,
            () -> CookieKeys.random().reloadMasters(FleetMasters.single(MASTER), T0));
        assertThrows(IllegalArgumentException.class, () -> CookieKeys.fleet(
            MacAlgorithm.AES_CMAC, FleetMasters.single(MASTER), 10_000, 1_000, 5_001, T0));
    }

    private static void assertEveryNodeAcceptsEveryOthersCurrentKey(final CookieKeys[] nodes, final long now)
    {
        for (final CookieKeys issuer : nodes)
        {
            final CookieKey issued = issuer.ring(now).current();
            for (final CookieKeys checker : nodes)
            {
                final KeyRing ring = checker.ring(now);
                assertTrue(ring.accepts(issued.id(), now), "key " + issued.id() + " refused at " + now);
                assertTrue(ring.key(issued.id()).sameKeyAs(issued), "key " + issued.id() + " differs");
            }
        }
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
