package io.turnstile.server;

import org.bouncycastle.tls.CertificateRequest;
import org.bouncycastle.tls.CipherSuite;
import org.bouncycastle.tls.DTLSClientProtocol;
import org.bouncycastle.tls.DTLSTransport;
import org.bouncycastle.tls.DefaultTlsClient;
import org.bouncycastle.tls.NamedGroup;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.TlsAuthentication;
import org.bouncycastle.tls.TlsCredentials;
import org.bouncycastle.tls.TlsServerCertificate;
import org.bouncycastle.tls.UDPTransport;
import org.bouncycastle.tls.crypto.TlsECConfig;
import org.bouncycastle.tls.crypto.TlsECDomain;
import org.bouncycastle.tls.crypto.impl.bc.BcTlsCrypto;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
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
import java.util.Vector;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code turnstile serve --echo} with the clients issue 9 names, each a full handshake and an echo through the
 * command: Debian's wolfSSL 5.5.4, which sends no secure renegotiation indication (RFC 5746); mbedTLS 2.28 offering
 * only a CCM_8 suite, as CoAP devices do (RFC 7252 section 9.1.3), with a certificate and with a PSK; and BouncyCastle
 * listing binary and brainpool curves, which the JDK cannot use, before the ones it can. The C clients are
 * {@code src/test/c}, compiled here by {@link NativeTestClients}.
 */
class ServeEchoInteropTest
{
    private static final String PSK_IDENTITY = "coap-device";
    private static final String PSK_HEX = "00112233445566778899aabbccddeeff";

    @TempDir
    Path tempDir;

    private ServeCommand command;
    private Thread serving;
    private final AtomicInteger exitCode = new AtomicInteger(-1);
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private Path stats;

    @AfterEach
    void stopServe() throws InterruptedException
    {
        if (null != serving)
        {
            command.stop("test done");
            serving.join(10_000);
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldEchoForWolfSslClientThatSendsNoRenegotiationIndication() throws Exception
    {
        final int port = serve();
        final NativeTestClients.Run run = NativeTestClients.run(NativeTestClients.WOLFSSL, tempDir,
            "127.0.0.1", Integer.toString(port), "hello from wolfssl");
        assertEquals(0, run.exitCode(), run + "\nserve: " + err());
        assertEquals("hello from wolfssl", run.stdout(), run.toString());
        assertTrue(run.stderr().contains("connected, DTLSv1.2 ECDHE-ECDSA-AES128-GCM-SHA256"), run.toString());
        final String last = stopAndLastLine();
        assertEquals(1, ServeCommandTest.jsonLong(last, "completed"), last);
        assertEquals(1, ServeCommandTest.jsonLong(last, "echoed"), last);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldEchoForWolfSslClientOnEcdsaCcm8() throws Exception
    {
        final int port = serve();
        final NativeTestClients.Run run = NativeTestClients.run(NativeTestClients.WOLFSSL, tempDir,
            "127.0.0.1", Integer.toString(port), "wolfssl ccm_8", "ECDHE-ECDSA-AES128-CCM-8");
        assertEquals(0, run.exitCode(), run + "\nserve: " + err());
        assertEquals("wolfssl ccm_8", run.stdout(), run.toString());
        assertTrue(run.stderr().contains("connected, DTLSv1.2 ECDHE-ECDSA-AES128-CCM-8"), run.toString());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldRefuseWolfSslClientWithHandshakeFailureWhenSecureRenegotiationIsRequired() throws Exception
    {
        final int port = serve("--require-secure-renegotiation");
        final NativeTestClients.Run run = NativeTestClients.run(NativeTestClients.WOLFSSL, tempDir,
            "127.0.0.1", Integer.toString(port), "refused");
        assertNotEquals(0, run.exitCode(), run.toString());
        final String last = stopAndLastLine();
        assertTrue(last.contains("\"failures\":{\"handshake_failure\":1,\"timeout\":0,\"other\":0}"), last);
        assertTrue(err().contains("failed: handshake_failure sent: TlsFatalAlert: handshake_failure(40); the client " +
            "sent neither TLS_EMPTY_RENEGOTIATION_INFO_SCSV nor renegotiation_info (RFC 5746)"), err());
        assertTrue(err().contains("secure renegotiation indication required"), err());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldEchoForMbedTlsOfferingOnlyEcdsaCcm8() throws Exception
    {
        final int port = serve();
        final NativeTestClients.Run run = NativeTestClients.run(NativeTestClients.MBEDTLS, tempDir,
            "127.0.0.1", Integer.toString(port), "mbedtls ecdsa ccm_8", "cert", "TLS-ECDHE-ECDSA-WITH-AES-128-CCM-8");
        assertEquals(0, run.exitCode(), run + "\nserve: " + err());
        assertEquals("mbedtls ecdsa ccm_8", run.stdout(), run.toString());
        assertTrue(run.stderr().contains("connected, DTLSv1.2 TLS-ECDHE-ECDSA-WITH-AES-128-CCM-8"), run.toString());
        final String last = stopAndLastLine();
        assertEquals(1, ServeCommandTest.jsonLong(last, "completed"), last);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldEchoForMbedTlsOfferingOnlyPskCcm8() throws Exception
    {
        final int port = serve("--psk-identity", PSK_IDENTITY, "--psk-hex", PSK_HEX);
        final NativeTestClients.Run run = NativeTestClients.run(NativeTestClients.MBEDTLS, tempDir,
            "127.0.0.1", Integer.toString(port), "mbedtls psk ccm_8", "psk:" + PSK_IDENTITY + ":" + PSK_HEX,
            "TLS-PSK-WITH-AES-128-CCM-8");
        assertEquals(0, run.exitCode(), run + "\nserve: " + err());
        assertEquals("mbedtls psk ccm_8", run.stdout(), run.toString());
        assertTrue(run.stderr().contains("connected, DTLSv1.2 TLS-PSK-WITH-AES-128-CCM-8"), run.toString());
        final String last = stopAndLastLine();
        assertEquals(1, ServeCommandTest.jsonLong(last, "completed"), last);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldEchoForBouncyCastleClientListingBinaryAndBrainpoolCurvesFirst() throws Exception
    {
        final int port = serve();
        final AtomicInteger group = new AtomicInteger(-1);
        final int[] groups = { NamedGroup.sect571r1, NamedGroup.brainpoolP512r1, NamedGroup.secp384r1,
            NamedGroup.secp256r1, NamedGroup.x25519 };
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)))
        {
            socket.connect(InetAddress.getLoopbackAddress(), port);
            final DTLSTransport dtls = new DTLSClientProtocol().connect(
                new OddCurvesFirstClient(groups, group), new UDPTransport(socket, 1500));
            final byte[] line = "curves the JDK lacks, listed first".getBytes(StandardCharsets.UTF_8);
            dtls.send(line, 0, line.length);
            final byte[] buffer = new byte[1500];
            final int length = dtls.receive(buffer, 0, buffer.length, 10_000);
            assertEquals("curves the JDK lacks, listed first", new String(buffer, 0, Math.max(length, 0),
                StandardCharsets.UTF_8), err());
            dtls.close();
        }
        assertEquals(NamedGroup.x25519, group.get(), "the server's first choice among the usable curves");
        final String last = stopAndLastLine();
        assertEquals(1, ServeCommandTest.jsonLong(last, "completed"), last);
        assertTrue(last.contains("\"failures\":{\"timeout\":0,\"other\":0}"), last);
    }

    private int serve(final String... extra) throws InterruptedException
    {
        stats = tempDir.resolve("stats.jsonl");
        command = new ServeCommand(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
        final List<String> args = new ArrayList<>(List.of("--bind", "127.0.0.1:0", "--workers", "1", "--echo",
            "--stats", stats.toString(), "--duration", "50"));
        args.addAll(List.of(extra));
        serving = new Thread(() -> exitCode.set(command.run(args.toArray(String[]::new), false)), "serve");
        serving.start();
        final int port = command.awaitListening(20_000);
        assertTrue(port > 0, "serve did not start: " + err());
        return port;
    }

    private String stopAndLastLine() throws InterruptedException, IOException
    {
        command.stop("test done");
        serving.join(10_000);
        assertEquals(0, exitCode.get(), err());
        final List<String> lines = Files.readAllLines(stats, StandardCharsets.UTF_8);
        return lines.isEmpty() ? "" : lines.getLast();
    }

    private String err()
    {
        return err.toString(StandardCharsets.UTF_8);
    }

    /**
     * BouncyCastle's client on its lightweight crypto, which has every curve, listing the given groups in that order
     * and noting which ECDHE group the server's key exchange used.
     */
    private static final class OddCurvesFirstClient extends DefaultTlsClient
    {
        private final int[] groups;

        OddCurvesFirstClient(final int[] groups, final AtomicInteger chosen)
        {
            super(new BcTlsCrypto(new SecureRandom())
            {
                @Override
                public TlsECDomain createECDomain(final TlsECConfig ecConfig)
                {
                    chosen.set(ecConfig.getNamedGroup());
                    return super.createECDomain(ecConfig);
                }
            });
            this.groups = groups;
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
        @SuppressWarnings({ "rawtypes", "unchecked" })
        protected Vector getSupportedGroups(final Vector namedGroupRoles)
        {
            final Vector vector = new Vector();
            for (final int g : groups)
            {
                vector.add(g);
            }
            return vector;
        }

        @Override
        public int getHandshakeTimeoutMillis()
        {
            return 10_000;
        }

        @Override
        public TlsAuthentication getAuthentication()
        {
            return new TlsAuthentication()
            {
                @Override
                public void notifyServerCertificate(final TlsServerCertificate serverCertificate)
                {
                }

                @Override
                public TlsCredentials getClientCredentials(final CertificateRequest certificateRequest)
                {
                    return null;
                }
            };
        }
    }
}
