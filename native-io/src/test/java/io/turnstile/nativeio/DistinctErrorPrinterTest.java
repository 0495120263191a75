package io.turnstile.nativeio;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a person reads of a worker's errors: each distinct one once, repeats silent, and a bounded number of kinds.
 */
class DistinctErrorPrinterTest
{
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    @Test
    void shouldPrintEachDistinctErrorOnce()
    {
        final DistinctErrorPrinter printer = new DistinctErrorPrinter(out, false, 8);

        for (int i = 0; i < 1000; i++)
        {
            printer.onError(new UncheckedIOException("recvmmsg", new IOException("EBADF")));
            printer.onError(new IllegalStateException("handler refused"));
        }

        final List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(2, lines.size(), lines.toString());
        assertTrue(lines.get(0).endsWith("java.io.UncheckedIOException: recvmmsg"), lines.get(0));
        assertTrue(lines.get(1).endsWith("java.lang.IllegalStateException: handler refused"), lines.get(1));
        assertEquals(2, printer.printed());
    }

    @Test
    void shouldStopPrintingNewKindsPastTheBoundAndSaySoOnce()
    {
        final DistinctErrorPrinter printer = new DistinctErrorPrinter(out, false, 3);

        for (int i = 0; i < 100; i++)
        {
            printer.onError(new IllegalStateException("kind " + i));
        }

        final List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(4, lines.size(), lines.toString());
        assertTrue(lines.get(3).contains("the 3 distinct kinds of message this log keeps are used up"),
            lines.get(3));
        assertEquals(3, printer.printed());
    }

    @Test
    void shouldPrintTheStackTraceWhenAsked()
    {
        new DistinctErrorPrinter(out, true, 1).onError(new IllegalStateException("with trace"));

        final String text = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("\tat io.turnstile.nativeio.DistinctErrorPrinterTest"), text);
    }

    @Test
    void shouldRefuseANonPositiveBound()
    {
        final IllegalArgumentException ex =
            assertThrows(IllegalArgumentException.class, () -> new DistinctErrorPrinter(out, false, 0));
        assertTrue(ex.getMessage().contains("maxDistinct"), ex.getMessage());
    }
}
