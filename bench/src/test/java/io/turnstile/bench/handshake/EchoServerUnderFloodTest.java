package io.turnstile.bench.handshake;

import io.turnstile.nativeio.LibC;
import io.turnstile.nativeio.VerifierServer;
import io.turnstile.server.handshake.EchoServer;
import io.turnstile.server.handshake.ServerCredentials;
import io.turnstile.server.handshake.SessionTable;
import io.turnstile.tools.flood.FloodReport;
import io.turnstile.tools.flood.SpoofedFlood;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCryptoProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue 5's system test: while a bounded spoofed flood of cookie-less hellos runs against the echo server's port,
 * real clients nobody here wrote — {@code openssl s_client -dtls1_2}, {@code gnutls-cli --udp} and BouncyCastle's
 * {@code DTLSClientProtocol} — still complete the cookie exchange, the handshake and an application-data echo.
 * <p>
 * The flood is {@link SpoofedFlood} in raw mode (random sources over 127.1.0.0/16, replies to sink sockets), or in
 * UDP mode where raw sockets are refused; it is bounded by time and packets and stopped when the clients are done.
 * The test asserts the flood really ran alongside (the server received thousands of its hellos while the clients
 * worked), never how fast anything was.
 */
class EchoServerUnderFloodTest
{
    private static final long FLOOD_RATE = 20_000;
    private static final long FLOOD_MAX_MS = 60_000;
    private static final int CLIENT_WAIT_S = 25;
    private static final byte[] PSK_IDENTITY = "unused".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PSK = new byte[16];

    private EchoServer echo;
    private VerifierServer server;
    private SpoofedFlood flood;
    private Thread floodThread;
    private final AtomicReference<Object> floodOutcome = new AtomicReference<>();
    private final List<Process> processes = new ArrayList<>();

    @BeforeEach
    void startServerAndFlood() throws Exception
    {
        assumeTrue(LibC.isAvailable(), "the flood needs the Linux bindings");
        echo = new EchoServer(new SessionTable.Context().credentials(ServerCredentials.selfSigned("turnstile-test")));
        server = new VerifierServer(new VerifierServer.Context()
            .bindAddress(InetAddress.getLoopbackAddress())
            .port(0)
            .workers(1)
            .agentConfigurator(echo::configure)).start();
        final InetSocketAddress address = server.localAddress();
        flood = new SpoofedFlood(new SpoofedFlood.Context()
            .targetAddress(address.getAddress())
            .targetPort(address.getPort())
            .mode(SpoofedFlood.Mode.RAW)
            .fallbackToUdp(true)
            .sources("127.1.0.0/16")
            .rate(FLOOD_RATE)
            .durationNs(TimeUnit.MILLISECONDS.toNanos(FLOOD_MAX_MS))
            .maxPackets(FLOOD_RATE * FLOOD_MAX_MS / 1_000)
            .notice(line -> { }));
        floodThread = new Thread(() ->
        {
            try
            {
                floodOutcome.set(flood.run());
            }
            catch (final RuntimeException | Error ex)
            {
                floodOutcome.set(ex);
            }
        }, "echo-flood");
        floodThread.setDaemon(true);
        floodThread.start();
        // The flood is running before any client starts.
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (flood.sent() < FLOOD_RATE / 4 && System.nanoTime() < deadline && floodThread.isAlive())
        {
            Thread.sleep(10);
        }
    }

    @AfterEach
    void stopEverything() throws Exception
    {
        for (final Process process : processes)
        {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
        if (null != flood)
        {
            flood.stop();
            floodThread.join(10_000);
        }
        if (null != server)
        {
            server.close();
        }
        if (null != echo)
        {
            echo.close();
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shouldHandshakeAndEchoForEveryClientWhileTheFloodRuns() throws Exception
    {
        final InetSocketAddress address = server.localAddress();
        final long rxBefore = server.snapshot(new VerifierServer.Snapshot()).received();

        assertEquals("echo me, openssl", runLineClient(List.of(requireBinary("openssl"), "s_client", "-dtls1_2",
            "-quiet", "-connect", "127.0.0.1:" + address.getPort()), "echo me, openssl"));
        assertEquals("echo me, gnutls", runLineClient(List.of(requireBinary("gnutls-cli"), "--udp", "--insecure",
            "-p", Integer.toString(address.getPort()), "127.0.0.1"), "echo me, gnutls"));

        final HandshakeLoop bouncyCastle = new HandshakeLoop(InetAddress.getByName("127.0.0.2"), address,
            HandshakeBenchmark.Mode.CERT, new JcaTlsCryptoProvider().create(new SecureRandom()), PSK_IDENTITY, PSK,
            10_000, System.nanoTime() + TimeUnit.SECONDS.toNanos(CLIENT_WAIT_S), 3, 0, null);
        bouncyCastle.run();
        assertEquals(3, bouncyCastle.completed(), "BouncyCastle handshakes + echoes; failures " +
            bouncyCastle.failures());

        assertTrue(floodThread.isAlive(), "the flood was still running when the last client finished");
        final long floodDatagrams = server.snapshot(new VerifierServer.Snapshot()).received() - rxBefore;
        assertTrue(floodDatagrams > 1_000, "the server received the flood while the clients ran: " + floodDatagrams);
        assertTrue(echo.table().completed() >= 5, "openssl, gnutls-cli and 3 BouncyCastle handshakes completed: " +
            echo.table().completed());

        flood.stop();
        floodThread.join(10_000);
        final Object outcome = floodOutcome.get();
        assertNotNull(outcome, "the flood ended");
        assertTrue(outcome instanceof FloodReport, () -> "the flood ran without error: " + outcome);
        assertTrue(((FloodReport)outcome).sent() > 0);
    }

    private String runLineClient(final List<String> command, final String line) throws Exception
    {
        final File stderr = File.createTempFile("turnstile-client", ".err");
        stderr.deleteOnExit();
        final Process process = new ProcessBuilder(command).redirectError(stderr).start();
        processes.add(process);
        final OutputStream stdin = process.getOutputStream();
        // Both clients send what stdin gives them once their handshake is done.
        stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        stdin.flush();
        final AtomicReference<String> echoed = new AtomicReference<>();
        final Thread reader = new Thread(() ->
        {
            try (BufferedReader stdout = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)))
            {
                String read;
                while ((read = stdout.readLine()) != null)
                {
                    if (read.equals(line))
                    {
                        echoed.set(read);
                        return;
                    }
                }
            }
            catch (final java.io.IOException ignore)
            {
                // the process was stopped: no echo
            }
        });
        reader.setDaemon(true);
        reader.start();
        reader.join(TimeUnit.SECONDS.toMillis(CLIENT_WAIT_S));
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        return null != echoed.get() ? echoed.get() :
            "no echo from " + command.getFirst() + "; stderr: " + java.nio.file.Files.readString(stderr.toPath());
    }

    private static String requireBinary(final String name)
    {
        for (final String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator))
        {
            final File file = new File(dir, name);
            if (file.canExecute())
            {
                return file.getPath();
            }
        }
        throw new AssertionError(name + " is not installed: scripts/test installs it (apt-get install -y " +
            ("openssl".equals(name) ? "openssl" : "gnutls-bin") + ")");
    }
}
