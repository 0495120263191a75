package io.turnstile.tools.flood;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Ipv4CidrTest
{
    private static final int TARGET = 0x7F000001;

    @Test
    @Timeout(10)
    void shouldParseAndMaskToThePrefix()
    {
        final Ipv4Cidr cidr = Ipv4Cidr.parse("127.1.2.3/16");
        assertEquals("127.1.0.0/16", cidr.toString());
        assertEquals(65_536, cidr.size());
        assertTrue(cidr.contains(0x7F01FFFE));
        assertFalse(cidr.contains(0x7F020001));
        assertEquals("10.0.0.7/32", Ipv4Cidr.parse("10.0.0.7").toString());
        assertTrue(Ipv4Cidr.parse("127.3.0.0/16").isWithin(Ipv4Cidr.parse("127.0.0.0/8")));
        assertFalse(Ipv4Cidr.parse("0.0.0.0/0").isWithin(Ipv4Cidr.parse("127.0.0.0/8")));
    }

    @Test
    @Timeout(10)
    void shouldRefuseBadTextNamingIt()
    {
        for (final String bad : new String[]{"127.0.0.0/33", "127.0.0/8", "127.0.0.256/8", "x/8", "127.0.0.0/-1",
            "127.0.0.0/a", ""})
        {
            final IllegalArgumentException refused =
                assertThrows(IllegalArgumentException.class, () -> Ipv4Cidr.parse(bad));
            assertTrue(refused.getMessage().contains("'" + bad + "'"), refused.getMessage());
        }
    }

    @Test
    @Timeout(10)
    void shouldDrawOnlyUsableHostsAndEventuallyAllOfThem()
    {
        final Ipv4Cidr cidr = Ipv4Cidr.parse("127.0.0.0/24");
        assertEquals(253, cidr.countUsable(TARGET, Long.MAX_VALUE), "256 less .0, .255 and the target");
        final SplittableRandom random = new SplittableRandom(1);
        final Set<Integer> drawn = new HashSet<>();
        for (int i = 0; i < 100_000; i++)
        {
            final int address = cidr.draw(random, TARGET);
            assertTrue(cidr.isUsable(address, TARGET), Ipv4Cidr.toText(address));
            drawn.add(address);
        }
        assertEquals(253, drawn.size());
    }

    @Test
    @Timeout(10)
    void shouldFindTheOnlyUsableHostOfATinyPrefixAndRefuseAnEmptyOne()
    {
        final Ipv4Cidr two = Ipv4Cidr.parse("127.0.0.0/31");
        assertEquals(TARGET, two.draw(new SplittableRandom(3), 0));
        assertThrows(IllegalStateException.class, () -> two.draw(new SplittableRandom(3), TARGET));
    }
}
