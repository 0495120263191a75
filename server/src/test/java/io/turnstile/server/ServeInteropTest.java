package io.turnstile.server;

import io.turnstile.nativeio.VerifierServer;
import org.bouncycastle.tls.CertificateRequest;
import org.bouncycastle.tls.DTLSClientProtocol;
import org.bouncycastle.tls.DefaultTlsClient;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.TlsAuthentication;
import org.bouncycastle.tls.TlsCredentials;
import org.bouncycastle.tls.TlsServerCertificate;
import org.bouncycastle.tls.UDPTransport;
import org.bouncycastle.tls.crypto.impl.bc.BcTlsCrypto;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code turnstile serve} against DTLS clients nobody here wrote: OpenSSL {@code s_client -dtls1_2}, GnuTLS
 * {@code gnutls-cli --udp} and BouncyCastle's {@link DTLSClientProtocol}, each over loopback. Each client gets an HVR,
 * comes back with the cookie, and the server's {@code verified} counter moves for it; the client then waits for a
 * ServerHello that never comes and is stopped by PID.
 * <p>
 * Most cases run the command in this JVM on a thread (the same {@link ServeCommand} the jar runs, without signal
 * handling); one starts {@link TurnstileMain} as a child JVM on the test class path, reads the listening line and the
 * JSON lines it prints, and stops it with SIGTERM. A missing client binary fails with the package to install.
 */
class ServeInteropTest
{
    private static final long WAIT_MS = 15_000;
    private static final long STOP_WAIT_MS = 5_000;
    private static final int BC_HANDSHAKE_TIMEOUT_MS = 3_000;
    private static final Pattern LISTENING = Pattern.compile("turnstile: listening on 127\\.0\\.0\\.1:(\\d+)");

    @TempDir
    Path tempDir;

    @BeforeEach
    void onLinux()
    {
        assumeTrue(System.getProperty("os.name").toLowerCase(Locale.ROOT).contains("linux"),
            "the interop clients and the server's native path are Linux-only here");
    }

    @Test
    @Timeout(value = 40, unit = TimeUnit.SECONDS)
    void shouldVerifyOpenSslDtls12() throws Exception
    {
        final String openssl = requireBinary("openssl", "openssl");
        runExternalClient("openssl", (port) -> List.of(openssl, "s_client", "-dtls1_2", "-connect", "127.0.0.1:" + port));
    }

    @Test
    @Timeout(value = 40, unit = TimeUnit.SECONDS)
    void shouldVerifyGnuTls() throws Exception
    {
        final String gnutls = requireBinary("gnutls-cli", "gnutls-bin");
        runExternalClient("gnutls",
            (port) -> List.of(gnutls, "--udp", "--insecure", "-p", Integer.toString(port), "127.0.0.1"));
    }

    @Test
    @Timeout(value = 40, unit = TimeUnit.SECONDS)
    void shouldVerifyBouncyCastle() throws Exception
    {
        final EmbeddedServe serve = EmbeddedServe.start(tempDir.resolve("bc-stats.json"), "--mac", "hmac-sha256");
        final AtomicReference<Throwable> clientFailure = new AtomicReference<>();
        try
        {
            final DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            final Thread client;
            try
            {
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), serve.port));
                final UDPTransport transport = new UDPTransport(socket, 1_500);
                client = new Thread(() ->
                {
                    try
                    {
                        new DTLSClientProtocol().connect(new ShortLivedDtlsClient(), transport);
                    }
                    catch (final Throwable t)
                    {
                        clientFailure.set(t);
                    }
                }, "bc-dtls-client");
                client.setDaemon(true);
                client.start();
                serve.awaitVerified(client::isAlive);
            }
            finally
            {
                // The client waits for a ServerHello that never comes: closing its socket ends it now.
                socket.close();
            }
            client.join(BC_HANDSHAKE_TIMEOUT_MS + STOP_WAIT_MS);
            assertFalse(client.isAlive(), "BouncyCastle client did not give up");
            assertNotNull(clientFailure.get(), "BouncyCastle completed a handshake without a ServerHello");
        }
        finally
        {
            serve.stop();
        }
        serve.assertCookieExchange();
        assertTrue(serve.err().contains("turnstile: verified hello from 127.0.0.1:"), serve.err());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldVerifyOpenSslAgainstTheCommandInItsOwnJvmAndStopOnSigterm() throws Exception
    {
        final String openssl = requireBinary("openssl", "openssl");
        final String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // Files, not pipes: the JDK drains a pipe when the process exits and lines written last can be lost.
        final Path errFile = tempDir.resolve("serve.err");
        final Path outFile = tempDir.resolve("serve.out");
        final Process server = new ProcessBuilder(java,
            "--enable-native-access=ALL-UNNAMED", "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED",
            "-cp", System.getProperty("java.class.path"), TurnstileMain.class.getName(),
            "serve", "--bind", "127.0.0.1:0", "--workers", "2", "--stats", "-")
            .redirectError(errFile.toFile())
            .redirectOutput(outFile.toFile())
            .start();
        Process client = null;
        try
        {
            awaitCondition(() -> findPort(lines(errFile)) > 0 || !server.isAlive(), "the listening line");
            final int port = findPort(lines(errFile));
            assertTrue(port > 0, "no listening line: " + lines(errFile));

            client = new ProcessBuilder(openssl, "s_client", "-dtls1_2", "-connect", "127.0.0.1:" + port)
                .redirectErrorStream(true)
                .redirectOutput(tempDir.resolve("openssl-subprocess.log").toFile())
                .start();
            final Process running = client;
            awaitCondition(() -> lastVerified(lines(outFile)) >= 1 || !running.isAlive() || !server.isAlive(),
                "a stats line with verified >= 1");
            assertTrue(lastVerified(lines(outFile)) >= 1, "verified did not move: " + lines(outFile) + "\n" +
                lines(errFile) +
                "\nopenssl: " + Files.readString(tempDir.resolve("openssl-subprocess.log")));
        }
        finally
        {
            if (null != client)
            {
                stop(client);
            }
            server.destroy();
            if (!server.waitFor(STOP_WAIT_MS, TimeUnit.MILLISECONDS))
            {
                server.destroyForcibly();
                server.waitFor(STOP_WAIT_MS, TimeUnit.MILLISECONDS);
            }
        }
        final List<String> errLines = lines(errFile);
        final List<String> statsLines = lines(outFile);

        assertEquals(0, server.exitValue(), "a clean stop on SIGTERM: " + errLines);
        final String err = String.join("\n", errLines);
        assertTrue(err.contains("turnstile: stopped (SIGTERM) after"), err);
        final String last = statsLines.getLast();
        assertTrue(ServeCommandTest.jsonLong(last, "hvr") >= 1, last);
        assertTrue(ServeCommandTest.jsonLong(last, "verified") >= 1, last);
        assertEquals(0, ServeCommandTest.jsonLong(last, "dropped"), last);
        assertEquals(2, ServeCommandTest.jsonLong(last, "workers"), last);
    }

    private void runExternalClient(final String name, final IntFunction<List<String>> command) throws Exception
    {
        final EmbeddedServe serve = EmbeddedServe.start(tempDir.resolve(name + "-stats.json"));
        final Path output = tempDir.resolve(name + ".log");
        try
        {
            // stdin stays an open pipe: s_client and gnutls-cli would otherwise stop at end of input.
            final Process process = new ProcessBuilder(command.apply(serve.port))
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();
            try
            {
                serve.awaitVerified(process::isAlive);
            }
            finally
            {
                stop(process);
            }
        }
        finally
        {
            serve.stop();
        }
        assertTrue(serve.verified >= 1,
            name + " did not verify: " + serve.err() + "\n" + name + ": " + Files.readString(output));
        serve.assertCookieExchange();
    }

    /**
     * {@code serve} on a thread of this JVM, bound to an ephemeral loopback port, writing stats to a file.
     */
    private static final class EmbeddedServe
    {
        private final ServeCommand command;
        private final Thread thread;
        private final ByteArrayOutputStream errBytes;
        private final Path stats;
        private final AtomicInteger exitCode;
        private final VerifierServer.Snapshot snapshot = new VerifierServer.Snapshot();
        private int port;
        private long verified;

        private EmbeddedServe(final ServeCommand command, final Thread thread, final ByteArrayOutputStream errBytes,
            final Path stats, final AtomicInteger exitCode)
        {
            this.exitCode = exitCode;
            this.command = command;
            this.thread = thread;
            this.errBytes = errBytes;
            this.stats = stats;
        }

        static EmbeddedServe start(final Path stats, final String... extra) throws InterruptedException
        {
            final ByteArrayOutputStream err = new ByteArrayOutputStream();
            final ServeCommand command = new ServeCommand(
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
            final List<String> args = new ArrayList<>(List.of(
                "--bind", "127.0.0.1:0", "--workers", "2", "--stats", stats.toString(), "--duration", "60"));
            args.addAll(List.of(extra));
            final AtomicInteger exitCode = new AtomicInteger(-1);
            final Thread thread = new Thread(
                () -> exitCode.set(command.run(args.toArray(String[]::new), false)), "turnstile-serve");
            thread.setDaemon(true);
            final EmbeddedServe serve = new EmbeddedServe(command, thread, err, stats, exitCode);
            thread.start();
            serve.port = command.awaitListening(WAIT_MS);
            assertTrue(serve.port > 0, "serve did not start: " + serve.err());
            return serve;
        }

        void awaitVerified(final BooleanSupplier clientAlive) throws InterruptedException
        {
            awaitCondition(() ->
            {
                final VerifierServer.Snapshot s = command.snapshot(snapshot);
                verified = null == s ? verified : s.verified();
                return verified >= 1 || !clientAlive.getAsBoolean();
            }, "verified >= 1");
        }

        void stop() throws InterruptedException
        {
            command.stop("test done");
            thread.join(STOP_WAIT_MS * 2);
            assertFalse(thread.isAlive(), "serve did not stop");
        }

        String err()
        {
            return errBytes.toString(StandardCharsets.UTF_8);
        }

        /**
         * The final stats line, written at stop, has the HVR and the verified hello, and nothing was dropped.
         */
        void assertCookieExchange() throws IOException
        {
            assertEquals(0, exitCode.get(), err());
            assertTrue(err().contains("turnstile: stopped (test done) after"), err());
            final List<String> lines = Files.readAllLines(stats, StandardCharsets.UTF_8);
            assertFalse(lines.isEmpty(), err());
            final String last = lines.getLast();
            assertTrue(ServeCommandTest.jsonLong(last, "hvr") >= 1, last);
            assertTrue(ServeCommandTest.jsonLong(last, "verified") >= 1, last);
            assertEquals(0, ServeCommandTest.jsonLong(last, "dropped"), last);
            assertEquals(ServeCommandTest.jsonLong(last, "verified"), ServeCommandTest.jsonLong(last, "valid"),
                "every verified hello had a valid current-key cookie: " + last);
        }
    }

    /**
     * A DTLS 1.2 client that accepts any server and gives up after {@link #BC_HANDSHAKE_TIMEOUT_MS}.
     */
    private static final class ShortLivedDtlsClient extends DefaultTlsClient
    {
        ShortLivedDtlsClient()
        {
            super(new BcTlsCrypto(new SecureRandom()));
        }

        protected ProtocolVersion[] getSupportedVersions()
        {
            return ProtocolVersion.DTLSv12.only();
        }

        public int getHandshakeTimeoutMillis()
        {
            return BC_HANDSHAKE_TIMEOUT_MS;
        }

        public TlsAuthentication getAuthentication()
        {
            return new TlsAuthentication()
            {
                public void notifyServerCertificate(final TlsServerCertificate serverCertificate)
                {
                }

                public TlsCredentials getClientCredentials(final CertificateRequest certificateRequest)
                {
                    return null;
                }
            };
        }
    }

    private static int findPort(final List<String> lines)
    {
        for (final String line : lines)
        {
            final Matcher matcher = LISTENING.matcher(line);
            if (matcher.find())
            {
                return Integer.parseInt(matcher.group(1));
            }
        }
        return -1;
    }

    private static long lastVerified(final List<String> statsLines)
    {
        return statsLines.isEmpty() ? 0 : ServeCommandTest.jsonLong(statsLines.getLast(), "verified");
    }

    private static List<String> lines(final Path file)
    {
        try
        {
            final List<String> lines = new ArrayList<>();
            for (final String line : Files.readAllLines(file, StandardCharsets.UTF_8))
            {
                // A line being written may be cut short: only whole JSON objects count.
                if (!line.startsWith("{") || line.endsWith("}"))
                {
                    lines.add(line);
                }
            }
            return lines;
        }
        catch (final IOException ex)
        {
            return List.of();
        }
    }

    private static void awaitCondition(final BooleanSupplier condition, final String what) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() - deadline > 0)
            {
                fail("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    private static void stop(final Process process) throws InterruptedException
    {
        process.destroy();
        if (!process.waitFor(STOP_WAIT_MS, TimeUnit.MILLISECONDS))
        {
            process.destroyForcibly();
            process.waitFor(STOP_WAIT_MS, TimeUnit.MILLISECONDS);
        }
        try
        {
            process.getOutputStream().close();
        }
        catch (final IOException ignore)
        {
            // the process is gone: its stdin pipe may already be broken
        }
    }

    private static String requireBinary(final String name, final String debianPackage)
    {
        final String path = System.getenv("PATH");
        if (path != null)
        {
            for (final String directory : path.split(File.pathSeparator))
            {
                final Path candidate = Path.of(directory, name);
                if (!directory.isEmpty() && Files.isRegularFile(candidate) && Files.isExecutable(candidate))
                {
                    return candidate.toString();
                }
            }
        }
        return fail(name + " is not on the PATH (" + path + "): this interop test needs a real client. Install it " +
            "with: apt-get install -y " + debianPackage + " (scripts/test does)");
    }
}
