package io.turnstile.server;

import io.turnstile.cookie.CookieKeys;
import io.turnstile.cookie.GeneratorParameters;
import io.turnstile.nativeio.CountersFile;
import io.turnstile.nativeio.DistinctErrorPrinter;
import io.turnstile.nativeio.VerifiedHelloHandler;
import io.turnstile.nativeio.VerifierServer;
import io.turnstile.server.handshake.EchoServer;
import io.turnstile.server.handshake.EchoSessionReport;
import io.turnstile.server.handshake.ServerCredentials;
import io.turnstile.server.handshake.SessionTable;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Turns {@link ServeOptions} into the parts {@code turnstile serve} runs: the cookie keys (key files read), the
 * {@link VerifierServer.Context} and its server (built, not started), the echo server with its credentials, and the
 * statistics stream. Closing it closes what it made, in the order the command needs: workers first.
 * <p>
 * Every value goes through {@link VerifierServer.Context}, whose {@code conclude()} checks the ranges its components
 * own; a refusal there is reported as a usage error under the option that gave the value ({@link #OPTION_OF}).
 */
final class ServeAssembly implements AutoCloseable
{
    /** Distinct worker errors printed, each once, before they are only counted. */
    static final int WORKER_ERRORS_PRINTED = 32;

    /**
     * {@link VerifierServer.Context} setter names, as its messages start, and the options that set them.
     */
    private static final List<String[]> OPTION_OF = List.of(
        new String[]{ "workers ", "--workers " },
        new String[]{ "cpus ", "--cpus " },
        new String[]{ "batchSize ", "--batch " },
        new String[]{ "receiveBufferBytes ", "--rcvbuf " },
        new String[]{ "maxHelloLength ", "--max-hello-length " },
        new String[]{ "hello rate ", "--xdp-hello-rate " },
        new String[]{ "hello burst ", "--xdp-hello-burst " },
        new String[]{ "rxRingSize ", "--xdp-rx-ring " });

    private final CookieKeys keys;
    private final VerifierServer.Context context;
    private final EchoServer echo;
    private final PrintStream stats;
    private final PrintStream out;
    private final VerifierServer server;

    private ServeAssembly(
        final CookieKeys keys,
        final VerifierServer.Context context,
        final EchoServer echo,
        final PrintStream stats,
        final PrintStream out,
        final VerifierServer server)
    {
        this.keys = keys;
        this.context = context;
        this.echo = echo;
        this.stats = stats;
        this.out = out;
        this.server = server;
    }

    /**
     * Build everything the options ask for; on a failure, close whatever was already built.
     *
     * @param options the checked command line.
     * @param out     standard output: the statistics when {@code --stats -}.
     * @param err     standard error: logged hellos, worker errors, notices, handshake failures.
     * @return the parts, the server not yet started.
     * @throws UsageException when a key file, a PEM file, the statistics file or a value cannot be used.
     */
    static ServeAssembly assemble(final ServeOptions options, final PrintStream out, final PrintStream err)
    {
        final CookieKeys keys = cookieKeys(options);
        final VerifierServer.Context context = serverContext(options, keys, err);
        final EchoServer echo = newEchoServer(options.echo(), err::println);
        PrintStream stats = null;
        try
        {
            if (null != echo)
            {
                context.agentConfigurator(echo::configure);
            }
            stats = openStats(options.stats(), out);
            return new ServeAssembly(keys, context, echo, stats, out, newServer(context));
        }
        catch (final RuntimeException ex)
        {
            closeQuietly(echo, stats, out);
            throw ex;
        }
    }

    /**
     * The cookie keys the options name: random, a fixed secret, or fleet keys from a master key.
     *
     * @param options the command line.
     * @return the keys.
     * @throws UsageException when a key file cannot be read or holds too short a key.
     */
    static CookieKeys cookieKeys(final ServeOptions options)
    {
        final long periodMs = options.rotateSeconds() > 0 ?
            options.rotateSeconds() * 1000 : CookieKeys.DEFAULT_ROTATION_PERIOD_MS;
        final long graceMs = Math.min(CookieKeys.DEFAULT_GRACE_MS, periodMs);
        final Path secretFile = options.secretFile();
        final Path masterKeyFile = options.masterKeyFile();
        try
        {
            if (null != secretFile)
            {
                return CookieKeys.fixed(new GeneratorParameters(options.mac(), readKey("--secret-file", secretFile)));
            }
            if (null != masterKeyFile)
            {
                return CookieKeys.fleet(options.mac(), MasterKeyFile.read(masterKeyFile), periodMs, graceMs,
                    options.clockToleranceMs(), System.currentTimeMillis());
            }
            return CookieKeys.random(options.mac(), periodMs, graceMs);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new UsageException(
                (null != secretFile ? "--secret-file " + secretFile + ": " :
                null != masterKeyFile ? "--master-key-file " + masterKeyFile + ": " : "") + ex.getMessage(), ex);
        }
    }

    /**
     * Read a key file: hex text when it holds only hex digits (an even number, whitespace around ignored), else the
     * raw bytes.
     *
     * @param option names the file in a message.
     * @param file   the key file.
     * @return the key.
     * @throws UsageException when the file cannot be read.
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
        if (!text.isEmpty() && text.length() % 2 == 0 && text.chars().allMatch(ServeAssembly::isHexDigit))
        {
            return HexFormat.of().parseHex(text);
        }
        return bytes;
    }

    private static boolean isHexDigit(final int c)
    {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    /**
     * The server's configuration: what the options give is set, the rest left to the context's defaults.
     *
     * @param options the command line.
     * @param keys    the cookie keys.
     * @param err     where logged hellos, worker errors and notices go.
     * @return the context, not yet concluded.
     */
    static VerifierServer.Context serverContext(
        final ServeOptions options, final CookieKeys keys, final PrintStream err)
    {
        final VerifiedHelloLog log = new VerifiedHelloLog(options.logVerified(), err);
        final VerifierServer.Context context = new VerifierServer.Context()
            .bindAddress(options.host())
            .port(options.port())
            .workers(options.workers())
            .cookieKeys(keys)
            .maxCookieAgeMs(options.maxCookieAgeSeconds() * 1000)
            .forceNio(options.nio())
            .handlerFactory(log::forWorker)
            .notice(err::println)
            .errorHandler(new DistinctErrorPrinter(err, false, WORKER_ERRORS_PRINTED));
        // Fleet servers' clocks differ: a cookie stamped a little ahead of this clock is still in date.
        context.verifier().futureToleranceMs(options.clockToleranceMs());
        if (null != options.batch())
        {
            context.batchSize(options.batch());
        }
        if (null != options.maxHelloLength())
        {
            context.maxHelloLength(options.maxHelloLength());
        }
        if (null != options.receiveBufferBytes())
        {
            context.receiveBufferBytes(options.receiveBufferBytes());
        }
        if (null != options.cpus())
        {
            context.cpus(options.cpus());
        }
        context.socket().dtlsFilter(options.bpfFilter());
        switch (options.idle())
        {
            case BACKOFF -> context.idleStrategy(() -> new BackoffIdleStrategy(
                64, 16, TimeUnit.MICROSECONDS.toNanos(1), TimeUnit.MILLISECONDS.toNanos(1)));
            case SPIN -> context.idleStrategy(BusySpinIdleStrategy::new);
            case POLL -> context.idleStrategy(null);
        }
        if (null != options.xdp())
        {
            context.xdpInterface(options.xdp().device());
            context.xdpFilter().helloRateLimit(options.xdp().helloRate(), options.xdp().helloBurst());
            if (null != options.xdp().rxRing())
            {
                context.xdpSocket().rxRingSize(options.xdp().rxRing());
            }
            context.xdpSocket().busyPoll(options.xdp().busyPoll());
        }
        context.countersDirectory(
            null != options.countersDirectory() ? options.countersDirectory() : CountersFile.defaultDirectory());
        return context;
    }

    /**
     * Build the server, which concludes its context: a value refused there is a usage error naming its option.
     *
     * @param context the configuration.
     * @return the server, not started.
     * @throws UsageException for a value the server's components refuse.
     */
    static VerifierServer newServer(final VerifierServer.Context context)
    {
        try
        {
            return new VerifierServer(context);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new UsageException(inOptionTerms(ex.getMessage()), ex);
        }
        catch (final IllegalStateException ex)
        {
            // The counters directory belongs to a running server, or cannot be made.
            throw new UsageException("--counters-dir: " + ex.getMessage(), ex);
        }
    }

    /**
     * A context's message in the command line's terms: {@code batchSize must be 1 to 1024, got 0} becomes
     * {@code --batch must be 1 to 1024, got 0}.
     *
     * @param message a message from a context's {@code conclude()}.
     * @return the message under the option's name, or unchanged when no option sets that value.
     */
    static String inOptionTerms(final String message)
    {
        for (final String[] names : OPTION_OF)
        {
            if (message.startsWith(names[0]))
            {
                return names[1] + message.substring(names[0].length());
            }
        }
        return message;
    }

    /**
     * The echo server {@code --echo} asks for: credentials loaded or generated, caps, timeouts and the renegotiation
     * rule applied, each distinct handshake failure written once to the given sink.
     *
     * @param options    the {@code --echo} settings, or null.
     * @param failureLog where failure lines go.
     * @return the echo server, or null without {@code --echo}.
     * @throws UsageException when a PEM file cannot be used.
     */
    static EchoServer newEchoServer(final ServeOptions.Echo options, final Consumer<String> failureLog)
    {
        if (null == options)
        {
            return null;
        }
        final ServerCredentials credentials;
        try
        {
            if (null != options.psk())
            {
                credentials = ServerCredentials.psk(
                    options.pskIdentity().getBytes(StandardCharsets.UTF_8), options.psk());
            }
            else if (null != options.certFile())
            {
                credentials = ServerCredentials.fromPem(options.certFile(), options.keyFile());
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
        final ServerCredentials configured;
        if (null != options.srtp() || null != options.clientCertFingerprint())
        {
            // Each session's profile (and, when asked, its keys) is reported; the counts go into the stats.
            configured = credentials.srtp(options.srtp()).clientCertificates(options.clientCertFingerprint())
                .listener(new EchoSessionReport(options.srtpDebugKeys(), failureLog));
        }
        else
        {
            configured = credentials;
        }
        try
        {
            return new EchoServer(new SessionTable.Context()
                .credentials(configured)
                .maxHandshakes(options.maxHandshakes())
                .maxSessions(options.maxSessions())
                .maxSessionsPerAddress(options.maxSessionsPerAddress())
                .handshakeTimeoutMillis((int)options.handshakeTimeoutMs())
                .helloWaitMillis(
                    (int)Math.min(SessionTable.Context.DEFAULT_HELLO_WAIT_MS, options.handshakeTimeoutMs()))
                .idleTimeoutMillis((int)options.idleTimeoutMs())
                .requireSecureRenegotiation(options.requireSecureRenegotiation())
                .failureLog(failureLog));
        }
        catch (final IllegalArgumentException ex)
        {
            throw new UsageException("--echo: " + ex.getMessage(), ex);
        }
    }

    /**
     * Where the statistics lines go.
     *
     * @param stats a file name, or {@code -}.
     * @param out   standard output.
     * @return out for {@code -}, else a new stream on the file.
     * @throws UsageException when the file cannot be written.
     */
    static PrintStream openStats(final String stats, final PrintStream out)
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

    /**
     * The cookie keys every worker shares.
     *
     * @return the keys.
     */
    CookieKeys keys()
    {
        return keys;
    }

    /**
     * The server's configuration, concluded: the values the workers really use.
     *
     * @return the context.
     */
    VerifierServer.Context context()
    {
        return context;
    }

    /**
     * The server, not started by the assembly.
     *
     * @return the server.
     */
    VerifierServer server()
    {
        return server;
    }

    /**
     * The echo server.
     *
     * @return it, or null without {@code --echo}.
     */
    EchoServer echo()
    {
        return echo;
    }

    /**
     * Where the statistics lines go.
     *
     * @return standard output or the {@code --stats} file.
     */
    PrintStream stats()
    {
        return stats;
    }

    /**
     * Stop the workers, then the echo server's sessions, then close the statistics file.
     */
    @Override
    public void close()
    {
        try
        {
            server.close();
        }
        finally
        {
            closeQuietly(echo, stats, out);
        }
    }

    private static void closeQuietly(final EchoServer echo, final PrintStream stats, final PrintStream out)
    {
        try
        {
            if (null != echo)
            {
                echo.close();
            }
        }
        finally
        {
            if (null != stats && stats != out)
            {
                stats.close();
            }
        }
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
}
