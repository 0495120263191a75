package io.turnstile.server;

import io.turnstile.server.handshake.PeerKey;
import io.turnstile.nativeio.AcceptedPeers;
import io.turnstile.nativeio.DistinctErrorPrinter;
import io.turnstile.nativeio.VerifierServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
    @Timeout(20)
    void shouldCountEveryDatagramSentAndReportTheFinalCountsAfterClose() throws Exception
    {
        final byte[] hello = Files.readAllBytes(
            Path.of("..", "core", "src", "test", "resources", "corpus", "openssl-dtls12-ch1-nocookie.bin"));
        final int hellos = 10;
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final VerifierServer server = new VerifierServer(new VerifierServer.Context()
            .bindAddress(InetAddress.getLoopbackAddress())
            .port(0)
            .workers(1)).start();
        final StatsReporter reporter;
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
            DatagramChannel client = DatagramChannel.open())
        {
            reporter = new StatsReporter(server, out, System.nanoTime());
            client.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            final InetSocketAddress target =
                new InetSocketAddress(InetAddress.getLoopbackAddress(), server.localPort());
            final ByteBuffer reply = ByteBuffer.allocate(2048);
            for (int i = 0; i < hellos; i++)
            {
                client.send(ByteBuffer.wrap(hello), target);
                client.receive(reply.clear());
            }
            // As serve does: stop the workers, then write the last line and the summary.
            server.close();
            reporter.report(System.nanoTime(), System.currentTimeMillis());
        }

        final String line = bytes.toString(StandardCharsets.UTF_8).strip();
        assertEquals(hellos, jsonLong(line, "rx"), line);
        assertEquals(hellos, jsonLong(line, "hvr"), line);
        assertEquals(hellos, jsonLong(line, "sent"), "every datagram the kernel took: " + line);
        assertTrue(jsonLong(line, "tx_pps") > 0, line);
        assertTrue(jsonLong(line, "hvr_pps") > 0, line);
        final String summary = reporter.summary("test", System.nanoTime());
        assertTrue(summary.contains("received " + hellos + " datagrams"), summary);
        assertTrue(summary.contains(hellos + " HelloVerifyRequests"), summary);
    }

    @Test
    @Timeout(20)
    void shouldNameEachDistinctWorkerErrorWithItsCount() throws Exception
    {
        // Every datagram of an accepted peer goes to a handler that throws: three datagrams, one distinct cause.
        // The peer is accepted before the worker starts, so the set is only ever touched by the worker after that.
        final AcceptedPeers peers = new AcceptedPeers(16);
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final ByteArrayOutputStream printed = new ByteArrayOutputStream();
        final StatsReporter reporter;
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
            DatagramChannel client = DatagramChannel.open())
        {
            client.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            final InetSocketAddress local = (InetSocketAddress)client.getLocalAddress();
            peers.add(PeerKey.of(local).peer());
            final VerifierServer server = new VerifierServer(new VerifierServer.Context()
                .bindAddress(InetAddress.getLoopbackAddress())
                .port(0)
                .workers(1)
                .errorHandler(
                    new DistinctErrorPrinter(new PrintStream(printed, true, StandardCharsets.UTF_8), false, 4))
                .agentConfigurator((id, agent) -> agent.acceptedPeers(peers).peerHandler(
                    (datagram, length, peer, value) ->
                    {
                        throw new IllegalStateException("session \"queue\" full");
                    }))).start();
            reporter = new StatsReporter(server, out, System.nanoTime());
            final InetSocketAddress target =
                new InetSocketAddress(InetAddress.getLoopbackAddress(), server.localPort());
            final VerifierServer.Snapshot snapshot = new VerifierServer.Snapshot();
            for (int i = 1; i <= 3; i++)
            {
                client.send(ByteBuffer.wrap(new byte[]{ 23, (byte)0xFE, (byte)0xFD }), target);
                final long errors = i;
                final long deadline = System.nanoTime() + 10_000_000_000L;
                while (server.snapshot(snapshot).errors() < errors && System.nanoTime() < deadline)
                {
                    Thread.sleep(1);
                }
            }
            server.close();
            reporter.report(System.nanoTime(), System.currentTimeMillis());
        }

        final String line = bytes.toString(StandardCharsets.UTF_8).strip();
        assertEquals(3, jsonLong(line, "errors"), line);
        assertTrue(line.contains(
            "\"error_causes\":{\"java.lang.IllegalStateException: session \\\"queue\\\" full\":3}"), line);
        final String summary = reporter.summary("test", System.nanoTime());
        assertTrue(summary.contains("3 x java.lang.IllegalStateException: session \"queue\" full"), summary);
        assertEquals(1, printed.toString(StandardCharsets.UTF_8).lines().count(), printed.toString());
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
