package io.turnstile.verifier;

import io.turnstile.cookie.CookieCheck;
import io.turnstile.cookie.CookieKeys;
import io.turnstile.cookie.MacAlgorithm;
import io.turnstile.verifier.LoopbackVerifierServer.Event;
import org.bouncycastle.tls.CertificateRequest;
import org.bouncycastle.tls.DTLSClientProtocol;
import org.bouncycastle.tls.DefaultTlsClient;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.TlsAuthentication;
import org.bouncycastle.tls.TlsCredentials;
import org.bouncycastle.tls.TlsServerCertificate;
import org.bouncycastle.tls.UDPTransport;
import org.bouncycastle.tls.crypto.TlsCrypto;
import org.bouncycastle.tls.crypto.impl.bc.BcTlsCrypto;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCryptoProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.File;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;
import java.util.function.Predicate;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Live interop over loopback with DTLS clients nobody here wrote: OpenSSL's {@code s_client} (DTLS 1.2, DTLS 1.0,
 * a fragmented cookie hello at {@code -mtu 256}, IPv6), GnuTLS's {@code gnutls-cli --udp} and BouncyCastle's
 * {@link DTLSClientProtocol}. Each client gets our HelloVerifyRequest, sends its hello again with our cookie, and that
 * hello must verify from the same peer; the client then waits for a ServerHello that never comes and is stopped.
 * <p>
 * A missing client binary fails the test with the package to install: interop that silently skips proves nothing.
 */
class ClientHelloVerifierInteropTest
{
    private static final long CLIENT_WAIT_MS = 10_000;
    private static final long STOP_WAIT_MS = 2_000;
    private static final int BC_HANDSHAKE_TIMEOUT_MS = 3_000;
    private static final int BC_MTU = 1_500;
    private static final String IPV4_LOOPBACK = "127.0.0.1";
    private static final String IPV6_LOOPBACK = "::1";

    @TempDir
    Path tempDir;

    @ParameterizedTest
    @EnumSource(MacAlgorithm.class)
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void shouldVerifyOpenSslDtls12CookieHello(final MacAlgorithm mac) throws Exception
    {
        final String openssl = requireBinary("openssl", "openssl");
        final ClientHelloVerifier verifier = newVerifier(mac);

        final Exchange exchange = runExternalClient(
            verifier, IPV4_LOOPBACK, "openssl-dtls12-" + mac,
            (port) -> List.of(openssl, "s_client", "-dtls1_2", "-connect", IPV4_LOOPBACK + ":" + port),
            List.of(isVerified()));

        final Event verified = assertCookieExchange(exchange, 1);
        assertFalse(verified.isFragment(), exchange.diagnostics());
        assertNoDrops(exchange);
    }

    @ParameterizedTest
    @EnumSource(MacAlgorithm.class)
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void shouldVerifyOpenSslDtls10CookieHello(final MacAlgorithm mac) throws Exception
    {
        final String openssl = requireBinary("openssl", "openssl");
        final ClientHelloVerifier verifier = newVerifier(mac);

        // OpenSSL 3 builds with a higher default security level refuse DTLS 1.0 altogether without SECLEVEL=0.
        final Exchange exchange = runExternalClient(
            verifier, IPV4_LOOPBACK, "openssl-dtls10-" + mac,
            (port) -> List.of(
                openssl, "s_client", "-dtls1", "-cipher", "DEFAULT:@SECLEVEL=0",
                "-connect", IPV4_LOOPBACK + ":" + port),
            List.of(isVerified()));

        final Event verified = assertCookieExchange(exchange, 1);
        assertFalse(verified.isFragment(), exchange.diagnostics());
        assertNoDrops(exchange);
    }

    /**
     * At {@code -mtu 256} OpenSSL sends at most 228 bytes of UDP payload (256 less 28 of IPv4 and UDP headers). Its
     * first hello fits; the cookie hello, 32 or 25 bytes of cookie longer, does not: it goes out as fragment 0 (with
     * random, session_id, cookie, suites and compression whole, the extensions cut short) and a tail fragment in a
     * record of its own. With the 21-byte AES-CMAC cookie the hello still fits and is not fragmented, so that MAC is
     * not run here. 256 is the smallest MTU {@code s_client} accepts, and {@code -mtu} alone is enough: s_client
     * itself turns off MTU discovery when it is given.
     */
    @ParameterizedTest
    @EnumSource(value = MacAlgorithm.class, names = { "HMAC_SHA256", "HMAC_SHA1" })
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void shouldVerifyFirstFragmentOfOpenSslCookieHelloAtMtu256(final MacAlgorithm mac) throws Exception
    {
        final String openssl = requireBinary("openssl", "openssl");
        final ClientHelloVerifier verifier = newVerifier(mac);

        final Exchange exchange = runExternalClient(
            verifier, IPV4_LOOPBACK, "openssl-dtls12-mtu256-" + mac,
            (port) -> List.of(openssl, "s_client", "-dtls1_2", "-mtu", "256", "-connect", IPV4_LOOPBACK + ":" + port),
            List.of(isVerified(), isDropped(DropReason.NOT_FIRST_FRAGMENT)));

        final Event verified = assertCookieExchange(exchange, 1);
        assertTrue(verified.isFragment(), "the cookie hello should arrive fragmented: " + exchange.diagnostics());
        assertTrue(verified.datagramLength() <= 228, exchange.diagnostics());

        final Event tail = first(exchange.events(), isDropped(DropReason.NOT_FIRST_FRAGMENT));
        assertNotNull(tail, exchange.diagnostics());
        assertEquals(verified.peer(), tail.peer(), exchange.diagnostics());
        assertEquals(verified.messageSeq(), tail.messageSeq(), exchange.diagnostics());
        assertEquals(verified.recordSequenceNumber() + 1, tail.recordSequenceNumber(), exchange.diagnostics());

        final VerifierCounters counters = exchange.counters();
        assertTrue(counters.dropped(DropReason.NOT_FIRST_FRAGMENT) >= 1, exchange.diagnostics());
        assertEquals(
            counters.dropped(), counters.dropped(DropReason.NOT_FIRST_FRAGMENT),
            "only tail fragments may be dropped: " + exchange.diagnostics());
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void shouldVerifyOpenSslDtls12CookieHelloOverIpv6() throws Exception
    {
        final String openssl = requireBinary("openssl", "openssl");
        assumeTrue(isBindable(IPV6_LOOPBACK), "this host has no IPv6 loopback (::1)");
        final ClientHelloVerifier verifier = newVerifier(MacAlgorithm.defaultAlgorithm());

        final Exchange exchange = runExternalClient(
            verifier, IPV6_LOOPBACK, "openssl-dtls12-ipv6",
            (port) -> List.of(openssl, "s_client", "-dtls1_2", "-connect", "[" + IPV6_LOOPBACK + "]:" + port),
            List.of(isVerified()));

        final Event verified = assertCookieExchange(exchange, 1);
        assertEquals(InetAddress.getByName(IPV6_LOOPBACK), verified.peer().getAddress(), exchange.diagnostics());
        assertEquals(16, verified.peer().getAddress().getAddress().length, exchange.diagnostics());
        assertNoDrops(exchange);
    }

    @ParameterizedTest
    @EnumSource(MacAlgorithm.class)
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void shouldVerifyGnuTlsCookieHello(final MacAlgorithm mac) throws Exception
    {
        final String gnutls = requireBinary("gnutls-cli", "gnutls-bin");
        final ClientHelloVerifier verifier = newVerifier(mac);

        final Exchange exchange = runExternalClient(
            verifier, IPV4_LOOPBACK, "gnutls-" + mac,
            (port) -> List.of(gnutls, "--udp", "--insecure", "-p", Integer.toString(port), IPV4_LOOPBACK),
            List.of(isVerified()));

        final Event verified = assertCookieExchange(exchange, 1);
        assertFalse(verified.isFragment(), exchange.diagnostics());
        assertNoDrops(exchange);
    }

    static Stream<Arguments> bouncyCastleCases()
    {
        final List<Arguments> cases = new ArrayList<>();
        for (final MacAlgorithm mac : MacAlgorithm.values())
        {
            cases.add(Arguments.of(mac, "BcTlsCrypto"));
            cases.add(Arguments.of(mac, "JcaTlsCrypto"));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("bouncyCastleCases")
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void shouldVerifyBouncyCastleCookieHello(final MacAlgorithm mac, final String cryptoName) throws Exception
    {
        final ClientHelloVerifier verifier = newVerifier(mac);
        final TlsCrypto crypto = "BcTlsCrypto".equals(cryptoName) ?
            new BcTlsCrypto(new SecureRandom()) : new JcaTlsCryptoProvider().create(new SecureRandom());
        final AtomicReference<Throwable> clientFailure = new AtomicReference<>();
        final InetSocketAddress clientAddress;
        final List<Event> events;
        final Throwable serverFailure;

        try (LoopbackVerifierServer server = LoopbackVerifierServer.start(verifier, address(IPV4_LOOPBACK)))
        {
            final DatagramSocket socket = new DatagramSocket(new InetSocketAddress(address(IPV4_LOOPBACK), 0));
            final Thread client;
            try
            {
                socket.connect(server.localAddress());
                clientAddress = (InetSocketAddress)socket.getLocalSocketAddress();
                final UDPTransport transport = new UDPTransport(socket, BC_MTU);
                client = new Thread(
                    () -> runBouncyCastleClient(new ShortLivedDtlsClient(crypto), transport, clientFailure),
                    "bc-dtls-client-" + mac + "-" + cryptoName);
                client.setDaemon(true);
                client.start();
                server.awaitEvent(isVerified(), CLIENT_WAIT_MS, client::isAlive);
            }
            finally
            {
                // The client waits for a ServerHello that never comes: closing its socket ends the handshake now.
                socket.close();
            }
            client.join(BC_HANDSHAKE_TIMEOUT_MS + STOP_WAIT_MS);
            assertFalse(client.isAlive(), "BouncyCastle client did not give up");
            events = server.events();
            serverFailure = server.failure();
        }
        final Exchange exchange = new Exchange(events, "", serverFailure, verifier.counters());

        assertNotNull(clientFailure.get(), "BouncyCastle completed a handshake without a ServerHello");
        final Event verified = assertCookieExchange(exchange, 1);
        assertEquals(clientAddress, verified.peer(), exchange.diagnostics());
        assertFalse(verified.isFragment(), exchange.diagnostics());
        assertNoDrops(exchange);
    }

    private static void runBouncyCastleClient(
        final DefaultTlsClient client, final UDPTransport transport, final AtomicReference<Throwable> failure)
    {
        try
        {
            new DTLSClientProtocol().connect(client, transport);
        }
        catch (final Throwable t)
        {
            failure.set(t);
        }
    }

    /**
     * A DTLS 1.2 client that accepts any server and gives up after {@link #BC_HANDSHAKE_TIMEOUT_MS}.
     */
    private static final class ShortLivedDtlsClient extends DefaultTlsClient
    {
        ShortLivedDtlsClient(final TlsCrypto crypto)
        {
            super(crypto);
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

    /**
     * What one client run left behind.
     *
     * @param events        every datagram the server saw, in order.
     * @param clientOutput  the external client's stdout and stderr; empty for in-process clients.
     * @param serverFailure what stopped the server's thread early, or null.
     * @param counters      the verifier's counters, read after the server's thread has been joined.
     */
    private record Exchange(List<Event> events, String clientOutput, Throwable serverFailure, VerifierCounters counters)
    {
        String diagnostics()
        {
            return counters + "\nevents=" + events +
                (serverFailure != null ? "\nserver failure: " + serverFailure : "") +
                (clientOutput.isEmpty() ? "" : "\nclient output:\n" + clientOutput);
        }
    }

    private Exchange runExternalClient(
        final ClientHelloVerifier verifier,
        final String bindAddress,
        final String name,
        final IntFunction<List<String>> command,
        final List<Predicate<Event>> awaited) throws Exception
    {
        final Path output = tempDir.resolve(name + ".log");
        final List<Event> events;
        final Throwable serverFailure;
        try (LoopbackVerifierServer server = LoopbackVerifierServer.start(verifier, address(bindAddress)))
        {
            // stdin stays an open pipe: s_client and gnutls-cli would otherwise stop at end of input.
            final Process process = new ProcessBuilder(command.apply(server.port()))
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();
            try
            {
                final long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLIENT_WAIT_MS);
                for (final Predicate<Event> condition : awaited)
                {
                    final long remainingMs = TimeUnit.NANOSECONDS.toMillis(deadlineNs - System.nanoTime());
                    if (server.awaitEvent(condition, Math.max(remainingMs, 0), process::isAlive) == null)
                    {
                        break;
                    }
                }
            }
            finally
            {
                stop(process);
            }
            events = server.events();
            serverFailure = server.failure();
        }
        return new Exchange(
            events, Files.readString(output, StandardCharsets.UTF_8), serverFailure, verifier.counters());
    }

    private static void stop(final Process process)
    {
        try
        {
            process.destroy();
            if (!process.waitFor(STOP_WAIT_MS, TimeUnit.MILLISECONDS))
            {
                process.destroyForcibly();
                process.waitFor(STOP_WAIT_MS, TimeUnit.MILLISECONDS);
            }
        }
        catch (final InterruptedException ex)
        {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        finally
        {
            try
            {
                process.getOutputStream().close();
            }
            catch (final IOException ignore)
            {
                // the process is gone: its stdin pipe may already be broken
            }
        }
    }

    /**
     * The cookie exchange every client must go through: a cookie-less hello (message_seq 0) answered with an HVR,
     * then a hello carrying exactly that cookie, from the same address and port, that verifies.
     *
     * @param exchange                     the run.
     * @param expectedRecordSequenceNumber of the verified hello.
     * @return the first verified event.
     */
    private static Event assertCookieExchange(final Exchange exchange, final long expectedRecordSequenceNumber)
    {
        final String diagnostics = exchange.diagnostics();
        assertNull(exchange.serverFailure(), diagnostics);
        final List<Event> events = exchange.events();

        final Event verified = first(events, isVerified());
        assertNotNull(verified, "the client's cookie hello did not verify: " + diagnostics);

        Event hvr = null;
        for (final Event event : events)
        {
            if (event == verified)
            {
                break;
            }
            if (event.outcome() == VerifyOutcome.REPLY && event.peer().equals(verified.peer()))
            {
                hvr = event;
            }
        }
        assertNotNull(hvr, "no HelloVerifyRequest went to " + verified.peer() + " before it verified: " + diagnostics);
        assertEquals(0, hvr.messageSeq(), diagnostics);
        assertTrue(hvr.cookie().length > 0 && hvr.cookie().length <= 32, diagnostics);

        assertEquals(hvr.peer(), verified.peer(), diagnostics);
        assertArrayEquals(hvr.cookie(), verified.cookie(), "the client must echo our cookie: " + diagnostics);
        assertEquals(hvr.keyId(), verified.keyId(), diagnostics);
        assertEquals(1, verified.messageSeq(), diagnostics);
        assertEquals(expectedRecordSequenceNumber, verified.recordSequenceNumber(), diagnostics);

        for (final Event event : events)
        {
            assertEquals(verified.peer(), event.peer(), "one client, one peer: " + diagnostics);
        }

        final VerifierCounters counters = exchange.counters();
        assertTrue(counters.replies() >= 1, "the HVR count did not move: " + diagnostics);
        assertTrue(counters.verified() >= 1, diagnostics);
        assertEquals(events.size(), counters.datagrams(), diagnostics);
        assertEquals(count(events, VerifyOutcome.REPLY), counters.replies(), diagnostics);
        assertEquals(count(events, VerifyOutcome.VERIFIED), counters.verified(), diagnostics);
        assertEquals(count(events, VerifyOutcome.DROP), counters.dropped(), diagnostics);
        assertEquals(
            counters.verified(),
            counters.cookieChecks(CookieCheck.VALID) + counters.cookieChecks(CookieCheck.VALID_PREVIOUS_KEY),
            diagnostics);
        for (final CookieCheck check : CookieCheck.values())
        {
            if (!check.isValid())
            {
                assertEquals(0, counters.cookieChecks(check), "unexpected " + check + ": " + diagnostics);
            }
        }
        return verified;
    }

    private static long count(final List<Event> events, final VerifyOutcome outcome)
    {
        return events.stream().filter((event) -> event.outcome() == outcome).count();
    }

    private static void assertNoDrops(final Exchange exchange)
    {
        assertEquals(0, exchange.counters().dropped(), "unexpected drops: " + exchange.diagnostics());
    }

    private static Predicate<Event> isVerified()
    {
        return (event) -> event.outcome() == VerifyOutcome.VERIFIED;
    }

    private static Predicate<Event> isDropped(final DropReason reason)
    {
        return (event) -> event.outcome() == VerifyOutcome.DROP && event.dropReason() == reason;
    }

    private static Event first(final List<Event> events, final Predicate<Event> condition)
    {
        for (final Event event : events)
        {
            if (condition.test(event))
            {
                return event;
            }
        }
        return null;
    }

    private static ClientHelloVerifier newVerifier(final MacAlgorithm mac)
    {
        return new ClientHelloVerifier(new ClientHelloVerifier.Context().cookieKeys(
            CookieKeys.random(mac, CookieKeys.DEFAULT_ROTATION_PERIOD_MS, CookieKeys.DEFAULT_GRACE_MS)));
    }

    private static InetAddress address(final String literal) throws UnknownHostException
    {
        return InetAddress.getByName(literal);
    }

    private static boolean isBindable(final String literal)
    {
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(address(literal), 0)))
        {
            return socket.getLocalPort() > 0;
        }
        catch (final IOException ex)
        {
            return false;
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
            "with: apt-get install -y " + debianPackage);
    }
}
