package io.turnstile.bench;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class JsonTest
{
    @Test
    void shouldQuotePlainText()
    {
        assertEquals("\"raw\"", Json.appendQuoted(new StringBuilder(), "raw").toString());
    }

    @Test
    void shouldEscapeQuotesBackslashesAndControlCharacters()
    {
        assertEquals("x=\"say \\\"hi\\\" \\\\ \\u000a\\u0009\\u001f\"",
            Json.appendQuoted(new StringBuilder("x="), "say \"hi\" \\ \n\t\u001f").toString());
    }

    @Test
    void shouldWriteNullForNoText()
    {
        assertEquals("null", Json.quoteOrNull(null));
        assertEquals("\"\"", Json.quoteOrNull(""));
        assertEquals("\"EPERM\"", Json.quoteOrNull("EPERM"));
    }
}
