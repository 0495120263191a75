package io.turnstile.bench.handshake;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HandshakeBenchmarkTest
{
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldCompleteHandshakesAndRecordOneLatencyEach(@TempDir final Path out) throws Exception
    {
        final HandshakeBenchmark.Context context = HandshakeBenchmark.Context.parse(new String[]
        {
            "--duration", "2", "--warmup", "0", "--clients", "2", "--mode", "psk", "--flood-rates", "none",
            "--server-cpu", "-1", "--out", out.toString()
        });

        final List<ScenarioResult> results = new HandshakeBenchmark(context).run();

        assertEquals(1, results.size());
        final ScenarioResult noFlood = results.get(0);
        assertEquals("no-flood", noFlood.name());
        assertNull(noFlood.flood());
        assertTrue(noFlood.completed() >= 1, () -> "no handshake completed: " + noFlood.toJson());
        assertEquals(noFlood.completed(), noFlood.handshakeUs().getTotalCount());
        assertEquals(noFlood.completed(), noFlood.echoUs().getTotalCount());
        assertEquals(noFlood.attempts(), noFlood.completed() + noFlood.failed());
        assertTrue(noFlood.serverCompleted() >= noFlood.completed(), noFlood::toJson);

        final Path json = HandshakeBenchmark.write(context, results);
        assertTrue(render(json).contains("| handshakes completed | " + noFlood.completed() + " |"));
        assertTrue(Files.readString(json).contains("\"completed\":" + noFlood.completed() + ","));
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldRestrictClientsToTheCcm8Suite(@TempDir final Path out) throws Exception
    {
        final HandshakeBenchmark.Context context = HandshakeBenchmark.Context.parse(new String[]
        {
            "--duration", "1", "--warmup", "0", "--clients", "1", "--mode", "psk", "--suite", "ccm8",
            "--flood-rates", "none", "--server-cpu", "-1", "--out", out.toString()
        });

        final List<ScenarioResult> results = new HandshakeBenchmark(context).run();

        final ScenarioResult noFlood = results.get(0);
        assertTrue(noFlood.completed() >= 1, noFlood::toJson);
        assertEquals("TLS_PSK_WITH_AES_128_CCM_8", noFlood.negotiatedSuites(), noFlood::toJson);
        assertTrue(render(HandshakeBenchmark.write(context, results)).contains("Mode psk, suite ccm8,"));
        assertTrue(HandshakeBenchmark.toJson(context, results).contains("\"suite\":\"ccm8\""));
    }

    @Test
    void shouldRefuseBadOptionsByName()
    {
        assertRefused("--clients", "--clients", "0");
        assertRefused("--mode", "--mode", "rsa");
        assertRefused("--suite", "--suite", "gcm");
        assertRefused("--flood-rates", "--flood-rates", "50000,-3");
        assertRefused("--flood-rates", "--flood-rates", "lots");
        assertRefused("--duration", "--duration", "9999");
        assertRefused("--duration", "--duration");
        assertRefused("--handshake-timeout-ms", "--handshake-timeout-ms", "5");
        assertRefused("--server-cpu", "--server-cpu", "x");
        assertRefused("--bogus", "--bogus");
        assertNull(HandshakeBenchmark.Context.parse(new String[]{ "--help" }));
    }

    /**
     * The markdown the one report renderer, {@code scripts/report.py handshake}, draws from the JSON.
     */
    private static String render(final Path json) throws Exception
    {
        final Process python = new ProcessBuilder("python3", "../scripts/report.py", "handshake", json.toString())
            .redirectErrorStream(true).start();
        final String output = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, python.waitFor(), output);
        assertEquals(output, Files.readString(Path.of(json.toString().replace(".json", ".md"))));
        return output;
    }

    private static void assertRefused(final String name, final String... args)
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> HandshakeBenchmark.Context.parse(args).conclude());
        assertTrue(ex.getMessage().contains(name), ex::getMessage);
    }
}
