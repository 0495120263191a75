package io.turnstile.nativeio;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DistinctMessageLogTest
{
    private final List<String> lines = new ArrayList<>();

    @Test
    void shouldWriteEachKeyOnce()
    {
        final DistinctMessageLog log = new DistinctMessageLog(4, lines::add);
        assertTrue(log.log("a", "first a"));
        assertFalse(log.log("a", "second a"));
        assertTrue(log.log("b", "first b"));
        assertEquals(List.of("first a", "first b"), lines);
        assertEquals(2, log.size());
    }

    @Test
    void shouldStopAtCapacityAndSaySoOnce()
    {
        final DistinctMessageLog log = new DistinctMessageLog(2, lines::add);
        for (int i = 0; i < 100; i++)
        {
            log.log("key " + i, "line " + i);
        }
        assertEquals(3, lines.size(), lines.toString());
        assertEquals("line 0", lines.get(0));
        assertEquals("line 1", lines.get(1));
        assertTrue(lines.get(2).startsWith("line 2 (the 2 distinct kinds"), lines.get(2));
        assertEquals(2, log.size(), "no key is kept past the capacity");
    }

    @Test
    void shouldBoundKeyLength()
    {
        final DistinctMessageLog log = new DistinctMessageLog(4, lines::add);
        final String prefix = "x".repeat(DistinctMessageLog.MAX_KEY_LENGTH);
        assertTrue(log.log(prefix + "one", "one"));
        assertFalse(log.log(prefix + "two", "two"), "keys equal in their first MAX_KEY_LENGTH chars are the same");
    }

    @Test
    void shouldRefuseZeroCapacity()
    {
        assertThrows(IllegalArgumentException.class, () -> new DistinctMessageLog(0, lines::add));
    }
}
