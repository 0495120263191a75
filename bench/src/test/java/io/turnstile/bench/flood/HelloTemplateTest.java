package io.turnstile.bench.flood;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HelloTemplateTest
{
    @Test
    @Timeout(10)
    void shouldLoadEveryFirstHelloOfTheCorpusWithItsRandomAtOffset27()
    {
        for (final String name : HelloTemplate.FIRST_HELLOS)
        {
            final HelloTemplate template = HelloTemplate.load(name);
            assertEquals(name, template.name());
            assertEquals(27, template.randomOffset(), name);
            assertFalse(template.hasCookie(), name);
            assertTrue(template.length() > 100, name);
        }
        assertEquals(205, HelloTemplate.load(HelloTemplate.DEFAULT_NAME).length());
        assertTrue(HelloTemplate.load("openssl-dtls12-ch2-cookie.bin").hasCookie());
    }

    @Test
    @Timeout(10)
    void shouldRefuseMissingPathLikeAndMalformedCaptures()
    {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> HelloTemplate.load("nope.bin"))
            .getMessage().contains("first hellos"));
        assertThrows(IllegalArgumentException.class, () -> HelloTemplate.load("../README.md"));
        assertThrows(IllegalArgumentException.class, () -> HelloTemplate.load(""));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> HelloTemplate.load("README.md"))
            .getMessage().contains("not a well-formed ClientHello"));
    }
}
