package io.turnstile.bench.handshake;

import io.turnstile.tools.Cli;
import io.turnstile.tools.JsonWriter;
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
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
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
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * Completed DTLS handshakes per second, and the latency a legitimate client sees, with and without a concurrent
 * spoofed flood, side by side in one run (issue 5, "Benchmark"). A plain harness, not JMH: a handshake is
 * milliseconds of work spread over several round trips, and the flood runs beside it for the whole scenario.
 * <p>
 * In one JVM: the echo server ({@link VerifierServer} with the {@link EchoServer} handoff, one worker pinned to
 * {@code --server-cpu}) on 127.0.0.1; K {@link HandshakeLoop} clients, client i from 127.0.0.(2+i), each
 * looping connect &rarr; full handshake &rarr; one echo round trip &rarr; close for the scenario's duration. After a
 * warm-up (not reported), scenario {@code no-flood}, then one {@code flood-RATE} scenario per flood rate with the raw
 * {@link SpoofedFlood} (spoofed sources in 127.1.0.0/16, replies to sink sockets, pinned to
 * {@code --flood-cpu}) running from shortly before the clients start until they stop.
 * <p>
 * Writes {@code handshake-STAMP.json} into {@code --out} and prints its path; {@code scripts/report.py handshake}
 * renders it as one markdown table, a column per scenario. {@code --help} lists the options.
 * Every loop is bounded by time and by count; every flood by time and packets and it stops by itself.
 * <p>
 * <b>Note:</b> BouncyCastle's {@code DTLSTransport.close()} (1.84, {@code DTLSRecordLayer.close()}) sends no
 * close_notify once established, so the client's close does not end the server's session (the echo server counts
 * none {@code closed}); sessions end by the server's idle timeout, kept short here
 * ({@code --server-idle-timeout-ms}). Until then a client's new socket that draws the port of one of its live
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
        final ServerCredentials credentials = ctx.mode == Mode.PSK ?
            ServerCredentials.psk(PSK_IDENTITY, PSK) : ServerCredentials.selfSigned("turnstile-bench");
        final List<ScenarioResult> results = new ArrayList<>();
        try (EchoServer echo = new EchoServer(new SessionTable.Context()
            .credentials(credentials)
            .maxSessions(MAX_SERVER_SESSIONS)
            .maxSessionsPerAddress(MAX_SERVER_SESSIONS)
            .handshakeTimeoutMillis(ctx.handshakeTimeoutMs)
            .helloWaitMillis(Math.min(SessionTable.Context.DEFAULT_HELLO_WAIT_MS, ctx.handshakeTimeoutMs))
            .idleTimeoutMillis(ctx.serverIdleTimeoutMs)))
        {
            final VerifierServer.Context serverContext = new VerifierServer.Context()
                .bindAddress(InetAddress.getLoopbackAddress())
                .port(0)
                .workers(1)
                .agentConfigurator(echo::configure);
            if (ctx.serverCpu >= 0)
            {
                serverContext.cpus(ctx.serverCpu);
            }
            try (VerifierServer server = new VerifierServer(serverContext).start())
            {
                final InetSocketAddress address = server.localAddress();
                // The JDK crypto plus BouncyCastle's AES-CCM, as the server has: without it a client cannot offer CCM.
                final TlsCrypto crypto = JcaTlsCryptoWithCcm.create(new SecureRandom());
                if (ctx.warmupMs > 0)
                {
                    scenario("warmup", -1, ctx.warmupMs, server, echo, address, crypto);
                }
                results.add(scenario("no-flood", -1, ctx.durationMs, server, echo, address, crypto));
                for (final long rate : ctx.floodRates)
                {
                    results.add(scenario(0 == rate ? "flood-max" : "flood-" + rate, rate, ctx.durationMs, server,
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
        if (floodRate >= 0)
        {
            // Bounded by itself: the scenario plus the clients' longest overrun, and packets to match.
            final long floodMs = FLOOD_LEAD_MS + durationMs + ctx.handshakeTimeoutMs + 1_000;
            final long packetCap = 0 == floodRate ? 2_000_000L * (floodMs / 1_000 + 1) :
                floodRate * (floodMs / 1_000 + 1);
            flood = new SpoofedFlood(new SpoofedFlood.Context()
                .targetAddress(address.getAddress())
                .targetPort(address.getPort())
                .mode(SpoofedFlood.Mode.RAW)
                .fallbackToUdp(true)
                .sources("127.1.0.0/16")
                .rate(floodRate)
                .durationNs(TimeUnit.MILLISECONDS.toNanos(floodMs))
                .maxPackets(Math.min(SpoofedFlood.Context.MAX_PACKETS, packetCap))
                .cpu(ctx.floodCpu)
                .notice(line -> System.err.println("handshake-bench: flood: " + line))).start();
            Thread.sleep(FLOOD_LEAD_MS);
        }

        final HandshakeLoop[] loops = new HandshakeLoop[ctx.clients];
        final Thread[] threads = new Thread[loops.length];
        final long startNs = System.nanoTime();
        final long deadlineNs = startNs + TimeUnit.MILLISECONDS.toNanos(durationMs);
        for (int i = 0; i < loops.length; i++)
        {
            loops[i] = new HandshakeLoop(clientAddress(i), address, ctx.mode, crypto, PSK_IDENTITY, PSK,
                ctx.handshakeTimeoutMs, deadlineNs, ctx.maxHandshakes, i, ctx.suite.cipherSuites(ctx.mode));
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
            flood.close();
            if (null != flood.failure())
            {
                throw new IllegalStateException("flood failed: " + flood.failure(), flood.failure());
            }
            floodReport = flood.report();
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
     * The run as one JSON document: the settings and every scenario; {@code scripts/report.py handshake} renders it.
     *
     * @param context what was run.
     * @param results the scenarios.
     * @return JSON, ending in a newline.
     */
    public static String toJson(final Context context, final List<ScenarioResult> results)
    {
        final JsonWriter json = new JsonWriter().beginObject().name("benchmark").value("handshake")
            .name("mode").value(context.mode.name().toLowerCase(Locale.ROOT))
            .name("suite").value(context.suite.name().toLowerCase(Locale.ROOT))
            .name("clients").value(context.clients)
            .name("duration_s").value(context.durationMs / 1e3, 3)
            .name("warmup_s").value(context.warmupMs / 1e3, 3)
            .name("server_cpu").value(context.serverCpu)
            .name("flood_cpu").value(context.floodCpu)
            .name("handshake_timeout_ms").value(context.handshakeTimeoutMs)
            .name("server_idle_timeout_ms").value(context.serverIdleTimeoutMs)
            .name("scenarios").beginArray();
        results.forEach(result -> json.raw(result.toJson()));
        return json.endArray().endObject() + "\n";
    }

    /**
     * Write {@code handshake-STAMP.json} into the output directory.
     *
     * @param context what was run.
     * @param results the scenarios.
     * @return the file.
     * @throws IOException when it cannot be written.
     */
    public static Path write(final Context context, final List<ScenarioResult> results) throws IOException
    {
        Files.createDirectories(context.outDir);
        final String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        final Path json = context.outDir.resolve("handshake-" + stamp + ".json");
        Files.writeString(json, toJson(context, results), StandardCharsets.UTF_8);
        return json;
    }

    /**
     * Run from the command line ({@code --help}); prints the JSON file's path on stdout. Exits 2 on bad options.
     *
     * @param args the options.
     * @throws Exception when the run fails.
     */
    public static void main(final String[] args) throws Exception
    {
        final Context context = Cli.parseOrExit("handshake-bench", new Context(), args, Context::conclude);
        final Path json = write(context, new HandshakeBenchmark(context).run());
        System.out.println(json);
        System.err.println("handshake-bench: results in " + json);
    }

    /**
     * What to run: the command line, parsed by picocli ({@link #parse(String...)}); {@link #conclude()} validates,
     * naming the option.
     */
    @Command(name = "HandshakeBenchmark", sortOptions = false, usageHelpWidth = 120,
        description = "Completed DTLS handshakes per second with and without a flood; see scripts/bench --help.")
    public static final class Context
    {
        /** Longest scenario, seconds. */
        public static final int MAX_DURATION_S = 300;
        /** Most clients: one source address each, 127.0.0.2 up. */
        public static final int MAX_CLIENTS = 250;

        @Option(names = "--duration", paramLabel = "S", description = "Seconds per measured scenario (default 10).")
        double durationS = 10;
        @Option(names = "--warmup", paramLabel = "S", description = "Unreported warm-up before the first scenario, " +
            "seconds (default 2, 0 for none).")
        double warmupS = 2;
        @Option(names = "--clients", description = "Concurrent clients, each on its own thread and source address " +
            "(default 4, at most 250).")
        int clients = 4;
        @Option(names = "--mode", paramLabel = "psk|cert", description = "How the server authenticates (default psk).")
        Mode mode = Mode.PSK;
        @Option(names = "--suite", paramLabel = "default|ccm8", description = "Which cipher suites the clients " +
            "offer (default default).")
        Suite suite = Suite.DEFAULT;
        @Option(names = "--flood-rates", paramLabel = "PPS,...,max|none", description = "One flood scenario per " +
            "rate after the no-flood one (default 50000,max).")
        String floodRateList = "50000,max";
        @Option(names = "--server-cpu", description = "CPU of the server's one worker, -1 not to pin (default 0).")
        int serverCpu = 0;
        @Option(names = "--flood-cpu", description = "CPU of the flood, -1 not to pin (default 1).")
        int floodCpu = 1;
        @Option(names = "--handshake-timeout-ms", description = "Client and server handshake timeout, also the " +
            "echo's wait: 100 to 60000 (default 5000).")
        int handshakeTimeoutMs = 5_000;
        @Option(names = "--server-idle-timeout-ms", description = "How long the echo server keeps an idle " +
            "established session: short, as a client's end is not seen (no close_notify): 100 to 600000 " +
            "(default 2000).")
        int serverIdleTimeoutMs = 2_000;
        @Option(names = "--max-handshakes", description = "Bound on the handshakes each client begins per " +
            "scenario, besides the duration (default 1000000).")
        long maxHandshakes = 1_000_000;
        @Option(names = "--out", paramLabel = "DIR", description = "Where the result file goes (default " +
            "bench/results).")
        Path outDir = Path.of("bench", "results");
        @Option(names = {"-h", "--help"}, usageHelp = true, description = "This text.")
        boolean help;

        long durationMs;
        long warmupMs;
        long[] floodRates;

        /**
         * Parse command-line options.
         *
         * @param args options, see {@code --help}.
         * @return the context (not concluded), or null when help was asked for.
         * @throws IllegalArgumentException naming the option that is unknown, lacks a value or has a bad one.
         */
        public static Context parse(final String... args)
        {
            return Cli.parse(new Context(), args);
        }

        /**
         * Validate and derive the milliseconds and rates; idempotent.
         *
         * @return this.
         * @throws IllegalArgumentException naming the option whose value is bad.
         */
        public Context conclude()
        {
            if (!(durationS >= 0.1 && durationS <= MAX_DURATION_S))
            {
                throw new IllegalArgumentException("--duration must be 0.1 to " + MAX_DURATION_S + " s, got " +
                    durationS);
            }
            if (!(warmupS >= 0 && warmupS <= MAX_DURATION_S))
            {
                throw new IllegalArgumentException("--warmup must be 0 to " + MAX_DURATION_S + " s, got " + warmupS);
            }
            durationMs = Math.round(durationS * 1_000);
            warmupMs = Math.round(warmupS * 1_000);
            floodRates = "none".equals(floodRateList) ? new long[0] :
                Arrays.stream(floodRateList.split(",", -1)).mapToLong(r -> Cli.rate("--flood-rates", r)).toArray();
            range("--clients", clients, 1, MAX_CLIENTS);
            range("--server-cpu", serverCpu, -1, LibC.CPU_SET_BYTES * 8 - 1);
            range("--flood-cpu", floodCpu, -1, LibC.CPU_SET_BYTES * 8 - 1);
            range("--handshake-timeout-ms", handshakeTimeoutMs, 100, 60_000);
            range("--server-idle-timeout-ms", serverIdleTimeoutMs, 100, 600_000);
            range("--max-handshakes", maxHandshakes, 1, Long.MAX_VALUE);
            return this;
        }

        private static void range(final String option, final long value, final long min, final long max)
        {
            if (value < min || value > max)
            {
                throw new IllegalArgumentException(option + " must be " + min + " to " + max + ", got " + value);
            }
        }
    }
}
