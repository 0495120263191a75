package io.turnstile.server;

import io.turnstile.codec.PeerAddress;
import io.turnstile.nativeio.VerifierServer;
import io.turnstile.server.handshake.EchoServer;
import io.turnstile.server.handshake.SessionTable;
import picocli.CommandLine;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code turnstile serve}: run a {@link VerifierServer} on an address, print a JSON line of statistics every second
 * and a summary when it stops (duration elapsed, SIGINT, SIGTERM). With {@code --master-key-file}, SIGHUP re-reads the
 * key file ({@link MasterKeyReloader}). This class is the life cycle only: the command line
 * is {@link ServeOptions}, the parts it runs are built by {@link ServeAssembly}.
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
    private static final long REPORT_INTERVAL_NS = TimeUnit.SECONDS.toNanos(1);
    private static final long HOOK_WAIT_MS = 5_000;

    private final PrintStream out;
    private final PrintStream err;
    private final AtomicReference<String> stopReason = new AtomicReference<>();
    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private final CountDownLatch listening = new CountDownLatch(1);
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile VerifierServer server;
    private volatile EchoServer echo;
    private volatile MasterKeyReloader reloader;

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
     * Re-read {@code --master-key-file} now, as SIGHUP does; the keys in force stay when the file cannot be used.
     *
     * @return true when the new masters are in force; false when refused or not running with fleet keys.
     */
    public boolean reloadKeys()
    {
        final MasterKeyReloader reloader = this.reloader;
        return null != reloader && reloader.reload("reload");
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
        final ServeOptions.Arguments arguments = new ServeOptions.Arguments();
        final CommandLine commandLine = ServeOptions.commandLine(arguments);
        ServeOptions.parse(commandLine, args);
        if (commandLine.isUsageHelpRequested())
        {
            final PrintWriter writer = new PrintWriter(out, true, StandardCharsets.UTF_8);
            commandLine.usage(writer, CommandLine.Help.Ansi.OFF);
            writer.flush();
            return 0;
        }
        final ServeOptions options = arguments.toOptions();
        try (ServeAssembly assembly = ServeAssembly.assemble(options, out, err))
        {
            final VerifierServer server = assembly.server();
            this.echo = assembly.echo();
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
            return runStarted(server, assembly, options, installSignals);
        }
    }

    private int runStarted(
        final VerifierServer server, final ServeAssembly assembly, final ServeOptions options,
        final boolean installSignals)
    {
        final long startNs = System.nanoTime();
        final StatsReporter reporter = new StatsReporter(server, assembly.stats(), startNs);
        final EchoServer echo = this.echo;
        final MasterKeyReloader reloader = null == options.masterKeyFile() ? null :
            new MasterKeyReloader(options.masterKeyFile(), assembly.keys(), err);
        this.reloader = reloader;
        if (null != echo || null != reloader)
        {
            reporter.extra(sb ->
            {
                if (null != echo)
                {
                    echo.appendJson(sb);
                }
                if (null != reloader)
                {
                    reloader.appendJson(sb);
                }
            });
        }
        Thread hook = null;
        if (installSignals)
        {
            if (!StopSignals.install(this::stop))
            {
                err.println("turnstile: this JVM cannot handle signals; SIGINT and SIGTERM stop it via shutdown hook");
            }
            // With fleet keys SIGHUP re-reads the master key file; otherwise it ends the server as before (129).
            if (null != reloader)
            {
                switch (StopSignals.installHangup(reloader::reload))
                {
                    case HANDLED_AFTER_RESET -> err.println("turnstile: SIGHUP was ignored when this process " +
                        "started (nohup?); it now re-reads the master key file and does not stop the server");
                    case IGNORED -> err.println("turnstile: SIGHUP is ignored in this process (nohup?) and could " +
                        "not be reset; it will not reload the master keys");
                    case UNAVAILABLE -> err.println("turnstile: this JVM cannot handle signals (-Xrs?); SIGHUP " +
                        "will not reload the master keys");
                    case HANDLED ->
                    {
                    }
                }
            }
            hook = new Thread(this::onShutdown, "turnstile-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
        }
        err.println("turnstile: " + server.workerCount() + " worker" + (server.workerCount() == 1 ? "" : "s") +
            ", " + (null != options.xdp() ? "AF_XDP on " + options.xdp().device() + " (queue = worker) + recvmmsg/sendmmsg" :
            server.isNative() ? "recvmmsg/sendmmsg" : "NIO DatagramChannel") +
            ", batch " + assembly.context().batchSize() + ", mac " + assembly.keys().algorithm().label() + ", " +
            options.keysText());
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
            final io.turnstile.server.dtls.TurnstileDtlsServer.Context dtls = echoContext.credentials().config();
            if (null != dtls.srtp() || null != dtls.clientCertificates())
            {
                err.println("turnstile: echo DTLS-SRTP " + (null == dtls.srtp() ? "off" : dtls.srtp()) +
                    "; client certificates " + (null == dtls.clientCertificates() ? "not requested" :
                    "requested, SHA-256 " + dtls.clientCertificates()));
            }
        }
        err.println("turnstile: counters in " + server.countersDirectory() + " ('turnstile stat --dir " +
            server.countersDirectory() + "' reads them)");
        err.println("turnstile: listening on " + PeerAddress.of(server.localAddress()));
        err.flush();
        listening.countDown();

        String reason;
        final long deadlineNs = options.durationNs() > 0 ? startNs + options.durationNs() : Long.MAX_VALUE;
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
}
