package io.turnstile.tools;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class JsonWriterTest
{
    @Test
    void shouldQuotePlainText()
    {
        assertEquals("\"raw\"", new JsonWriter().value("raw").toString());
    }

    @Test
    void shouldEscapeQuotesBackslashesAndControlCharacters()
    {
        assertEquals("x=\"say \\\"hi\\\" \\\\ \\u000a\\u0009\\u001f\"",
            new JsonWriter(new StringBuilder("x=")).value("say \"hi\" \\ \n\t\u001f").toString());
    }

    @Test
    void shouldWriteNullForNoText()
    {
        assertEquals("null", new JsonWriter().value((String)null).toString());
        assertEquals("\"\"", new JsonWriter().value("").toString());
        assertEquals("\"EPERM\"", new JsonWriter().value("EPERM").toString());
    }

    @Test
    void shouldPlaceCommasBetweenMembersAndElementsOfNestedValues()
    {
        final Map<String, Long> counts = new LinkedHashMap<>();
        counts.put("a", 1L);
        counts.put("zero", 0L);
        counts.put("b", 2L);
        final String json = new JsonWriter().beginObject()
            .name("n").value(1)
            .name("x").value(1.25, 1)
            .name("nan").value(Double.NaN, 3)
            .name("list").beginArray().value(true).beginObject().endObject().raw("{\"k\":null}").endArray()
            .counts("counts", counts)
            .endObject().toString();
        assertEquals("{\"n\":1,\"x\":1.3,\"nan\":null,\"list\":[true,{},{\"k\":null}],\"counts\":{\"a\":1,\"b\":2}}",
            json);
    }
}
