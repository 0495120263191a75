package io.turnstile.bench.handshake;

import io.turnstile.tools.flood.FloodReport;
import io.turnstile.tools.flood.SpoofedFlood;
import io.turnstile.nativeio.LibC;
import io.turnstile.nativeio.VerifierServer;
import io.turnstile.server.handshake.EchoServer;
import io.turnstile.server.handshake.JcaTlsCryptoWithCcm;
import io.turnstile.server.handshake.PeerSession;
import io.turnstile.server.handshake.ServerCredentials;
import io.turnstile.server.handshake.SessionTable;
import org.HdrHistogram.Histogram;
import org.bouncycastle.tls.crypto.TlsCrypto;
import org.bouncycastle.tls.CipherSuite;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Completed DTLS handshakes per second, and the latency a legitimate client sees, with and without a concurrent
 * spoofed flood, side by side in one run (issue 5, "Benchmark"). A plain harness, not JMH: a handshake is
 * milliseconds of work spread over several round trips, and the flood runs beside it for the whole scenario.
 * <p>
 * In one JVM: the echo server ({@link VerifierServer} with the {@link EchoServer} handoff, one worker pinned to
 * {@link Context#serverCpu(int)}) on 127.0.0.1; K {@link HandshakeLoop} clients, client i from 127.0.0.(2+i), each
 * looping connect &rarr; full handshake &rarr; one echo round trip &rarr; close for the scenario's duration. After a
 * warm-up (not reported), scenario {@code no-flood}, then one {@code flood-RATE} scenario per flood rate with the raw
 * {@link SpoofedFlood} (spoofed sources in 127.1.0.0/16, replies to sink sockets, pinned to
 * {@link Context#floodCpu(int)}) running from shortly before the clients start until they stop.
 * <p>
 * Writes {@code handshake-STAMP.md} (one markdown table, a column per scenario) and {@code handshake-STAMP.json}
 * into {@link Context#outDir(Path)}.
 * <pre>
 * HandshakeBenchmark [--duration S] [--warmup S] [--clients N] [--mode psk|cert] [--suite default|ccm8]
 *                    [--flood-rates LIST|none]
 *                    [--server-cpu N] [--flood-cpu N] [--handshake-timeout-ms MS]
 *                    [--server-idle-timeout-ms MS] [--max-handshakes N] [--out DIR]
 * </pre>
 * Every loop is bounded by time and by count; every flood by time and packets and it stops by itself.
 * <p>
 * <b>Note:</b> BouncyCastle's {@code DTLSTransport.close()} (1.84, {@code DTLSRecordLayer.close()}) sends no
 * close_notify once established, so the client's close does not end the server's session (the echo server counts
 * none {@code closed}); sessions end by the server's idle timeout, kept short here
 * ({@link Context#serverIdleTimeoutMs(int)}). Until then a client's new socket that draws the port of one of its live
 * sessions has its hello taken by that session and times out: counted as {@code handshake_timeout}.
 */
public final class HandshakeBenchmark
{
    /** How the clients authenticate the server. */
    public enum Mode
    {
        /** Pre-shared key: the cheapest handshake, so Turnstile's own overhead shows most. */
        PSK,
        /** ECDHE-ECDSA with the server's self-signed P-256 certificate. */
        CERT
    }

    /**
     * Which cipher suites the clients offer: the default, or only a CCM_8 one, to compare the handshake rate of the
     * suites CoAP mandates (RFC 7252 section 9.1.3), which run on BouncyCastle's software AES-CCM, with the server's
     * preferred JDK suite.
     */
    public enum Suite
    {
        /** BouncyCastle's default list; the server picks by its own preference (a JDK suite). */
        DEFAULT(null, null),
        /** Only {@code TLS_PSK_WITH_AES_128_CCM_8} (psk mode) or {@code TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8} (cert). */
        CCM8(new int[]{ CipherSuite.TLS_PSK_WITH_AES_128_CCM_8 },
            new int[]{ CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 });

        private final int[] psk;
        private final int[] cert;

        Suite(final int[] psk, final int[] cert)
        {
            this.psk = psk;
            this.cert = cert;
        }

        /**
         * The suites a client offers in this mode.
         *
         * @param mode psk or cert.
         * @return the suites, or null for the client's default list.
         */
        public int[] cipherSuites(final Mode mode)
        {
            final int[] suites = mode == Mode.PSK ? psk : cert;
            return null == suites ? null : suites.clone();
        }
    }

    /** Gap between scenarios: lets the server end the previous scenario's sessions. */
    private static final long SETTLE_MS = 300;
    /** The flood starts this long before the clients, so they meet it at its steady rate. */
    private static final long FLOOD_LEAD_MS = 500;
    /**
     * Session caps high enough never to refuse a benchmark client: every client comes back from a new port each
     * iteration, and its finished sessions live on the server until they idle out.
     */
    private static final int MAX_SERVER_SESSIONS = 1_000_000;
    private static final byte[] PSK_IDENTITY = "turnstile-bench".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PSK = "turnstile-bench-handshake-psk!!!".getBytes(StandardCharsets.US_ASCII);

    private final Context context;

    /**
     * A benchmark, not yet run.
     *
     * @param context what to run, concluded here.
     */
    public HandshakeBenchmark(final Context context)
    {
        this.context = context.conclude();
    }

    /**
     * Run the warm-up and every scenario; write nothing.
     *
     * @return one result per scenario, {@code no-flood} first.
     * @throws GeneralSecurityException when the server's certificate cannot be made.
     * @throws InterruptedException     when interrupted while waiting for the clients.
     */
    public List<ScenarioResult> run() throws GeneralSecurityException, InterruptedException
    {
        final Context ctx = context;
        final ServerCredentials credentials = ctx.mode() == Mode.PSK ?
            ServerCredentials.psk(PSK_IDENTITY, PSK) : ServerCredentials.selfSigned("turnstile-bench");
        final List<ScenarioResult> results = new ArrayList<>();
        try (EchoServer echo = new EchoServer(new SessionTable.Context()
            .credentials(credentials)
            .maxSessions(MAX_SERVER_SESSIONS)
            .maxSessionsPerAddress(MAX_SERVER_SESSIONS)
            .handshakeTimeoutMillis(ctx.handshakeTimeoutMs())
            .helloWaitMillis(Math.min(SessionTable.Context.DEFAULT_HELLO_WAIT_MS, ctx.handshakeTimeoutMs()))
            .idleTimeoutMillis(ctx.serverIdleTimeoutMs())))
        {
            final VerifierServer.Context serverContext = new VerifierServer.Context()
                .bindAddress(InetAddress.getLoopbackAddress())
                .port(0)
                .workers(1)
                .agentConfigurator(echo::configure);
            if (ctx.serverCpu() >= 0)
            {
                serverContext.cpus(ctx.serverCpu());
            }
            try (VerifierServer server = new VerifierServer(serverContext).start())
            {
                final InetSocketAddress address = server.localAddress();
                // The JDK crypto plus BouncyCastle's AES-CCM, as the server has: without it a client cannot offer CCM.
                final TlsCrypto crypto = JcaTlsCryptoWithCcm.create(new SecureRandom());
                if (ctx.warmupMs() > 0)
                {
                    scenario("warmup", -1, ctx.warmupMs(), server, echo, address, crypto);
                }
                results.add(scenario("no-flood", -1, ctx.durationMs(), server, echo, address, crypto));
                for (final long rate : ctx.floodRates())
                {
                    results.add(scenario(0 == rate ? "flood-max" : "flood-" + rate, rate, ctx.durationMs(), server,
                        echo, address, crypto));
                }
            }
        }
        return results;
    }

    private ScenarioResult scenario(
        final String name,
        final long floodRate,
        final long durationMs,
        final VerifierServer server,
        final EchoServer echo,
        final InetSocketAddress address,
        final TlsCrypto crypto) throws InterruptedException
    {
        final Context ctx = context;
        Thread.sleep(SETTLE_MS);
        final VerifierServer.Snapshot before = server.snapshot(new VerifierServer.Snapshot());
        final SessionTable table = echo.table();
        final long completedBefore = table.completed();
        final long failedBefore = handshakesFailed(table);
        final long refusedBefore = table.refusedByCap();

        SpoofedFlood flood = null;
        Thread floodThread = null;
        final AtomicReference<Object> floodOutcome = new AtomicReference<>();
        if (floodRate >= 0)
        {
            // Bounded by itself: the scenario plus the clients' longest overrun, and packets to match.
            final long floodMs = FLOOD_LEAD_MS + durationMs + ctx.handshakeTimeoutMs() + 1_000;
            final long packetCap = 0 == floodRate ? 2_000_000L * (floodMs / 1_000 + 1) :
                floodRate * (floodMs / 1_000 + 1);
            final SpoofedFlood spoofed = new SpoofedFlood(new SpoofedFlood.Context()
                .targetAddress(address.getAddress())
                .targetPort(address.getPort())
                .mode(SpoofedFlood.Mode.RAW)
                .fallbackToUdp(true)
                .sources("127.1.0.0/16")
                .rate(floodRate)
                .durationNs(TimeUnit.MILLISECONDS.toNanos(floodMs))
                .maxPackets(Math.min(SpoofedFlood.Context.MAX_PACKETS, packetCap))
                .cpu(ctx.floodCpu())
                .notice(line -> System.err.println("handshake-bench: flood: " + line)));
            flood = spoofed;
            floodThread = new Thread(() ->
            {
                try
                {
                    floodOutcome.set(spoofed.run());
                }
                catch (final RuntimeException | Error ex)
                {
                    floodOutcome.set(ex);
                }
            }, "handshake-bench-flood");
            floodThread.setDaemon(true);
            floodThread.start();
            Thread.sleep(FLOOD_LEAD_MS);
        }

        final HandshakeLoop[] loops = new HandshakeLoop[ctx.clients()];
        final Thread[] threads = new Thread[loops.length];
        final long startNs = System.nanoTime();
        final long deadlineNs = startNs + TimeUnit.MILLISECONDS.toNanos(durationMs);
        for (int i = 0; i < loops.length; i++)
        {
            loops[i] = new HandshakeLoop(clientAddress(i), address, ctx.mode(), crypto, PSK_IDENTITY, PSK,
                ctx.handshakeTimeoutMs(), deadlineNs, ctx.maxHandshakes(), i, ctx.suite().cipherSuites(ctx.mode()));
            threads[i] = new Thread(loops[i], "handshake-client-" + i);
            threads[i].setDaemon(true);
            threads[i].start();
        }
        for (final Thread thread : threads)
        {
            thread.join();
        }
        final long elapsedNs = System.nanoTime() - startNs;

        FloodReport floodReport = null;
        if (null != flood)
        {
            flood.stop();
            floodThread.join();
            final Object outcome = floodOutcome.get();
            if (outcome instanceof RuntimeException ex)
            {
                throw ex;
            }
            if (outcome instanceof Error error)
            {
                throw error;
            }
            floodReport = (FloodReport)outcome;
        }
        final VerifierServer.Snapshot after = server.snapshot(new VerifierServer.Snapshot());

        final Histogram handshakeUs = new Histogram(HandshakeLoop.HIGHEST_TRACKABLE_US, 3);
        final Histogram echoUs = new Histogram(HandshakeLoop.HIGHEST_TRACKABLE_US, 3);
        final Map<String, Long> failures = new TreeMap<>();
        long attempts = 0;
        long completed = 0;
        long completedInWindow = 0;
        final Set<Integer> negotiated = new TreeSet<>();
        for (final HandshakeLoop loop : loops)
        {
            negotiated.addAll(loop.negotiated());
            handshakeUs.add(loop.handshakeUs());
            echoUs.add(loop.echoUs());
            loop.failures().forEach((reason, count) -> failures.merge(reason, count, Long::sum));
            attempts += loop.attempts();
            completed += loop.completed();
            completedInWindow += loop.completedInWindow();
        }
        final StringBuilder suites = new StringBuilder();
        for (final int suite : negotiated)
        {
            suites.append(suites.isEmpty() ? "" : ",").append(HandshakeLoop.suiteName(suite));
        }
        final ScenarioResult result = new ScenarioResult(name, floodRate, loops.length,
            suites.isEmpty() ? "-" : suites.toString(),
            TimeUnit.MILLISECONDS.toNanos(durationMs), elapsedNs, attempts, completed, completedInWindow, failures,
            handshakeUs, echoUs, floodReport,
            after.received() - before.received(), after.replies() - before.replies(),
            after.verified() - before.verified(), after.dropped() - before.dropped(),
            table.completed() - completedBefore, handshakesFailed(table) - failedBefore,
            table.refusedByCap() - refusedBefore, echoCounters(echo));
        System.err.printf(Locale.ROOT, "handshake-bench: %s: %d handshakes (%.1f/s in the %.1f s window, last " +
            "client done at %.1f s), %d failed %s, p50 %d us, p99 %d us, suites %s%n", name, completed,
            result.handshakesPerSecond(), durationMs / 1e3, elapsedNs / 1e9, result.failed(), failures,
            handshakeUs.getValueAtPercentile(50), handshakeUs.getValueAtPercentile(99), result.negotiatedSuites());
        return result;
    }

    private static long handshakesFailed(final SessionTable table)
    {
        // Not table.failed() + timedOut(): those count established sessions ending by idle timeout too.
        return table.ended(PeerSession.End.HELLO_TIMED_OUT) + table.ended(PeerSession.End.HELLO_REFUSED) +
            table.ended(PeerSession.End.HANDSHAKE_TIMED_OUT) + table.ended(PeerSession.End.HANDSHAKE_FAILED);
    }

    private static String echoCounters(final EchoServer echo)
    {
        final StringBuilder sb = new StringBuilder(512);
        echo.appendJson(sb);
        // appendJson writes the member ,"echo":{..}: keep the object only.
        return sb.substring(sb.indexOf("{"));
    }

    private static InetAddress clientAddress(final int index)
    {
        try
        {
            return InetAddress.getByAddress(new byte[]{ 127, 0, (byte)((index + 2) >> 8), (byte)(index + 2) });
        }
        catch (final UnknownHostException ex)
        {
            throw new IllegalStateException("four bytes are always an IPv4 address", ex);
        }
    }

    /**
     * The scenarios side by side: one markdown table, a column per scenario.
     *
     * @param context what was run.
     * @param results the scenarios.
     * @return the markdown, ending in a newline.
     */
    public static String toMarkdown(final Context context, final List<ScenarioResult> results)
    {
        final StringBuilder sb = new StringBuilder(4096);
        sb.append("# Handshakes with and without a flood\n\n")
            .append(String.format(Locale.ROOT, "Mode %s, suite %s, %d clients, %.1f s per scenario (warm-up %.1f s), " +
                "server worker on CPU %d, flood on CPU %d. Latencies in microseconds.%n%n",
                context.mode().name().toLowerCase(Locale.ROOT), context.suite().name().toLowerCase(Locale.ROOT),
                context.clients(), context.durationMs() / 1e3,
                context.warmupMs() / 1e3, context.serverCpu(), context.floodCpu()));
        sb.append("| |");
        for (final ScenarioResult r : results)
        {
            sb.append(' ').append(r.name()).append(" |");
        }
        sb.append("\n|---|");
        sb.append("---:|".repeat(results.size()));
        sb.append('\n');
        row(sb, "flood sent pps", results, r -> null == r.flood() ? "-" : String.format(Locale.ROOT, "%.0f",
            r.flood().pps()));
        row(sb, "flood mode", results, r -> null == r.flood() ? "-" : r.flood().mode());
        row(sb, "negotiated suite", results, ScenarioResult::negotiatedSuites);
        row(sb, "handshakes completed", results, r -> Long.toString(r.completed()));
        row(sb, "handshakes/s (in window)", results, r -> String.format(Locale.ROOT, "%.1f", r.handshakesPerSecond()));
        row(sb, "last client done, s", results, r -> String.format(Locale.ROOT, "%.1f", r.elapsedNs() / 1e9));
        row(sb, "failed", results, r -> Long.toString(r.failed()));
        row(sb, "failures", results, r -> r.failures().isEmpty() ? "-" : r.failures().toString());
        row(sb, "handshake p50", results, r -> percentile(r.handshakeUs(), 50));
        row(sb, "handshake p90", results, r -> percentile(r.handshakeUs(), 90));
        row(sb, "handshake p99", results, r -> percentile(r.handshakeUs(), 99));
        row(sb, "handshake p99.9", results, r -> percentile(r.handshakeUs(), 99.9));
        row(sb, "handshake max", results, r -> percentile(r.handshakeUs(), 100));
        row(sb, "echo RTT p50", results, r -> percentile(r.echoUs(), 50));
        row(sb, "echo RTT p99", results, r -> percentile(r.echoUs(), 99));
        row(sb, "echo RTT max", results, r -> percentile(r.echoUs(), 100));
        row(sb, "server rx", results, r -> Long.toString(r.serverReceived()));
        row(sb, "server HVR", results, r -> Long.toString(r.serverReplies()));
        row(sb, "server verified", results, r -> Long.toString(r.serverVerified()));
        row(sb, "server dropped", results, r -> Long.toString(r.serverDropped()));
        row(sb, "server handshakes completed", results, r -> Long.toString(r.serverCompleted()));
        row(sb, "server handshakes failed", results, r -> Long.toString(r.serverFailed()));
        row(sb, "server refused by cap", results, r -> Long.toString(r.serverRefused()));
        return sb.toString();
    }

    private static String percentile(final Histogram histogram, final double percentile)
    {
        if (0 == histogram.getTotalCount())
        {
            return "-";
        }
        return Long.toString(percentile >= 100 ? histogram.getMaxValue() : histogram.getValueAtPercentile(percentile));
    }

    private static void row(
        final StringBuilder sb,
        final String label,
        final List<ScenarioResult> results,
        final java.util.function.Function<ScenarioResult, String> cell)
    {
        sb.append("| ").append(label).append(" |");
        for (final ScenarioResult r : results)
        {
            sb.append(' ').append(cell.apply(r).replace("|", "/")).append(" |");
        }
        sb.append('\n');
    }

    /**
     * The run as one JSON document: the settings and every scenario.
     *
     * @param context what was run.
     * @param results the scenarios.
     * @return JSON, ending in a newline.
     */
    public static String toJson(final Context context, final List<ScenarioResult> results)
    {
        final StringBuilder sb = new StringBuilder(4096);
        sb.append("{\"benchmark\":\"handshake\",\"mode\":\"").append(context.mode().name().toLowerCase(Locale.ROOT))
            .append("\",\"suite\":\"").append(context.suite().name().toLowerCase(Locale.ROOT))
            .append("\",\"clients\":").append(context.clients())
            .append(",\"duration_s\":").append(String.format(Locale.ROOT, "%.3f", context.durationMs() / 1e3))
            .append(",\"warmup_s\":").append(String.format(Locale.ROOT, "%.3f", context.warmupMs() / 1e3))
            .append(",\"server_cpu\":").append(context.serverCpu())
            .append(",\"flood_cpu\":").append(context.floodCpu())
            .append(",\"handshake_timeout_ms\":").append(context.handshakeTimeoutMs())
            .append(",\"server_idle_timeout_ms\":").append(context.serverIdleTimeoutMs())
            .append(",\"scenarios\":[");
        for (int i = 0; i < results.size(); i++)
        {
            sb.append(i == 0 ? "\n" : ",\n").append(results.get(i).toJson());
        }
        sb.append("\n]}\n");
        return sb.toString();
    }

    /**
     * Write {@code handshake-STAMP.md} and {@code handshake-STAMP.json} into the output directory.
     *
     * @param context what was run.
     * @param results the scenarios.
     * @return the markdown file.
     * @throws IOException when a file cannot be written.
     */
    public static Path write(final Context context, final List<ScenarioResult> results) throws IOException
    {
        Files.createDirectories(context.outDir());
        final String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        final Path markdown = context.outDir().resolve("handshake-" + stamp + ".md");
        Files.writeString(markdown, toMarkdown(context, results), StandardCharsets.UTF_8);
        Files.writeString(context.outDir().resolve("handshake-" + stamp + ".json"), toJson(context, results),
            StandardCharsets.UTF_8);
        return markdown;
    }

    /**
     * Run from the command line (options above); prints the markdown table on stdout. Exits 2 on bad options.
     *
     * @param args the options.
     * @throws Exception when the run fails.
     */
    public static void main(final String[] args) throws Exception
    {
        final Context context;
        try
        {
            context = Context.parse(args);
            if (null == context)
            {
                usage(System.out);
                return;
            }
            context.conclude();
        }
        catch (final IllegalArgumentException ex)
        {
            System.err.println("handshake-bench: " + ex.getMessage());
            usage(System.err);
            System.exit(2);
            return;
        }
        final List<ScenarioResult> results = new HandshakeBenchmark(context).run();
        final Path markdown = write(context, results);
        System.out.print(toMarkdown(context, results));
        System.err.println("handshake-bench: results in " + markdown + " and its .json");
    }

    private static void usage(final PrintStream out)
    {
        out.println("usage: HandshakeBenchmark [--duration S] [--warmup S] [--clients N] [--mode psk|cert]");
        out.println("           [--suite default|ccm8]");
        out.println("           [--flood-rates PPS,...,max|none] [--server-cpu N|-1] [--flood-cpu N|-1]");
        out.println("           [--handshake-timeout-ms MS] [--server-idle-timeout-ms MS] [--max-handshakes N]");
        out.println("           [--out DIR]");
    }

    /**
     * What to run. Options and their defaults; {@link #conclude()} validates, naming the command-line option.
     */
    public static final class Context
    {
        /** Longest scenario, seconds. */
        public static final int MAX_DURATION_S = 300;
        /** Most clients: one source address each, 127.0.0.2 up. */
        public static final int MAX_CLIENTS = 250;

        private long durationMs = 10_000;
        private long warmupMs = 2_000;
        private int clients = 4;
        private Mode mode = Mode.PSK;
        private Suite suite = Suite.DEFAULT;
        private long[] floodRates = { 50_000, 0 };
        private int serverCpu = 0;
        private int floodCpu = 1;
        private int handshakeTimeoutMs = 5_000;
        private int serverIdleTimeoutMs = 2_000;
        private long maxHandshakes = 1_000_000;
        private Path outDir = Path.of("bench", "results");

        /**
         * Defaults everywhere: 10 s per scenario after 2 s of warm-up, 4 PSK clients, floods at 50 k pps and max.
         */
        public Context()
        {
        }

        /**
         * Parse command-line options.
         *
         * @param args options as in the class Javadoc.
         * @return the context (not concluded), or null when help was asked for.
         * @throws IllegalArgumentException naming the option that is unknown, lacks a value or has a bad one.
         */
        public static Context parse(final String[] args)
        {
            final Context context = new Context();
            for (int i = 0; i < args.length; i++)
            {
                final String option = args[i];
                switch (option)
                {
                    case "--duration" -> context.durationMs(seconds(option, value(args, ++i, option)));
                    case "--warmup" -> context.warmupMs(seconds(option, value(args, ++i, option)));
                    case "--clients" -> context.clients((int)number(option, value(args, ++i, option)));
                    case "--mode" -> context.mode(mode(value(args, ++i, option)));
                    case "--suite" -> context.suite(suite(value(args, ++i, option)));
                    case "--flood-rates" -> context.floodRates(rates(value(args, ++i, option)));
                    case "--server-cpu" -> context.serverCpu((int)number(option, value(args, ++i, option)));
                    case "--flood-cpu" -> context.floodCpu((int)number(option, value(args, ++i, option)));
                    case "--handshake-timeout-ms" ->
                        context.handshakeTimeoutMs((int)number(option, value(args, ++i, option)));
                    case "--server-idle-timeout-ms" ->
                        context.serverIdleTimeoutMs((int)number(option, value(args, ++i, option)));
                    case "--max-handshakes" -> context.maxHandshakes(number(option, value(args, ++i, option)));
                    case "--out" -> context.outDir(Path.of(value(args, ++i, option)));
                    case "-h", "--help" ->
                    {
                        return null;
                    }
                    default -> throw new IllegalArgumentException("unknown option " + option);
                }
            }
            return context;
        }

        private static String value(final String[] args, final int index, final String option)
        {
            if (index >= args.length)
            {
                throw new IllegalArgumentException(option + " needs a value");
            }
            return args[index];
        }

        private static long number(final String option, final String value)
        {
            try
            {
                return Long.parseLong(value);
            }
            catch (final NumberFormatException ex)
            {
                throw new IllegalArgumentException(option + " needs a whole number, got " + value, ex);
            }
        }

        private static long seconds(final String option, final String value)
        {
            try
            {
                final double seconds = Double.parseDouble(value);
                if (!(seconds >= 0 && seconds <= MAX_DURATION_S))
                {
                    throw new IllegalArgumentException(option + " must be 0 to " + MAX_DURATION_S + " seconds, got " +
                        value);
                }
                return Math.round(seconds * 1_000);
            }
            catch (final NumberFormatException ex)
            {
                throw new IllegalArgumentException(option + " needs seconds, got " + value, ex);
            }
        }

        private static Mode mode(final String value)
        {
            return switch (value)
            {
                case "psk" -> Mode.PSK;
                case "cert" -> Mode.CERT;
                default -> throw new IllegalArgumentException("--mode takes psk or cert, got " + value);
            };
        }

        private static Suite suite(final String value)
        {
            return switch (value)
            {
                case "default" -> Suite.DEFAULT;
                case "ccm8" -> Suite.CCM8;
                default -> throw new IllegalArgumentException("--suite takes default or ccm8, got " + value);
            };
        }

        private static long[] rates(final String value)
        {
            if ("none".equals(value))
            {
                return new long[0];
            }
            final String[] parts = value.split(",", -1);
            final long[] rates = new long[parts.length];
            for (int i = 0; i < parts.length; i++)
            {
                final String part = parts[i].trim();
                if ("max".equals(part))
                {
                    rates[i] = 0;
                    continue;
                }
                try
                {
                    rates[i] = Long.parseLong(part);
                }
                catch (final NumberFormatException ex)
                {
                    throw new IllegalArgumentException("--flood-rates takes packets per second, max or none, got " +
                        value, ex);
                }
                if (rates[i] <= 0)
                {
                    throw new IllegalArgumentException("--flood-rates must be positive (or max), got " + part);
                }
            }
            return rates;
        }

        /**
         * Validate.
         *
         * @return this.
         * @throws IllegalArgumentException naming the option whose value is bad.
         */
        public Context conclude()
        {
            if (durationMs < 100 || durationMs > TimeUnit.SECONDS.toMillis(MAX_DURATION_S))
            {
                throw new IllegalArgumentException("--duration must be 0.1 to " + MAX_DURATION_S + " s, got " +
                    durationMs + " ms");
            }
            if (warmupMs < 0 || warmupMs > TimeUnit.SECONDS.toMillis(MAX_DURATION_S))
            {
                throw new IllegalArgumentException("--warmup must be 0 to " + MAX_DURATION_S + " s, got " + warmupMs +
                    " ms");
            }
            if (clients < 1 || clients > MAX_CLIENTS)
            {
                throw new IllegalArgumentException("--clients must be 1 to " + MAX_CLIENTS + ", got " + clients);
            }
            if (null == mode)
            {
                throw new IllegalArgumentException("--mode must be psk or cert");
            }
            if (null == suite)
            {
                throw new IllegalArgumentException("--suite must be default or ccm8");
            }
            for (final long rate : floodRates)
            {
                if (rate < 0)
                {
                    throw new IllegalArgumentException("--flood-rates must be positive (or max), got " + rate);
                }
            }
            if (serverCpu < -1 || serverCpu >= LibC.CPU_SET_BYTES * 8)
            {
                throw new IllegalArgumentException("--server-cpu must be -1 (none) or a CPU number, got " + serverCpu);
            }
            if (floodCpu < -1 || floodCpu >= LibC.CPU_SET_BYTES * 8)
            {
                throw new IllegalArgumentException("--flood-cpu must be -1 (none) or a CPU number, got " + floodCpu);
            }
            if (handshakeTimeoutMs < 100 || handshakeTimeoutMs > 60_000)
            {
                throw new IllegalArgumentException("--handshake-timeout-ms must be 100 to 60000, got " +
                    handshakeTimeoutMs);
            }
            if (serverIdleTimeoutMs < 100 || serverIdleTimeoutMs > 600_000)
            {
                throw new IllegalArgumentException("--server-idle-timeout-ms must be 100 to 600000, got " +
                    serverIdleTimeoutMs);
            }
            if (maxHandshakes < 1)
            {
                throw new IllegalArgumentException("--max-handshakes must be at least 1, got " + maxHandshakes);
            }
            if (null == outDir)
            {
                throw new IllegalArgumentException("--out must be set");
            }
            return this;
        }

        /**
         * Length of each measured scenario.
         *
         * @param durationMs milliseconds, 100 to {@value #MAX_DURATION_S} s; default 10 s.
         * @return this.
         */
        public Context durationMs(final long durationMs)
        {
            this.durationMs = durationMs;
            return this;
        }

        /**
         * Length of each measured scenario.
         *
         * @return milliseconds.
         */
        public long durationMs()
        {
            return durationMs;
        }

        /**
         * Length of the unreported warm-up before the first scenario.
         *
         * @param warmupMs milliseconds, 0 for none; default 2 s.
         * @return this.
         */
        public Context warmupMs(final long warmupMs)
        {
            this.warmupMs = warmupMs;
            return this;
        }

        /**
         * Length of the warm-up.
         *
         * @return milliseconds.
         */
        public long warmupMs()
        {
            return warmupMs;
        }

        /**
         * Concurrent clients, each on its own thread and source address.
         *
         * @param clients 1 to {@value #MAX_CLIENTS}; default 4.
         * @return this.
         */
        public Context clients(final int clients)
        {
            this.clients = clients;
            return this;
        }

        /**
         * Concurrent clients.
         *
         * @return the count.
         */
        public int clients()
        {
            return clients;
        }

        /**
         * How the server authenticates.
         *
         * @param mode PSK (default) or CERT.
         * @return this.
         */
        public Context mode(final Mode mode)
        {
            this.mode = mode;
            return this;
        }

        /**
         * How the server authenticates.
         *
         * @return the mode.
         */
        public Mode mode()
        {
            return mode;
        }

        /**
         * Which cipher suites the clients offer.
         *
         * @param suite DEFAULT (default) or CCM8.
         * @return this.
         */
        public Context suite(final Suite suite)
        {
            this.suite = suite;
            return this;
        }

        /**
         * Which cipher suites the clients offer.
         *
         * @return the suite choice.
         */
        public Suite suite()
        {
            return suite;
        }

        /**
         * One flood scenario per rate, after the no-flood one.
         *
         * @param floodRates packets per second, 0 for max; empty for no flood scenario; default 50 000 and max.
         * @return this.
         */
        public Context floodRates(final long... floodRates)
        {
            this.floodRates = floodRates.clone();
            return this;
        }

        /**
         * The flood scenarios' rates.
         *
         * @return packets per second, 0 for max.
         */
        public long[] floodRates()
        {
            return floodRates.clone();
        }

        /**
         * CPU of the server's one worker.
         *
         * @param serverCpu a CPU, or -1 not to pin; default 0.
         * @return this.
         */
        public Context serverCpu(final int serverCpu)
        {
            this.serverCpu = serverCpu;
            return this;
        }

        /**
         * CPU of the server's one worker.
         *
         * @return the CPU, or -1.
         */
        public int serverCpu()
        {
            return serverCpu;
        }

        /**
         * CPU of the flood.
         *
         * @param floodCpu a CPU, or -1 not to pin; default 1.
         * @return this.
         */
        public Context floodCpu(final int floodCpu)
        {
            this.floodCpu = floodCpu;
            return this;
        }

        /**
         * CPU of the flood.
         *
         * @return the CPU, or -1.
         */
        public int floodCpu()
        {
            return floodCpu;
        }

        /**
         * Client and server handshake timeout; also the echo's wait.
         *
         * @param handshakeTimeoutMs 100 to 60 000 ms; default 5 000.
         * @return this.
         */
        public Context handshakeTimeoutMs(final int handshakeTimeoutMs)
        {
            this.handshakeTimeoutMs = handshakeTimeoutMs;
            return this;
        }

        /**
         * Client and server handshake timeout.
         *
         * @return milliseconds.
         */
        public int handshakeTimeoutMs()
        {
            return handshakeTimeoutMs;
        }

        /**
         * How long the echo server keeps an established session that receives nothing. Short by default: a client's
         * finished session is not seen to end by the server (no close_notify: see the class Javadoc), and a new
         * socket of the same client that draws a port still held by a live session would have its hello taken by
         * that session.
         *
         * @param serverIdleTimeoutMs 100 to 600 000 ms; default 2 000.
         * @return this.
         */
        public Context serverIdleTimeoutMs(final int serverIdleTimeoutMs)
        {
            this.serverIdleTimeoutMs = serverIdleTimeoutMs;
            return this;
        }

        /**
         * How long the echo server keeps an idle established session.
         *
         * @return milliseconds.
         */
        public int serverIdleTimeoutMs()
        {
            return serverIdleTimeoutMs;
        }

        /**
         * Bound on the handshakes each client begins per scenario, besides the duration.
         *
         * @param maxHandshakes at least 1; default 1 000 000.
         * @return this.
         */
        public Context maxHandshakes(final long maxHandshakes)
        {
            this.maxHandshakes = maxHandshakes;
            return this;
        }

        /**
         * Bound on the handshakes each client begins per scenario.
         *
         * @return the count.
         */
        public long maxHandshakes()
        {
            return maxHandshakes;
        }

        /**
         * Where the result files go.
         *
         * @param outDir a directory, created when missing; default {@code bench/results}.
         * @return this.
         */
        public Context outDir(final Path outDir)
        {
            this.outDir = outDir;
            return this;
        }

        /**
         * Where the result files go.
         *
         * @return the directory.
         */
        public Path outDir()
        {
            return outDir;
        }
    }
}
