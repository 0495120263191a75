package io.turnstile.cookie;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FleetMastersTest
{
    private static final byte[] A = "fleet master a, thirty-two bytes".getBytes(StandardCharsets.US_ASCII);

    @Test
    void shouldPutTheMasterTagAboveTheEpochInTheKeyId()
    {
        final int tag = FleetMasters.tag(A);
        assertTrue(tag >= 0 && tag < 64);
        assertEquals(tag << 2, FleetMasters.keyId(A, 8));
        assertEquals((tag << 2) | 3, FleetMasters.keyId(A, 7));
        assertEquals((tag << 2) | 3, FleetMasters.keyId(A, -1));
        assertEquals(tag, FleetMasters.tag(A.clone()));
    }

    @Test
    void shouldIssueUnderCurrentAndAcceptStagedMastersOnce()
    {
        final byte[] b = masterWithAnotherTag(A);
        final FleetMasters masters = FleetMasters.of(A, b, A);

        assertArrayEquals(b, masters.current());
        assertEquals(2, masters.all().size());
        assertTrue(masters.accepts(A));
        assertTrue(masters.accepts(b));
        assertFalse(masters.accepts(masterWithAnotherTag(b)));
        assertEquals(1, FleetMasters.single(A).all().size());
    }

    @Test
    void shouldRefuseTwoMastersWithTheSameTagOrAShortMaster()
    {
        final byte[] twin = masterWithSameTag(A);
        assertNotEquals(new String(A, StandardCharsets.ISO_8859_1), new String(twin, StandardCharsets.ISO_8859_1));

        final IllegalArgumentException clash =
            assertThrows(IllegalArgumentException.class, () -> FleetMasters.of(null, A, twin));
        assertTrue(clash.getMessage().contains("generate another"), clash.getMessage());
        final IllegalArgumentException shortKey =
            assertThrows(IllegalArgumentException.class, () -> FleetMasters.of(new byte[15], A, null));
        assertTrue(shortKey.getMessage().contains("previous fleet master key must be at least 16"),
            shortKey.getMessage());
        assertThrows(IllegalArgumentException.class, () -> FleetMasters.single(null));
    }

    /**
     * A 32-byte master whose tag differs from another's.
     *
     * @param other master.
     * @return a new master.
     */
    static byte[] masterWithAnotherTag(final byte[] other)
    {
        return search(other, false);
    }

    static byte[] masterWithSameTag(final byte[] other)
    {
        return search(other, true);
    }

    private static byte[] search(final byte[] other, final boolean same)
    {
        for (int i = 0; i < 100_000; i++)
        {
            final byte[] candidate = String.format("candidate master %015d", i).getBytes(StandardCharsets.US_ASCII);
            if ((FleetMasters.tag(candidate) == FleetMasters.tag(other)) == same &&
                !java.util.Arrays.equals(candidate, other))
            {
                return candidate;
            }
        }
        throw new AssertionError("no master found");
    }
}
