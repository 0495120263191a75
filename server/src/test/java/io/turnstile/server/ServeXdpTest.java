package io.turnstile.server;

import org.bouncycastle.tls.BasicTlsPSKIdentity;
import org.bouncycastle.tls.DTLSClientProtocol;
import org.bouncycastle.tls.DTLSTransport;
import org.bouncycastle.tls.PSKTlsClient;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.UDPTransport;
import org.bouncycastle.tls.crypto.impl.bc.BcTlsCrypto;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code turnstile serve --xdp}: the server in a namespace of its own behind a veth, the XDP program on its side,
 * clients in another namespace. openssl's, gnutls-cli's and BouncyCastle's cookie exchange goes through the AF_XDP socket (the stats' {@code "xdp"}
 * object counts the hellos received and the HelloVerifyRequests sent through it), the handshake after verification
 * through the kernel socket, and the echo comes back; over IPv4 and IPv6. A datagram that cannot be DTLS is dropped
 * in the kernel and counted. After a clean stop no program is left on the device. Root only; skipped elsewhere.
 */
class ServeXdpTest
{
    private static final int PORT = 4433;
    private static final String PSK_HEX = "00112233445566778899aabbccddeeff";

    @TempDir
    Path tempDir;

    @Test
    @Timeout(90)
    void shouldExchangeCookiesThroughAfXdpAndEchoThroughTheKernelSocketWithOpenssl() throws Exception
    {
        final XdpNetwork network = XdpNetwork.create();
        assumeTrue(null != network && null != binary("openssl"));
        try (network)
        {
            final String bind = XdpNetwork.SERVER_V4 + ":" + PORT;
            final String xdp = serveAndEcho(network, XdpNetwork.SERVER_V4, bind,
                List.of(binary("openssl"), "s_client", "-dtls1_2", "-quiet", "-connect", bind));
            assertTrue(ServeCommandTest.jsonLong(xdp, "rx") >= 2, "first hello and cookie hello via AF_XDP: " + xdp);
            assertTrue(ServeCommandTest.jsonLong(xdp, "tx") >= 1, "the HelloVerifyRequest left via AF_XDP: " + xdp);
            assertTrue(ServeCommandTest.jsonLong(xdp, "socket_passed") >= 1, "the handshake via the kernel: " + xdp);
            assertTrue(ServeCommandTest.jsonLong(xdp, "dropped_in_kernel") >= 1, "the junk datagram: " + xdp);
            assertFalse(network.serverLink().contains("xdp"), "a program is left attached: " + network.serverLink());
        }
    }

    @Test
    @Timeout(90)
    void shouldExchangeCookiesThroughAfXdpOverIpv6() throws Exception
    {
        final XdpNetwork network = XdpNetwork.create();
        assumeTrue(null != network && null != binary("openssl"));
        try (network)
        {
            final String bind = "[" + XdpNetwork.SERVER_V6 + "]:" + PORT;
            final String xdp = serveAndEcho(network, XdpNetwork.SERVER_V6, bind,
                List.of(binary("openssl"), "s_client", "-dtls1_2", "-quiet", "-connect", bind));
            assertTrue(ServeCommandTest.jsonLong(xdp, "rx") >= 2, xdp);
            assertTrue(ServeCommandTest.jsonLong(xdp, "tx") >= 1, xdp);
            assertFalse(network.serverLink().contains("xdp"), network.serverLink());
        }
    }

    @Test
    @Timeout(90)
    void shouldExchangeCookiesThroughAfXdpAndEchoWithGnutlsCli() throws Exception
    {
        final XdpNetwork network = XdpNetwork.create();
        assumeTrue(null != network && null != binary("gnutls-cli"));
        try (network)
        {
            final String xdp = serveAndEcho(network, XdpNetwork.SERVER_V4, XdpNetwork.SERVER_V4 + ":" + PORT,
                List.of(binary("gnutls-cli"), "--udp", "--insecure", "-p", Integer.toString(PORT),
                    XdpNetwork.SERVER_V4));
            assertTrue(ServeCommandTest.jsonLong(xdp, "rx") >= 2, xdp);
            assertTrue(ServeCommandTest.jsonLong(xdp, "tx") >= 1, xdp);
            assertFalse(network.serverLink().contains("xdp"), network.serverLink());
        }
    }

    @Test
    @Timeout(90)
    void shouldExchangeCookiesThroughAfXdpAndEchoWithTheBouncyCastleClientWhileBusyPolling() throws Exception
    {
        final XdpNetwork network = XdpNetwork.create();
        assumeTrue(null != network);
        try (network)
        {
            final String xdp = serveAndEcho(network, XdpNetwork.SERVER_V4, XdpNetwork.SERVER_V4 + ":" + PORT,
                List.of("--psk-identity", "client1", "--psk-hex", PSK_HEX, "--xdp-busy-poll"),
                (line) -> echoWithBouncyCastle(network, line));
            assertTrue(ServeCommandTest.jsonLong(xdp, "rx") >= 2, xdp);
            assertTrue(ServeCommandTest.jsonLong(xdp, "tx") >= 1, xdp);
        }
    }

    private static String echoWithBouncyCastle(final XdpNetwork network, final String line) throws Exception
    {
        final AtomicReference<String> echoed = new AtomicReference<>("no echo");
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread client = new Thread(() ->
        {
            try
            {
                network.enterClient();
                try (DatagramSocket socket = new DatagramSocket(
                    new InetSocketAddress(InetAddress.getByName(XdpNetwork.CLIENT_V4), 0)))
                {
                    socket.connect(InetAddress.getByName(XdpNetwork.SERVER_V4), PORT);
                    final DTLSTransport transport =
                        new DTLSClientProtocol().connect(new PskClient(), new UDPTransport(socket, 1500));
                    final byte[] out = line.getBytes(StandardCharsets.UTF_8);
                    transport.send(out, 0, out.length);
                    final byte[] in = new byte[2048];
                    final int length = transport.receive(in, 0, in.length, 5_000);
                    echoed.set(length < 0 ? "no echo within 5 s" : new String(in, 0, length, StandardCharsets.UTF_8));
                    transport.close();
                }
            }
            catch (final Throwable t)
            {
                failure.set(t);
            }
        }, "bc-client");
        client.start();
        client.join(30_000);
        return null != failure.get() ? "failed: " + failure.get() : echoed.get();
    }

    private static final class PskClient extends PSKTlsClient
    {
        PskClient()
        {
            super(new BcTlsCrypto(new SecureRandom()), new BasicTlsPSKIdentity(
                "client1".getBytes(StandardCharsets.UTF_8), HexFormat.of().parseHex(PSK_HEX)));
        }

        @Override
        protected ProtocolVersion[] getSupportedVersions()
        {
            return ProtocolVersion.DTLSv12.only();
        }
    }

    @Test
    @Timeout(30)
    void shouldExitTwoNamingTheDeviceWhenItDoesNotExist()
    {
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final int code = TurnstileMain.run(new String[]{ "serve", "--bind", "127.0.0.1:" + PORT, "--workers", "1",
            "--xdp", "tsxnodev0", "--duration", "1" }, new PrintStream(new ByteArrayOutputStream(), true),
            new PrintStream(err, true, StandardCharsets.UTF_8));
        final String text = err.toString(StandardCharsets.UTF_8);
        assertEquals(2, code, text);
        // As root the device is what is missing; without, the capability (bpf(2) refused): either is named.
        assertTrue(text.contains("tsxnodev0") || text.contains("CAP_"), text);
    }

    /**
     * Serve with --xdp --echo in the server namespace, send one junk datagram, have openssl echo a line, stop, and
     * return the last stats line's {@code "xdp"} object.
     */
    private String serveAndEcho(
        final XdpNetwork network, final String host, final String bind, final List<String> client) throws Exception
    {
        return serveAndEcho(network, host, bind, List.of(), (line) -> echoThroughProcess(network, client, line));
    }

    @Test
    @Timeout(120)
    void shouldEchoEveryClientWithTwoRxQueuesAndTwoWorkers() throws Exception
    {
        final XdpNetwork network = XdpNetwork.create(2);
        assumeTrue(null != network && null != binary("openssl"));
        try (network)
        {
            final String bind = XdpNetwork.SERVER_V4 + ":" + PORT;
            final List<String> openssl = List.of(binary("openssl"), "s_client", "-dtls1_2", "-quiet", "-connect", bind);
            // Eight clients, eight source ports, hashed over both queues by the client's kernel: each one's handshake
            // after verification must reach the worker that verified it (RxQueueSteering), or it would get no echo.
            final String xdp = serveAndEcho(network, XdpNetwork.SERVER_V4, bind, List.of("--workers", "2"), (line) ->
            {
                for (int i = 0; i < 8; i++)
                {
                    final String echoed = echoThroughProcess(network, openssl, line + " " + i);
                    if (!echoed.equals(line + " " + i))
                    {
                        return "client " + i + ": " + echoed;
                    }
                }
                return line;
            });
            assertTrue(ServeCommandTest.jsonLong(xdp, "rx") >= 16, xdp);
            assertTrue(ServeCommandTest.jsonLong(xdp, "tx") >= 8, xdp);
        }
    }

    @Test
    @Timeout(90)
    void shouldDropCookieLessHellosOverTheRateLimitInTheKernelAndStillLetACookieHelloThrough() throws Exception
    {
        final XdpNetwork network = XdpNetwork.create();
        assumeTrue(null != network && null != binary("openssl"));
        try (network)
        {
            final String bind = XdpNetwork.SERVER_V4 + ":" + PORT;
            final Path hello = Path.of("..", "core", "src", "test", "resources", "corpus",
                "openssl-dtls12-ch1-nocookie.bin").toAbsolutePath();
            final List<String> openssl = List.of(binary("openssl"), "s_client", "-dtls1_2", "-quiet", "-connect", bind);
            // One cookie-less hello per second, one at once: a burst of 20 spends the token, and openssl's first
            // hello waits for the next one (its retransmission); its cookie hello passes the bucket untouched.
            final String xdp = serveAndEcho(network, XdpNetwork.SERVER_V4, bind,
                List.of("--xdp-hello-rate", "1", "--xdp-hello-burst", "1"), (line) ->
                {
                    final Process burst = new ProcessBuilder(network.inClient(List.of("bash", "-c",
                        "for i in $(seq 20); do cat '" + hello + "' > /dev/udp/" + XdpNetwork.SERVER_V4 + "/" + PORT +
                        "; done"))).redirectErrorStream(true).start();
                    assertTrue(burst.waitFor(10, TimeUnit.SECONDS));
                    return echoThroughProcess(network, openssl, line);
                });
            assertTrue(ServeCommandTest.jsonLong(xdp, "rate_limited") >= 15, "the burst dropped in the kernel: " + xdp);
            assertTrue(ServeCommandTest.jsonLong(xdp, "tx") >= 1, "openssl's HelloVerifyRequest: " + xdp);
        }
    }

    /**
     * A client that sends a line through the server and returns what came back (or why nothing did).
     */
    @FunctionalInterface
    private interface EchoClient
    {
        String echo(String line) throws Exception;
    }

    private String echoThroughProcess(final XdpNetwork network, final List<String> client, final String line)
        throws Exception
    {
        final Path clientErr = tempDir.resolve("client.err");
        final Process process = new ProcessBuilder(network.inClient(client)).redirectError(clientErr.toFile()).start();
        try
        {
            final OutputStream stdin = process.getOutputStream();
            stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            stdin.flush();
            final BufferedReader stdout = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            String read;
            while ((read = stdout.readLine()) != null)
            {
                if (read.equals(line))
                {
                    return read;
                }
            }
            return "no echo; client stderr: " + Files.readString(clientErr);
        }
        finally
        {
            process.destroy();
            if (!process.waitFor(2, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
            }
        }
    }

    private String serveAndEcho(
        final XdpNetwork network, final String host, final String bind, final List<String> extraArgs,
        final EchoClient client) throws Exception
    {
        final Path stats = tempDir.resolve("stats.jsonl");
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final ServeCommand command = new ServeCommand(
            new PrintStream(new ByteArrayOutputStream(), true), new PrintStream(err, true, StandardCharsets.UTF_8));
        final AtomicInteger exit = new AtomicInteger(-1);
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final List<String> args = new java.util.ArrayList<>(List.of("--bind", bind, "--xdp",
            network.serverInterface(), "--echo", "--stats", stats.toString(), "--duration", "90"));
        args.addAll(extraArgs);
        if (!args.contains("--workers"))
        {
            args.addAll(List.of("--workers", "1"));
        }
        final Thread serving = new Thread(() ->
        {
            try
            {
                // The workers this thread starts inherit its namespace.
                network.enterServer();
                exit.set(command.run(args.toArray(new String[0]), false));
            }
            catch (final Throwable t)
            {
                failure.set(t);
            }
        }, "serve-xdp");
        serving.start();
        final String line = "through the front door " + host;
        String echoed = null;
        try
        {
            final int port = command.awaitListening(20_000);
            assertTrue(port > 0, () -> "serve did not start: " + err + " " + failure.get());
            final String destination = "/dev/udp/" + host + "/" + PORT;
            final Process junk = new ProcessBuilder(network.inClient(
                List.of("bash", "-c", "echo not-dtls > " + destination))).redirectErrorStream(true).start();
            assertTrue(junk.waitFor(10, TimeUnit.SECONDS));

            echoed = client.echo(line);
            if (!line.equals(echoed))
            {
                echoed = echoed + "\nserve stderr: " + err;
            }
        }
        finally
        {
            command.stop("test done");
            serving.join(15_000);
        }
        assertEquals(line, echoed);
        assertEquals(0, exit.get(), err::toString);
        final List<String> lines = Files.readAllLines(stats, StandardCharsets.UTF_8);
        final String last = lines.get(lines.size() - 1);
        final int start = last.indexOf("\"xdp\":{");
        assertTrue(start >= 0, last);
        final String xdp = last.substring(start, last.indexOf('}', start) + 1);
        assertTrue(ServeCommandTest.jsonLong(last, "hvr") >= 1, last);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("AF_XDP on " + network.serverInterface()), err::toString);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("  xdp: "), err::toString);
        assertTrue(ServeCommandTest.jsonLong(last, "verified") >= 1, last);
        return xdp;
    }

    private static String binary(final String name)
    {
        for (final String directory : System.getenv("PATH").split(File.pathSeparator))
        {
            final File file = new File(directory, name);
            if (file.canExecute())
            {
                return file.getAbsolutePath();
            }
        }
        return null;
    }
}
