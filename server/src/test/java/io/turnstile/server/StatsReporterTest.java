package io.turnstile.server;

import io.turnstile.nativeio.VerifierServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

import static io.turnstile.server.ServeCommandTest.jsonLong;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The once-a-second JSON lines of a real {@link VerifierServer} on loopback: the counters, and the server JVM's
 * memory and GC figures that let a flood report say whether RSS and heap stayed flat and no GC ran.
 */
class StatsReporterTest
{
    private static final boolean LINUX = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux");

    @Test
    @Timeout(20)
    void shouldWriteTheJvmMemoryAndGcFiguresOnEveryLine() throws Exception
    {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (VerifierServer server = new VerifierServer(new VerifierServer.Context()
            .bindAddress(InetAddress.getLoopbackAddress())
            .port(0)
            .workers(1)
            .batchSize(8)).start();
            PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8))
        {
            final long startNs = System.nanoTime();
            final StatsReporter reporter = new StatsReporter(server, out, startNs);
            reporter.report(System.nanoTime(), System.currentTimeMillis());
            System.gc(); // a collection between the lines: gc_count must see it
            reporter.report(System.nanoTime(), System.currentTimeMillis());

            final List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
            assertEquals(2, lines.size(), lines.toString());
            for (final String line : lines)
            {
                assertTrue(line.startsWith("{\"t\":") && line.endsWith("}"), line);
                if (LINUX)
                {
                    assertTrue(jsonLong(line, "rss_kb") > 0, "VmRSS of a running JVM: " + line);
                }
                else
                {
                    assertTrue(line.contains("\"rss_kb\":"), line);
                }
                final long heapUsed = jsonLong(line, "heap_used_bytes");
                assertTrue(heapUsed > 0, line);
                assertTrue(jsonLong(line, "heap_committed_bytes") >= heapUsed, "committed covers used: " + line);
                assertTrue(jsonLong(line, "gc_count") >= 0, line);
                assertTrue(jsonLong(line, "gc_ms") >= 0, line);
                assertTrue(jsonLong(line, "direct_bytes") > 0, "the worker's receive/send buffers: " + line);
                assertEquals(1, jsonLong(line, "workers"), line);
            }
            assertTrue(jsonLong(lines.get(1), "gc_count") > jsonLong(lines.get(0), "gc_count"),
                "System.gc() between the lines is counted: " + lines);

            final String summary = reporter.summary("test", System.nanoTime());
            assertTrue(summary.contains("memory at the last line: RSS "), summary);
            assertTrue(summary.contains(" MiB committed"), summary);
        }
    }

    @Test
    @Timeout(10)
    void shouldLeaveTheMemoryOutOfTheSummaryBeforeTheFirstLine() throws Exception
    {
        try (VerifierServer server = new VerifierServer(new VerifierServer.Context()
            .bindAddress(InetAddress.getLoopbackAddress())
            .port(0)
            .workers(1)).start())
        {
            final StatsReporter reporter = new StatsReporter(
                server, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), System.nanoTime());

            final String summary = reporter.summary("test", System.nanoTime());

            assertTrue(summary.startsWith("turnstile: stopped (test) after"), summary);
            assertTrue(!summary.contains("memory at the last line"), "nothing sampled yet: " + summary);
        }
    }
}
