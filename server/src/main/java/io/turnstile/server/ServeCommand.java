package io.turnstile.server;

import io.turnstile.cookie.CookieKeys;
import io.turnstile.cookie.GeneratorParameters;
import io.turnstile.cookie.MacAlgorithm;
import io.turnstile.nativeio.BatchSocket;
import io.turnstile.nativeio.CountersFile;
import io.turnstile.nativeio.DistinctErrorPrinter;
import io.turnstile.nativeio.VerifiedHelloHandler;
import io.turnstile.nativeio.VerifierServer;
import io.turnstile.server.handshake.EchoServer;
import io.turnstile.server.handshake.ServerCredentials;
import io.turnstile.server.handshake.SessionTable;
import io.turnstile.verifier.ClientHelloVerifier;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * {@code turnstile serve}: run a {@link VerifierServer} on an address, print a JSON line of statistics every second
 * and a summary when it stops (duration elapsed, SIGINT, SIGTERM). The counters live in a {@link CountersFile}
 * ({@code --counters-dir}, default {@code /dev/shm/turnstile-PID}) that {@code turnstile stat} maps from another
 * process; the JSON lines are summed from the same counters.
 * <p>
 * Exit codes: 0 after a clean stop, {@value UsageException#EXIT_CODE} for a bad command line or an address that
 * cannot be bound, 1 when the server fails while running. {@code turnstile: listening on HOST:PORT} goes to stderr
 * once every worker is bound: scripts wait for that line.
 * <p>
 * One instance runs once. {@link #run(String[])} blocks; {@link #stop(String)} from any thread ends it, which is how
 * a test (or an embedding program) drives it without signals.
 */
public final class ServeCommand
{
    /** Shown by {@code --help}. */
    public static final String USAGE = """
        usage: turnstile serve --bind HOST:PORT [options]

        Answers cookie-less DTLS ClientHellos with a HelloVerifyRequest (RFC 6347 section 4.2.1) and counts the
        hellos that return with a valid cookie as verified. One worker thread and one SO_REUSEPORT socket per CPU.

          --bind HOST:PORT        address to listen on (required): 127.0.0.1:4433, [::1]:4433, 0.0.0.0:4433,
                                  [::]:4433 (dual stack); port 0 picks a free port, printed once bound
          --workers N             worker threads, each with its own socket (default: one per --cpus entry, else
                                  the available processors, here %d)
          --batch N               datagrams per recvmmsg/sendmmsg, 1 to 1024 (default 64)
          --mac NAME              cookie MAC: aes-cmac (default), hmac-sha256, hmac-sha1
          --secret-file F         fixed cookie secret: F holds at least 16 bytes, either raw bytes or hex text
                                  (only hex digits, surrounding whitespace ignored), e.g. openssl rand -hex 32 > F;
                                  it does not rotate
          --master-key-file F     fleet keys: every server with the same master key (same format, at least 16
                                  bytes) verifies every other's cookies; key = HKDF(master, epoch), epoch = now/period
          --rotate SECONDS        key rotation period for random (default) and fleet keys, at least 1 (default
                                  3600); the previous key still verifies for min(60 s, period)
          --max-cookie-age SECONDS  oldest cookie that verifies, 1 to 86400 (default 60)
          --max-hello-length BYTES  longest hello, by its handshake length, that is answered; a first fragment
                                  announcing more is dropped as hello_too_long, 256 to 16777215 (default 16384)
          --duration SECONDS      stop after this long (default: run until SIGINT or SIGTERM)
          --stats FILE|-          where the JSON statistics lines go, one per second (default - : stdout)
          --counters-dir DIR      directory of the memory-mapped counters file that 'turnstile stat' reads from
                                  another process (default /dev/shm/turnstile-PID); refused while another running
                                  server owns it, deleted on exit
          --cpus LIST             pin worker i to the i-th CPU of LIST, e.g. 1,2 or 0-3 (Linux)
          --bpf-filter            attach a classic BPF filter that drops datagrams which cannot be DTLS
                                  handshakes in the kernel
          --rcvbuf BYTES          kernel receive buffer per worker socket (default 4194304); smaller bounds the
                                  queueing delay a legit client sees when a flood outruns the worker, larger
                                  rides out scheduling hiccups without loss
          --nio                   use NIO DatagramChannels even where recvmmsg/sendmmsg are available
          --log-verified N        log the first N verified hellos (peer, record and message sequence numbers)
                                  to stderr (default 5)
          --echo                  hand every verified peer to a BouncyCastle DTLS 1.2 handshake (record and
                                  message sequence continuing from the cookie hello) and echo each
                                  application-data record back; certificate: a self-signed ECDSA P-256 one
                                  generated at start unless --cert/--key are given
          --cert F                --echo: PEM certificate (with --key)
          --key F                 --echo: its unencrypted PEM private key, EC or RSA
          --psk-identity ID       --echo: pre-shared key identity, instead of a certificate (with --psk-hex)
          --psk-hex HEX           --echo: the pre-shared key, at least 16 bytes in hex
          --max-handshakes N      --echo: concurrent handshakes, server wide (default 256); more are dropped
          --max-sessions N        --echo: sessions in all (default 10000)
          --max-sessions-per-address N  --echo: sessions per source IPv4 address or IPv6 /64 (default 64)
          --handshake-timeout SECONDS  --echo: verification to completed handshake (default 10)
          --idle-timeout SECONDS  --echo: an established session receiving nothing this long is closed
                                  (default 30)
          --require-secure-renegotiation  --echo: refuse (handshake_failure) clients that send neither
                                  TLS_EMPTY_RENEGOTIATION_INFO_SCSV nor renegotiation_info (RFC 5746); by
                                  default they are accepted, since the DTLS server never renegotiates
          --help                  this text

        Each stats line: {"t":seconds since start,"epoch_ms":..,"workers":..,"rx":..,"hvr":..,"verified":..,
        "dropped":..,"rx_pps":..,"tx_pps":..,"hvr_pps":..,"verified_ps":..,"dropped_pps":..,"send_eagain":..,
        "send_failed":..,"reply_queue_full":..,"rx_truncated":..,"sent":..,"errors":..,"drop_reasons":{..},
        "cookie_checks":{..}}, and with --echo "echo":{..,"failed":..,"failures":{"handshake_failure":..,
        "timeout":..,"other":..},..}: failed handshakes by the fatal alert sent or received (non-zero ones, RFC
        names), timeout and other; each distinct failure is also written once to stderr.
        Counts are cumulative, *_pps and *_ps per second since the previous line. Exit code 2: bad usage or an
        address that cannot be bound.
        """;

    private static final long REPORT_INTERVAL_NS = TimeUnit.SECONDS.toNanos(1);
    private static final int WORKER_ERRORS_PRINTED = 32;
    private static final long HOOK_WAIT_MS = 5_000;

    private final PrintStream out;
    private final PrintStream err;
    private final AtomicReference<String> stopReason = new AtomicReference<>();
    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private final CountDownLatch listening = new CountDownLatch(1);
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile VerifierServer server;
    private volatile EchoServer echo;

    /**
     * A command writing to the given streams.
     *
     * @param out standard output: help, and the statistics when {@code --stats -}.
     * @param err standard error: the listening line, errors, logged hellos, the summary.
     */
    public ServeCommand(final PrintStream out, final PrintStream err)
    {
        this.out = out;
        this.err = err;
    }

    /**
     * Run until the duration elapses or SIGINT/SIGTERM arrives, which this method handles itself.
     *
     * @param args the options after {@code serve}.
     * @return the exit code.
     */
    public int run(final String[] args)
    {
        return run(args, true);
    }

    /**
     * Run until the duration elapses or {@link #stop(String)} is called.
     *
     * @param args           the options after {@code serve}.
     * @param installSignals whether to handle SIGINT and SIGTERM (and add a shutdown hook); false when embedded.
     * @return the exit code.
     */
    public int run(final String[] args, final boolean installSignals)
    {
        try
        {
            return serve(args, installSignals);
        }
        catch (final UsageException ex)
        {
            err.println("turnstile serve: " + ex.getMessage());
            err.println("try 'turnstile serve --help'");
            return UsageException.EXIT_CODE;
        }
        catch (final RuntimeException ex)
        {
            err.println("turnstile serve: failed: " + ex);
            return 1;
        }
        finally
        {
            listening.countDown();
            finished.countDown();
        }
    }

    /**
     * Ask a running command to stop; the first reason given is the one reported.
     *
     * @param reason e.g. "SIGTERM".
     */
    public void stop(final String reason)
    {
        stopReason.compareAndSet(null, reason);
        stopRequested.countDown();
    }

    /**
     * Wait until the server is bound (or failed to start).
     *
     * @param timeoutMs how long to wait.
     * @return the bound port, or -1 when the server is not running.
     * @throws InterruptedException when interrupted.
     */
    public int awaitListening(final long timeoutMs) throws InterruptedException
    {
        listening.await(timeoutMs, TimeUnit.MILLISECONDS);
        final VerifierServer server = this.server;
        return null == server || server.isClosed() ? -1 : server.localPort();
    }

    /**
     * Sum the running server's counters, for a caller that embeds the command.
     *
     * @param into holder.
     * @return into, or null when the server is not running.
     */
    public VerifierServer.Snapshot snapshot(final VerifierServer.Snapshot into)
    {
        final VerifierServer server = this.server;
        if (null == server || server.isClosed())
        {
            return null;
        }
        return server.snapshot(into);
    }

    private int serve(final String[] args, final boolean installSignals)
    {
        final Options options = Options.parse(args);
        if (options.help)
        {
            out.print(usage());
            out.flush();
            return 0;
        }
        final VerifierServer.Context context = options.serverContext(err);
        final EchoServer echo = options.newEchoServer(err::println);
        if (null != echo)
        {
            context.agentConfigurator(echo::configure);
        }
        this.echo = echo;
        final PrintStream stats = options.openStats(out);
        try
        {
            final VerifierServer server;
            try
            {
                server = new VerifierServer(context);
            }
            catch (final IllegalArgumentException ex)
            {
                throw new UsageException(ex.getMessage(), ex);
            }
            catch (final IllegalStateException ex)
            {
                // The counters directory belongs to a running server, or cannot be made.
                throw new UsageException("--counters-dir: " + ex.getMessage(), ex);
            }
            try
            {
                server.start();
            }
            catch (final IllegalStateException ex)
            {
                final Throwable cause = null != ex.getCause() ? ex.getCause() : ex;
                throw new UsageException("cannot listen on " + options.bindText() + ": " + cause.getMessage(), ex);
            }
            this.server = server;
            try
            {
                return runStarted(server, options, stats, installSignals);
            }
            finally
            {
                server.close();
            }
        }
        finally
        {
            if (null != echo)
            {
                echo.close();
            }
            if (stats != out)
            {
                stats.close();
            }
        }
    }

    private int runStarted(
        final VerifierServer server, final Options options, final PrintStream stats, final boolean installSignals)
    {
        final long startNs = System.nanoTime();
        final StatsReporter reporter = new StatsReporter(server, stats, startNs);
        final EchoServer echo = this.echo;
        if (null != echo)
        {
            reporter.extra(echo::appendJson);
        }
        Thread hook = null;
        if (installSignals)
        {
            if (!StopSignals.install(this::stop))
            {
                err.println("turnstile: this JVM cannot handle signals; SIGINT and SIGTERM stop it via shutdown hook");
            }
            hook = new Thread(this::onShutdown, "turnstile-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
        }
        err.println("turnstile: " + server.workerCount() + " worker" + (server.workerCount() == 1 ? "" : "s") +
            ", " + (server.isNative() ? "recvmmsg/sendmmsg" : "NIO DatagramChannel") +
            ", batch " + options.batch + ", mac " + options.keys.algorithm().label() + ", " + options.keysText());
        if (null != echo)
        {
            final SessionTable.Context echoContext = echo.table().context();
            err.println("turnstile: echo on, " + echoContext.credentials().description() + "; max " +
                echoContext.maxHandshakes() + " handshakes, " + echoContext.maxSessions() + " sessions (" +
                echoContext.maxSessionsPerAddress() + " per address), handshake timeout " +
                echoContext.handshakeTimeoutMillis() + " ms, idle timeout " + echoContext.idleTimeoutMillis() + " ms");
            err.println("turnstile: echo groups " + echoContext.credentials().groups().describe() +
                (echoContext.credentials().groups().refused().isEmpty() ? "" :
                " (refused: " + echoContext.credentials().groups().refused() + ")") + "; " +
                echoContext.credentials().cipherSuites().length + " cipher suites, CCM on BouncyCastle's " +
                "lightweight AES; secure renegotiation indication " +
                (echoContext.requireSecureRenegotiation() ? "required" : "not required"));
        }
        err.println("turnstile: counters in " + server.countersDirectory() + " ('turnstile stat --dir " +
            server.countersDirectory() + "' reads them)");
        err.println("turnstile: listening on " + hostText(server.localAddress().getAddress()) + ":" +
            server.localPort());
        err.flush();
        listening.countDown();

        String reason;
        final long deadlineNs = options.durationNs > 0 ? startNs + options.durationNs : Long.MAX_VALUE;
        long nextReportNs = startNs + REPORT_INTERVAL_NS;
        try
        {
            while (true)
            {
                final long nowNs = System.nanoTime();
                if (nowNs - deadlineNs >= 0)
                {
                    reason = "duration elapsed";
                    break;
                }
                if (nowNs - nextReportNs >= 0)
                {
                    reporter.report(nowNs, System.currentTimeMillis());
                    nextReportNs = Math.max(nextReportNs + REPORT_INTERVAL_NS, nowNs + 1);
                }
                final long waitNs = Math.min(nextReportNs, deadlineNs) - nowNs;
                if (stopRequested.await(Math.max(waitNs, 0), TimeUnit.NANOSECONDS))
                {
                    reason = stopReason.get();
                    break;
                }
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            reason = "interrupted";
        }

        // Stop the workers first: the last line and the summary then count everything they did.
        server.close();
        final long stopNs = System.nanoTime();
        reporter.report(stopNs, System.currentTimeMillis());
        err.println(reporter.summary(reason, stopNs));
        if (null != echo)
        {
            err.println(echo.summary());
        }
        err.flush();
        if (null != hook)
        {
            try
            {
                Runtime.getRuntime().removeShutdownHook(hook);
            }
            catch (final IllegalStateException ignore)
            {
                // the JVM is already shutting down: the hook is waiting for this summary
            }
        }
        return 0;
    }

    private void onShutdown()
    {
        stop("shutdown");
        try
        {
            finished.await(HOOK_WAIT_MS, TimeUnit.MILLISECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The help text, with this machine's processor count.
     *
     * @return the text.
     */
    public static String usage()
    {
        return String.format(Locale.ROOT, USAGE, Runtime.getRuntime().availableProcessors());
    }

    /**
     * An address as it goes before {@code :PORT}: IPv6 in brackets, its longest run of zero groups as {@code ::}
     * (RFC 5952), so {@code ::1} prints as {@code [::1]}.
     */
    static String hostText(final InetAddress address)
    {
        if (!(address instanceof Inet6Address))
        {
            return address.getHostAddress();
        }
        final byte[] bytes = address.getAddress();
        final int[] groups = new int[8];
        for (int i = 0; i < 8; i++)
        {
            groups[i] = (bytes[2 * i] & 0xFF) << 8 | (bytes[2 * i + 1] & 0xFF);
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; i++)
        {
            int j = i;
            while (j < 8 && groups[j] == 0)
            {
                j++;
            }
            if (j - i > bestLength)
            {
                bestStart = i;
                bestLength = j - i;
            }
            i = Math.max(i, j);
        }
        final StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < 8; i++)
        {
            if (i == bestStart)
            {
                sb.append("::");
                i += bestLength - 1;
                continue;
            }
            if (sb.length() > 1 && sb.charAt(sb.length() - 1) != ':')
            {
                sb.append(':');
            }
            sb.append(Integer.toHexString(groups[i]));
        }
        return sb.append(']').toString();
    }

    /**
     * Logs the first few verified hellos to stderr, then only lets the counters count them.
     */
    static final class VerifiedHelloLog
    {
        private final AtomicInteger remaining;
        private final PrintStream err;

        VerifiedHelloLog(final int limit, final PrintStream err)
        {
            this.remaining = new AtomicInteger(limit);
            this.err = err;
        }

        VerifiedHelloHandler forWorker(final int workerId)
        {
            return (datagram, length, peer, verifier) ->
            {
                // One read per verified hello once the limit is reached: no allocation, no lock.
                if (remaining.get() > 0 && remaining.getAndDecrement() > 0)
                {
                    err.println("turnstile: verified hello from " + peer +
                        " message_seq=" + verifier.messageSeq() + " record_seq=" + verifier.recordSequenceNumber() +
                        " length=" + length + (verifier.isFragment() ? " (first fragment)" : "") +
                        " worker=" + workerId);
                }
            };
        }
    }

    /**
     * The parsed command line.
     */
    public static final class Options
    {
        /** The options that take a value; {@code --bpf-filter}, {@code --nio} and {@code --help} do not. */
        static final List<String> VALUE_OPTIONS = List.of(
            "--bind", "--workers", "--batch", "--mac", "--secret-file", "--master-key-file", "--rotate",
            "--max-cookie-age", "--max-hello-length", "--duration", "--stats", "--cpus", "--log-verified", "--cert",
            "--key", "--counters-dir",
            "--psk-identity", "--psk-hex", "--max-handshakes", "--max-sessions", "--max-sessions-per-address",
            "--handshake-timeout", "--idle-timeout", "--rcvbuf");

        private boolean help;
        private InetAddress host;
        private int port = -1;
        private String bindText;
        private int workers;
        private int batch = BatchSocket.Context.DEFAULT_BATCH_SIZE;
        private MacAlgorithm mac;
        private Path secretFile;
        private Path masterKeyFile;
        private long rotateSeconds;
        private long maxCookieAgeSeconds = 60;
        private int maxHelloLength = ClientHelloVerifier.Context.DEFAULT_MAX_HELLO_LENGTH;
        private long durationNs;
        private String stats = "-";
        private Path countersDirectory;
        private int[] cpus;
        private boolean bpfFilter;
        private int receiveBufferBytes;
        private boolean nio;
        private int logVerified = 5;
        private CookieKeys keys;
        private boolean echo;
        private Path certFile;
        private Path keyFile;
        private String pskIdentity;
        private byte[] psk;
        private int maxHandshakes = SessionTable.Context.DEFAULT_MAX_HANDSHAKES;
        private int maxSessions = SessionTable.Context.DEFAULT_MAX_SESSIONS;
        private int maxSessionsPerAddress = SessionTable.Context.DEFAULT_MAX_SESSIONS_PER_ADDRESS;
        private long handshakeTimeoutMs = SessionTable.Context.DEFAULT_HANDSHAKE_TIMEOUT_MS;
        private long idleTimeoutMs = SessionTable.Context.DEFAULT_IDLE_TIMEOUT_MS;
        private boolean requireSecureRenegotiation;
        private boolean echoTuned;

        private Options()
        {
        }

        /**
         * Parse and check the options after {@code serve}, reading any key file.
         *
         * @param args the options.
         * @return the options.
         * @throws UsageException naming the option and the bad value.
         */
        public static Options parse(final String... args)
        {
            final Options options = new Options();
            final List<String> given = new ArrayList<>();
            for (int i = 0; i < args.length; i++)
            {
                final String arg = args[i];
                final int equals = arg.indexOf('=');
                final String name = arg.startsWith("--") && equals > 0 ? arg.substring(0, equals) : arg;
                final String inline = arg.startsWith("--") && equals > 0 ? arg.substring(equals + 1) : null;
                if (name.equals("--help") || name.equals("-h"))
                {
                    options.help = true;
                    return options;
                }
                if (!name.startsWith("--"))
                {
                    throw new UsageException("unexpected argument '" + arg + "': options start with --");
                }
                if (!isFlag(name) && !VALUE_OPTIONS.contains(name))
                {
                    throw new UsageException("unknown option '" + name + "'");
                }
                if (given.contains(name))
                {
                    throw new UsageException(name + " is given twice");
                }
                given.add(name);
                if (isFlag(name))
                {
                    if (null != inline)
                    {
                        throw new UsageException(name + " takes no value, got '" + inline + "'");
                    }
                    options.setFlag(name);
                    continue;
                }
                final String value;
                if (null != inline)
                {
                    value = inline;
                }
                else if (i + 1 < args.length && !args[i + 1].startsWith("--"))
                {
                    value = args[++i];
                }
                else
                {
                    throw new UsageException(name + " needs a value");
                }
                options.set(name, value);
            }
            options.check();
            return options;
        }

        private static boolean isFlag(final String name)
        {
            return name.equals("--bpf-filter") || name.equals("--nio") || name.equals("--echo") ||
                name.equals("--require-secure-renegotiation");
        }

        private void setFlag(final String name)
        {
            switch (name)
            {
                case "--bpf-filter" -> bpfFilter = true;
                case "--nio" -> nio = true;
                case "--echo" -> echo = true;
                case "--require-secure-renegotiation" ->
                {
                    requireSecureRenegotiation = true;
                    echoTuned = true;
                }
                default -> throw new IllegalStateException(name);
            }
        }

        private void set(final String name, final String value)
        {
            switch (name)
            {
                case "--bind" -> bind(value);
                case "--workers" -> workers = (int)integer(name, value, 1, VerifierServer.Context.MAX_WORKERS);
                case "--batch" -> batch = (int)integer(name, value, 1, BatchSocket.Context.MAX_BATCH_SIZE);
                case "--mac" ->
                {
                    try
                    {
                        mac = MacAlgorithm.fromLabel(value);
                    }
                    catch (final IllegalArgumentException ex)
                    {
                        throw new UsageException("--mac: " + ex.getMessage(), ex);
                    }
                }
                case "--secret-file" -> secretFile = Path.of(value);
                case "--master-key-file" -> masterKeyFile = Path.of(value);
                case "--rotate" -> rotateSeconds = integer(name, value, 1, Long.MAX_VALUE / 1000);
                case "--max-cookie-age" -> maxCookieAgeSeconds = integer(name, value, 1, 86_400);
                case "--max-hello-length" -> maxHelloLength = (int)integer(name, value,
                    ClientHelloVerifier.Context.MIN_MAX_HELLO_LENGTH, ClientHelloVerifier.Context.MAX_MAX_HELLO_LENGTH);
                case "--duration" -> durationNs = duration(value);
                case "--stats" -> stats = value;
                case "--counters-dir" -> countersDirectory = Path.of(value);
                case "--cpus" -> cpus = cpuList(value);
                case "--rcvbuf" -> receiveBufferBytes =
                    (int)integer(name, value, BatchSocket.Context.MIN_RECEIVE_BUFFER_BYTES, Integer.MAX_VALUE / 2);
                case "--log-verified" -> logVerified = (int)integer(name, value, 0, 1_000_000);
                case "--cert" -> certFile = Path.of(value);
                case "--key" -> keyFile = Path.of(value);
                case "--psk-identity" -> pskIdentity = value;
                case "--psk-hex" -> psk = hex(name, value);
                case "--max-handshakes" -> maxHandshakes = echoInt(name, value, 1_000_000);
                case "--max-sessions" -> maxSessions = echoInt(name, value, 10_000_000);
                case "--max-sessions-per-address" -> maxSessionsPerAddress = echoInt(name, value, 10_000_000);
                case "--handshake-timeout" -> handshakeTimeoutMs = echoSeconds(name, value, 600);
                case "--idle-timeout" -> idleTimeoutMs = echoSeconds(name, value, 86_400);
                default -> throw new UsageException("unknown option '" + name + "'");
            }
        }

        private void check()
        {
            if (null == host)
            {
                throw new UsageException("--bind HOST:PORT is required, e.g. --bind 127.0.0.1:4433");
            }
            if (null != secretFile && null != masterKeyFile)
            {
                throw new UsageException("--secret-file and --master-key-file are exclusive: pick one key source");
            }
            if (null != secretFile && rotateSeconds > 0)
            {
                throw new UsageException("--rotate applies to random and fleet keys: a --secret-file key does not " +
                    "rotate");
            }
            if (null != cpus && workers > 0 && cpus.length != workers)
            {
                throw new UsageException("--cpus lists " + cpus.length + " CPUs for --workers " + workers +
                    ": give one CPU per worker");
            }
            checkEcho();
            keys = cookieKeys();
        }

        private int echoInt(final String name, final String value, final long max)
        {
            echoTuned = true;
            return (int)integer(name, value, 1, max);
        }

        private long echoSeconds(final String name, final String value, final long maxSeconds)
        {
            echoTuned = true;
            final long ms = Math.round(duration(value) / 1e6);
            if (ms < 100 || ms > maxSeconds * 1000)
            {
                throw new UsageException(name + " must be 0.1 to " + maxSeconds + " seconds, got " + value);
            }
            return ms;
        }

        private static byte[] hex(final String name, final String value)
        {
            try
            {
                return HexFormat.of().parseHex(value.strip());
            }
            catch (final IllegalArgumentException ex)
            {
                throw new UsageException(name + " must be hex digits, an even number of them", ex);
            }
        }

        private void checkEcho()
        {
            final boolean certificate = null != certFile || null != keyFile;
            final boolean preShared = null != pskIdentity || null != psk;
            if (!echo && (certificate || preShared || echoTuned))
            {
                throw new UsageException("--cert, --key, --psk-*, --max-handshakes, --max-sessions*, " +
                    "--handshake-timeout, --idle-timeout and --require-secure-renegotiation apply to --echo only");
            }
            if ((null == certFile) != (null == keyFile))
            {
                throw new UsageException("--cert and --key go together");
            }
            if ((null == pskIdentity) != (null == psk))
            {
                throw new UsageException("--psk-identity and --psk-hex go together");
            }
            if (certificate && preShared)
            {
                throw new UsageException("--cert/--key and --psk-identity/--psk-hex are exclusive: pick one");
            }
            if (null != psk && psk.length < 16)
            {
                throw new UsageException("--psk-hex must hold at least 16 bytes, got " + psk.length);
            }
            if (null != pskIdentity && (pskIdentity.isEmpty() || pskIdentity.length() > 128))
            {
                throw new UsageException("--psk-identity must be 1 to 128 characters");
            }
        }

        /**
         * The echo server {@code --echo} asks for: credentials loaded or generated, caps, timeouts and the
         * renegotiation rule applied, each distinct handshake failure written once to the given sink.
         *
         * @param failureLog where failure lines go.
         * @return the echo server, or null without {@code --echo}.
         * @throws UsageException when a PEM file cannot be used.
         */
        EchoServer newEchoServer(final Consumer<String> failureLog)
        {
            if (!echo)
            {
                return null;
            }
            final ServerCredentials credentials;
            try
            {
                if (null != psk)
                {
                    credentials = ServerCredentials.psk(pskIdentity.getBytes(StandardCharsets.UTF_8), psk);
                }
                else if (null != certFile)
                {
                    credentials = ServerCredentials.fromPem(certFile, keyFile);
                }
                else
                {
                    credentials = ServerCredentials.selfSigned("turnstile");
                }
            }
            catch (final IOException | GeneralSecurityException | IllegalArgumentException ex)
            {
                throw new UsageException("--echo credentials: " + ex.getMessage(), ex);
            }
            try
            {
                return new EchoServer(new SessionTable.Context()
                    .credentials(credentials)
                    .maxHandshakes(maxHandshakes)
                    .maxSessions(maxSessions)
                    .maxSessionsPerAddress(maxSessionsPerAddress)
                    .handshakeTimeoutMillis((int)handshakeTimeoutMs)
                    .helloWaitMillis((int)Math.min(SessionTable.Context.DEFAULT_HELLO_WAIT_MS, handshakeTimeoutMs))
                    .idleTimeoutMillis((int)idleTimeoutMs)
                    .requireSecureRenegotiation(requireSecureRenegotiation)
                    .failureLog(failureLog));
            }
            catch (final IllegalArgumentException ex)
            {
                throw new UsageException("--echo: " + ex.getMessage(), ex);
            }
        }

        private CookieKeys cookieKeys()
        {
            final MacAlgorithm algorithm = null == mac ? MacAlgorithm.defaultAlgorithm() : mac;
            final long periodMs = rotateSeconds > 0 ? rotateSeconds * 1000 : CookieKeys.DEFAULT_ROTATION_PERIOD_MS;
            final long graceMs = Math.min(CookieKeys.DEFAULT_GRACE_MS, periodMs);
            try
            {
                if (null != secretFile)
                {
                    return CookieKeys.fixed(new GeneratorParameters(algorithm, readKey("--secret-file", secretFile)));
                }
                if (null != masterKeyFile)
                {
                    return CookieKeys.fleet(algorithm, readKey("--master-key-file", masterKeyFile), periodMs, graceMs);
                }
                return CookieKeys.random(algorithm, periodMs, graceMs);
            }
            catch (final IllegalArgumentException ex)
            {
                throw new UsageException(
                    (null != secretFile ? "--secret-file " + secretFile + ": " :
                    null != masterKeyFile ? "--master-key-file " + masterKeyFile + ": " : "") + ex.getMessage(), ex);
            }
        }

        /**
         * Read a key file: hex text when it holds only hex digits (an even number, whitespace around ignored),
         * else the raw bytes.
         */
        static byte[] readKey(final String option, final Path file)
        {
            final byte[] bytes;
            try
            {
                bytes = Files.readAllBytes(file);
            }
            catch (final IOException ex)
            {
                throw new UsageException(option + ": cannot read " + file + ": " + ex, ex);
            }
            final String text = new String(bytes, StandardCharsets.ISO_8859_1).strip();
            if (!text.isEmpty() && text.length() % 2 == 0 && text.chars().allMatch(Options::isHexDigit))
            {
                return HexFormat.of().parseHex(text);
            }
            return bytes;
        }

        private static boolean isHexDigit(final int c)
        {
            return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        }

        private void bind(final String value)
        {
            final String hostPart;
            final String portPart;
            if (value.startsWith("["))
            {
                final int close = value.indexOf(']');
                if (close < 0 || close + 1 >= value.length() || value.charAt(close + 1) != ':')
                {
                    throw new UsageException("--bind must be HOST:PORT or [IPV6]:PORT, got '" + value + "'");
                }
                hostPart = value.substring(1, close);
                portPart = value.substring(close + 2);
            }
            else
            {
                final int colon = value.lastIndexOf(':');
                if (colon <= 0 || value.indexOf(':') != colon)
                {
                    throw new UsageException("--bind must be HOST:PORT or [IPV6]:PORT, got '" + value + "'");
                }
                hostPart = value.substring(0, colon);
                portPart = value.substring(colon + 1);
            }
            port = (int)integer("--bind port", portPart, 0, 65_535);
            try
            {
                host = InetAddress.getByName(hostPart);
            }
            catch (final UnknownHostException ex)
            {
                throw new UsageException("--bind: unknown host '" + hostPart + "'", ex);
            }
            bindText = value;
        }

        private static long integer(final String name, final String value, final long min, final long max)
        {
            final long parsed;
            try
            {
                parsed = Long.parseLong(value.trim());
            }
            catch (final NumberFormatException ex)
            {
                throw new UsageException(name + " must be a whole number from " + min + " to " + max + ", got '" +
                    value + "'", ex);
            }
            if (parsed < min || parsed > max)
            {
                throw new UsageException(name + " must be " + min + " to " + max + ", got " + parsed);
            }
            return parsed;
        }

        private static long duration(final String value)
        {
            final double seconds;
            try
            {
                seconds = Double.parseDouble(value.trim());
            }
            catch (final NumberFormatException ex)
            {
                throw new UsageException("--duration must be seconds, e.g. 10 or 2.5, got '" + value + "'", ex);
            }
            if (!(seconds > 0) || seconds > 31_536_000)
            {
                throw new UsageException("--duration must be more than 0 and at most a year of seconds, got " +
                    value);
            }
            return Math.max(1, Math.round(seconds * 1e9));
        }

        private static int[] cpuList(final String value)
        {
            final List<Integer> list = new ArrayList<>();
            for (final String part : value.split(",", -1))
            {
                final int dash = part.indexOf('-');
                if (dash > 0)
                {
                    final int from = (int)integer("--cpus", part.substring(0, dash), 0, 1023);
                    final int to = (int)integer("--cpus", part.substring(dash + 1), 0, 1023);
                    if (to < from)
                    {
                        throw new UsageException("--cpus range " + part + " runs backwards");
                    }
                    for (int cpu = from; cpu <= to; cpu++)
                    {
                        list.add(cpu);
                    }
                }
                else
                {
                    list.add((int)integer("--cpus", part, 0, 1023));
                }
            }
            if (list.size() > VerifierServer.Context.MAX_WORKERS)
            {
                throw new UsageException("--cpus lists more than " + VerifierServer.Context.MAX_WORKERS + " CPUs");
            }
            return list.stream().mapToInt(Integer::intValue).toArray();
        }

        VerifierServer.Context serverContext(final PrintStream err)
        {
            final VerifiedHelloLog log = new VerifiedHelloLog(logVerified, err);
            final VerifierServer.Context context = new VerifierServer.Context()
                .bindAddress(host)
                .port(port)
                .workers(workers)
                .batchSize(batch)
                .cookieKeys(keys)
                .maxCookieAgeMs(maxCookieAgeSeconds * 1000)
                .maxHelloLength(maxHelloLength)
                .forceNio(nio)
                .countersDirectory(countersDirectory())
                .handlerFactory(log::forWorker)
                .notice(err::println)
                .errorHandler(new DistinctErrorPrinter(err, false, WORKER_ERRORS_PRINTED));
            if (null != cpus)
            {
                context.cpus(cpus);
            }
            context.socket().dtlsFilter(bpfFilter);
            if (receiveBufferBytes > 0)
            {
                context.receiveBufferBytes(receiveBufferBytes);
            }
            return context;
        }

        PrintStream openStats(final PrintStream out)
        {
            if ("-".equals(stats))
            {
                return out;
            }
            try
            {
                return new PrintStream(new FileOutputStream(stats), true, StandardCharsets.UTF_8);
            }
            catch (final IOException ex)
            {
                throw new UsageException("--stats: cannot write " + stats + ": " + ex.getMessage(), ex);
            }
        }

        String bindText()
        {
            return bindText;
        }

        String keysText()
        {
            if (null != secretFile)
            {
                return "fixed secret from " + secretFile;
            }
            final long period = rotateSeconds > 0 ? rotateSeconds : CookieKeys.DEFAULT_ROTATION_PERIOD_MS / 1000;
            return (null != masterKeyFile ? "fleet keys from " + masterKeyFile : "random keys") +
                " rotating every " + period + " s";
        }

        /**
         * Whether {@code --help} was asked for.
         *
         * @return true for help.
         */
        public boolean help()
        {
            return help;
        }

        /**
         * The address to bind.
         *
         * @return the host.
         */
        public InetAddress host()
        {
            return host;
        }

        /**
         * The port to bind.
         *
         * @return 0 to 65535.
         */
        public int port()
        {
            return port;
        }

        /**
         * Workers asked for.
         *
         * @return 0 for the default.
         */
        public int workers()
        {
            return workers;
        }

        /**
         * Datagrams per batch.
         *
         * @return the batch size.
         */
        public int batch()
        {
            return batch;
        }

        /**
         * The cookie keys the options describe.
         *
         * @return the keys.
         */
        public CookieKeys keys()
        {
            return keys;
        }

        /**
         * Rotation period asked for.
         *
         * @return seconds, 0 for the default.
         */
        public long rotateSeconds()
        {
            return rotateSeconds;
        }

        /**
         * How long to run.
         *
         * @return nanoseconds, 0 until stopped.
         */
        public long durationNs()
        {
            return durationNs;
        }

        /**
         * Where the statistics go.
         *
         * @return a file name, or "-" for stdout.
         */
        public String stats()
        {
            return stats;
        }

        /**
         * Where the counters file goes.
         *
         * @return the --counters-dir given, else this process's default directory.
         */
        public Path countersDirectory()
        {
            return null != countersDirectory ? countersDirectory : CountersFile.defaultDirectory();
        }

        /**
         * CPUs to pin to.
         *
         * @return one per worker, or null.
         */
        public int[] cpus()
        {
            return null == cpus ? null : cpus.clone();
        }

        /**
         * Kernel receive buffer per worker socket.
         *
         * @return bytes, or 0 for the socket default.
         */
        public int receiveBufferBytes()
        {
            return receiveBufferBytes;
        }

        /**
         * Whether the kernel DTLS pre-filter is attached to every worker socket.
         *
         * @return true for {@code --bpf-filter}.
         */
        public boolean bpfFilter()
        {
            return bpfFilter;
        }

        /**
         * Whether {@code --echo} refuses clients without a secure renegotiation indication.
         *
         * @return true for {@code --require-secure-renegotiation}.
         */
        public boolean requireSecureRenegotiation()
        {
            return requireSecureRenegotiation;
        }

        /**
         * Whether NIO is forced.
         *
         * @return true for {@code --nio}.
         */
        public boolean nio()
        {
            return nio;
        }

        /**
         * Longest hello, by its handshake length, that is answered.
         *
         * @return bytes.
         */
        public int maxHelloLength()
        {
            return maxHelloLength;
        }

        /**
         * Oldest cookie that verifies.
         *
         * @return seconds.
         */
        public long maxCookieAgeSeconds()
        {
            return maxCookieAgeSeconds;
        }

        /**
         * Verified hellos logged.
         *
         * @return how many.
         */
        public int logVerified()
        {
            return logVerified;
        }
    }
}
