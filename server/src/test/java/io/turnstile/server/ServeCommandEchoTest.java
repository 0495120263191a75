package io.turnstile.server;

import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.BasicTlsPSKIdentity;
import org.bouncycastle.tls.CipherSuite;
import org.bouncycastle.tls.DTLSClientProtocol;
import org.bouncycastle.tls.DatagramTransport;
import org.bouncycastle.tls.DefaultTlsClient;
import org.bouncycastle.tls.PSKTlsClient;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.TlsAuthentication;
import org.bouncycastle.tls.TlsClient;
import org.bouncycastle.tls.TlsFatalAlertReceived;
import org.bouncycastle.tls.UDPTransport;
import org.bouncycastle.tls.crypto.impl.bc.BcTlsCrypto;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code turnstile serve --echo} end to end, embedded: the command parses the echo options, attaches the handoff to
 * its workers, and a real {@code openssl s_client -dtls1_2} gets its line echoed with a PSK and with PEM files made
 * by {@code openssl req}. The JSON statistics carry the echo counters.
 */
class ServeCommandEchoTest
{
    private static final String PSK_HEX = "00112233445566778899aabbccddeeff";

    @TempDir
    Path tempDir;

    @Test
    @Timeout(value = 40, unit = TimeUnit.SECONDS)
    void shouldEchoWithPreSharedKey() throws Exception
    {
        final String openssl = requireBinary("openssl");
        final Path stats = tempDir.resolve("stats.jsonl");
        final String echoed = serveAndEcho(
            List.of("--echo", "--psk-identity", "client1", "--psk-hex", PSK_HEX, "--stats", stats.toString()),
            (port) -> List.of(openssl, "s_client", "-dtls1_2", "-quiet", "-psk_identity", "client1", "-psk",
                PSK_HEX, "-connect", "127.0.0.1:" + port), "psk echo line");
        assertEquals("psk echo line", echoed);
        final String last = lastLine(stats);
        assertTrue(last.contains("\"echo\":{") && last.contains("\"completed\":1") && last.contains("\"echoed\":1"),
            last);
    }

    @Test
    @Timeout(value = 40, unit = TimeUnit.SECONDS)
    void shouldEchoWithPemCertificateAndKey() throws Exception
    {
        final String openssl = requireBinary("openssl");
        final Path cert = tempDir.resolve("cert.pem");
        final Path key = tempDir.resolve("key.pem");
        final Process req = new ProcessBuilder(openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt",
            "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key.toString(), "-out", cert.toString(), "-subj",
            "/CN=turnstile-pem", "-days", "1").redirectErrorStream(true).start();
        req.getInputStream().readAllBytes();
        assertTrue(req.waitFor(20, TimeUnit.SECONDS) && req.exitValue() == 0, "openssl req made a key pair");

        final String echoed = serveAndEcho(
            List.of("--echo", "--cert", cert.toString(), "--key", key.toString(), "--stats", "-"),
            (port) -> List.of(openssl, "s_client", "-dtls1_2", "-quiet", "-connect", "127.0.0.1:" + port),
            "pem echo line");
        assertEquals("pem echo line", echoed);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldCountFailedHandshakesByCauseInStatsAndSummary() throws Exception
    {
        final Path stats = tempDir.resolve("failures.jsonl");
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final ServeCommand command = new ServeCommand(
            new PrintStream(new ByteArrayOutputStream(), true), new PrintStream(err, true, StandardCharsets.UTF_8));
        final AtomicInteger exit = new AtomicInteger(-1);
        final Thread serving = new Thread(() -> exit.set(command.run(new String[]{ "--bind", "127.0.0.1:0",
            "--workers", "1", "--echo", "--psk-identity", "client1", "--psk-hex", PSK_HEX, "--handshake-timeout", "1",
            "--stats", stats.toString(), "--duration", "50" }, false)), "serve");
        serving.start();
        try
        {
            final int port = command.awaitListening(20_000);
            assertTrue(port > 0, () -> "serve did not start: " + err);

            // No common suite: a certificate-only client against a PSK server.
            final TlsFatalAlertReceived refused = assertThrows(TlsFatalAlertReceived.class,
                () -> connect(port, new CertificateOnlyClient(5_000), Integer.MAX_VALUE));
            assertEquals(AlertDescription.handshake_failure, refused.getAlertDescription());

            // Silent after its cookie hello: the server's handshake timer (1 s) runs out.
            assertThrows(IOException.class,
                () -> connect(port, new PskClient("client1", PSK_HEX, 3_000), 2));
        }
        finally
        {
            command.stop("test done");
            serving.join(10_000);
        }
        assertEquals(0, exit.get(), err::toString);
        final String text = err.toString(StandardCharsets.UTF_8);
        final String last = lastLine(stats);
        assertTrue(last.contains("\"failures\":{\"handshake_failure\":1,\"timeout\":1,\"other\":0}"), last);
        assertEquals(1, ServeCommandTest.jsonLong(last, "failed"), last);
        assertTrue(text.contains("echo handshake failures by cause: handshake_failure=1 timeout=1"), text);
        assertTrue(text.contains("failed: handshake_failure sent: TlsFatalAlert: handshake_failure(40); " +
            "No selectable cipher suite"), text);
        assertTrue(text.contains("failed: timeout: the handshake did not complete within 1000 ms"), text);
    }

    /**
     * Connect a BouncyCastle client whose transport goes silent after {@code sends} datagrams.
     */
    private static void connect(final int port, final TlsClient client, final int sends) throws IOException
    {
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)))
        {
            socket.connect(InetAddress.getLoopbackAddress(), port);
            final DatagramTransport udp = new UDPTransport(socket, 1500);
            final AtomicInteger sent = new AtomicInteger();
            final DatagramTransport silencing = new DatagramTransport()
            {
                @Override
                public int getReceiveLimit() throws IOException
                {
                    return udp.getReceiveLimit();
                }

                @Override
                public int getSendLimit() throws IOException
                {
                    return udp.getSendLimit();
                }

                @Override
                public int receive(final byte[] buf, final int off, final int len, final int waitMillis)
                    throws IOException
                {
                    return udp.receive(buf, off, len, waitMillis);
                }

                @Override
                public void send(final byte[] buf, final int off, final int len) throws IOException
                {
                    if (sent.incrementAndGet() <= sends)
                    {
                        udp.send(buf, off, len);
                    }
                }

                @Override
                public void close() throws IOException
                {
                    udp.close();
                }
            };
            new DTLSClientProtocol().connect(client, silencing).close();
        }
    }

    private static final class CertificateOnlyClient extends DefaultTlsClient
    {
        private final int timeoutMillis;

        CertificateOnlyClient(final int timeoutMillis)
        {
            super(new BcTlsCrypto(new SecureRandom()));
            this.timeoutMillis = timeoutMillis;
        }

        @Override
        protected ProtocolVersion[] getSupportedVersions()
        {
            return ProtocolVersion.DTLSv12.only();
        }

        @Override
        protected int[] getSupportedCipherSuites()
        {
            return new int[]{ CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 };
        }

        @Override
        public int getHandshakeTimeoutMillis()
        {
            return timeoutMillis;
        }

        @Override
        public TlsAuthentication getAuthentication()
        {
            return null;
        }
    }

    private static final class PskClient extends PSKTlsClient
    {
        private final int timeoutMillis;

        PskClient(final String identity, final String hexKey, final int timeoutMillis)
        {
            super(new BcTlsCrypto(new SecureRandom()), new BasicTlsPSKIdentity(
                identity.getBytes(StandardCharsets.UTF_8), java.util.HexFormat.of().parseHex(hexKey)));
            this.timeoutMillis = timeoutMillis;
        }

        @Override
        protected ProtocolVersion[] getSupportedVersions()
        {
            return ProtocolVersion.DTLSv12.only();
        }

        @Override
        public int getHandshakeTimeoutMillis()
        {
            return timeoutMillis;
        }
    }

    @Test
    void shouldRefuseEchoOptionsWithoutEcho()
    {
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final int code = new ServeCommand(new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true))
            .run(new String[]{ "--bind", "127.0.0.1:0", "--psk-identity", "a", "--psk-hex", PSK_HEX }, false);
        assertEquals(2, code);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("apply to --echo only"), err::toString);
    }

    @Test
    void shouldParseRequireSecureRenegotiationForEchoOnly()
    {
        assertTrue(ServeOptions.parse("--bind", "127.0.0.1:0", "--echo", "--require-secure-renegotiation")
            .echo().requireSecureRenegotiation());
        assertFalse(ServeOptions.parse("--bind", "127.0.0.1:0", "--echo").echo().requireSecureRenegotiation(),
            "accepted by default: the DTLS server never renegotiates");
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final int code = new ServeCommand(new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true))
            .run(new String[]{ "--bind", "127.0.0.1:0", "--require-secure-renegotiation" }, false);
        assertEquals(2, code);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("apply to --echo only"), err::toString);
    }

    @Test
    void shouldRefuseShortPreSharedKey()
    {
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final int code = new ServeCommand(new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true))
            .run(new String[]{ "--bind", "127.0.0.1:0", "--echo", "--psk-identity", "a", "--psk-hex", "0011" }, false);
        assertEquals(2, code);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--psk-hex must hold at least 16 bytes"),
            err::toString);
    }

    private String serveAndEcho(
        final List<String> options, final java.util.function.IntFunction<List<String>> client, final String line)
        throws Exception
    {
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final ServeCommand command = new ServeCommand(
            new PrintStream(new ByteArrayOutputStream(), true), new PrintStream(err, true));
        final List<String> args = new ArrayList<>(List.of("--bind", "127.0.0.1:0", "--workers", "1"));
        args.addAll(options);
        final AtomicInteger exit = new AtomicInteger(-1);
        final Thread serving = new Thread(() -> exit.set(command.run(args.toArray(new String[0]), false)), "serve");
        serving.start();
        Process process = null;
        try
        {
            final int port = command.awaitListening(20_000);
            assertTrue(port > 0, () -> "serve did not start: " + err);
            final Path stderr = tempDir.resolve("client.err");
            process = new ProcessBuilder(client.apply(port)).redirectError(stderr.toFile()).start();
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
            return "no echo; client stderr: " + Files.readString(stderr) + "\nserve stderr: " + err;
        }
        finally
        {
            if (null != process)
            {
                process.destroy();
                if (!process.waitFor(2, TimeUnit.SECONDS))
                {
                    process.destroyForcibly();
                }
            }
            command.stop("test done");
            serving.join(10_000);
            assertEquals(0, exit.get(), err::toString);
            assertTrue(err.toString(StandardCharsets.UTF_8).contains("echo:"), err::toString);
        }
    }

    private static String lastLine(final Path file) throws Exception
    {
        final List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
    }

    private static String requireBinary(final String name)
    {
        for (final String directory : System.getenv("PATH").split(File.pathSeparator))
        {
            final Path candidate = Path.of(directory, name);
            if (Files.isExecutable(candidate))
            {
                return candidate.toString();
            }
        }
        return fail(name + " is not on the PATH: apt-get install -y " + name);
    }
}
