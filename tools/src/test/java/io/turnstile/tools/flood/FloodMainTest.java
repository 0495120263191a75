package io.turnstile.tools.flood;

import io.turnstile.nativeio.LibC;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class FloodMainTest
{
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @Test
    @Timeout(10)
    void shouldDocumentEveryOptionOfTheContract()
    {
        assertEquals(0, run("--help"));
        for (final String option : new String[]{"--target", "--mode", "--sources", "--sink-ports", "--rate",
            "--duration", "--packets", "--template", "--cpu", "--json"})
        {
            assertTrue(out().contains(option), option);
        }
    }

    @Test
    @Timeout(10)
    void shouldExitTwoNamingTheBadOption()
    {
        assertBad("--target HOST:PORT is required");
        assertBad("unknown option --bogus", "--target", "127.0.0.1:4433", "--bogus", "1");
        assertBad("--target must be HOST:PORT", "--target", "127.0.0.1");
        assertBad("--target port must be 1 to 65535", "--target", "127.0.0.1:70000");
        assertBad("--mode must be raw or udp", "--target", "127.0.0.1:4433", "--mode", "tcp");
        assertBad("--duration must be more than 0 and at most 600", "--target", "127.0.0.1:4433", "--duration", "601");
        assertBad("--duration must be seconds", "--target", "127.0.0.1:4433", "--duration", "long");
        assertBad("--packets must be 1 to", "--target", "127.0.0.1:4433", "--packets", "2G");
        assertBad("--rate must be a whole number", "--target", "127.0.0.1:4433", "--rate", "fast");
        assertBad("--json needs a value", "--target", "127.0.0.1:4433", "--json");
        assertBad("no capture", "--target", "127.0.0.1:4433", "--template", "nope.bin");
        assertBad("CIDR prefix length", "--target", "127.0.0.1:4433", "--sources", "127.0.0.0/40");
    }

    @Test
    @Timeout(30)
    void shouldPrintTheJsonSummaryAndWriteItToAFile(@TempDir final Path dir) throws IOException
    {
        assumeTrue(LibC.isAvailable());
        try (FloodTests.Receiver receiver = new FloodTests.Receiver())
        {
            final Path json = dir.resolve("flood.json");
            assertEquals(0, run("--target", "127.0.0.1:" + receiver.port(), "--mode", "udp", "--packets", "2k",
                "--rate", "100k", "--duration", "5", "--batch", "16", "--json", json.toString()));

            final String line = out().trim();
            assertTrue(line.startsWith("{\"sent\":2000,\"bytes\":410000,\"duration_s\":"), line);
            assertTrue(line.contains("\"mode\":\"udp\""), line);
            assertTrue(line.contains("\"rate\":100000"), line);
            assertTrue(line.contains("\"stopped_by\":\"packets\""), line);
            assertEquals(line, Files.readString(json).trim());
            assertTrue(err().contains("udp mode sent 2,000 packets"), err());
        }
    }

    private void assertBad(final String message, final String... args)
    {
        err.reset();
        assertEquals(2, run(args), err());
        assertTrue(err().contains(message), err());
    }

    private int run(final String... args)
    {
        return FloodMain.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out()
    {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err()
    {
        return err.toString(StandardCharsets.UTF_8);
    }
}
