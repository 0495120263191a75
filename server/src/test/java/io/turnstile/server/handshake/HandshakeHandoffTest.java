package io.turnstile.server.handshake;

import io.turnstile.codec.PeerAddress;
import io.turnstile.nativeio.AcceptedPeers;
import io.turnstile.nativeio.PeerCommands;
import io.turnstile.nativeio.VerifierServer;
import org.agrona.concurrent.AgentInvoker;
import org.agrona.concurrent.UnsafeBuffer;
import org.bouncycastle.tls.DTLSClientProtocol;
import org.bouncycastle.tls.DTLSTransport;
import org.bouncycastle.tls.UDPTransport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The handoff inside a real {@link VerifierServer} worker (VerifierAgent, batch socket, AcceptedPeers, Outbox) on
 * loopback, with clients nobody here wrote: OpenSSL {@code s_client -dtls1_2} (also {@code -mtu 256}, whose cookie
 * hello is fragmented), GnuTLS {@code gnutls-cli --udp} and BouncyCastle's {@link DTLSClientProtocol}. Each goes
 * through the cookie exchange, completes a real handshake and gets its line echoed; continuity is read off the wire.
 */
class HandshakeHandoffTest
{
    private static final long CLIENT_WAIT_MS = 20_000;
    private static ServerCredentials certificate;

    @TempDir
    Path tempDir;

    private EchoServer echo;
    private VerifierServer server;
    private final List<Process> processes = new ArrayList<>();

    @BeforeAll
    static void credentials() throws Exception
    {
        certificate = ServerCredentials.selfSigned("turnstile-test");
    }

    private int start(final SessionTable.Context context)
    {
        return start(context, InetAddress.getLoopbackAddress());
    }

    private int start(final SessionTable.Context context, final InetAddress bind)
    {
        echo = new EchoServer(context);
        server = new VerifierServer(new VerifierServer.Context()
            .bindAddress(bind)
            .port(0)
            .workers(1)
            .agentConfigurator(echo::configure))
            .start();
        return server.localPort();
    }

    private String echoStats()
    {
        final StringBuilder sb = new StringBuilder("echo counters");
        echo.appendJson(sb);
        final VerifierServer.Snapshot snapshot = server.snapshot(new VerifierServer.Snapshot());
        sb.append("; worker: received ").append(snapshot.received()).append(", peer datagrams ")
            .append(snapshot.get(io.turnstile.nativeio.WorkerCounter.PEER_DATAGRAMS));
        final SessionTable table = echo.table();
        for (int i = 0; i < table.sessionCount(); i++)
        {
            final PeerSession session = table.sessionAt(i);
            sb.append("; session ").append(session.peer()).append(" slot ").append(session.slot)
                .append(" phase ").append(session.transport().phase()).append(" offered ")
                .append(session.transport().offered()).append(" echoed ").append(session.echoed());
        }
        return sb.toString();
    }

    @AfterEach
    void stop()
    {
        for (final Process process : processes)
        {
            kill(process);
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
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void shouldNotLetAFastPathDatagramOvertakeOneTheConductorHasNotHandledYet() throws Exception
    {
        // Sessions that never run, so nothing but this test takes datagrams or ends the session.
        final EchoServer echo = new EchoServer(new SessionTable.Context().credentials(certificate)
            .threadFactory((runnable) -> new Thread(() -> { })), EchoServer.Threading.SHARED);
        final AcceptedPeers acceptedPeers = new AcceptedPeers(8);
        final PeerCommands commands = new PeerCommands(PeerCommands.MIN_CAPACITY_BYTES);
        final HandshakeHandoff handoff = echo.attach(acceptedPeers, commands, (peer, buffer, offset, length) -> true);
        try (AgentInvoker conductor = new AgentInvoker(Throwable::printStackTrace, null, echo.conductor()))
        {
            conductor.start();
            final PeerAddress peer = PeerKey.of(new byte[]{ 127, 0, 0, 1 }, 5000).peer();
            final byte[] hello = Corpus.load("openssl-dtls12-ch2-cookie.bin");
            assertTrue(acceptedPeers.add(peer));
            assertTrue(echo.conductor().proxy().verified(handoff.worker(), peer, new UnsafeBuffer(hello), hello.length,
                1, 1, false));
            while (echo.table().created() == 0)
            {
                conductor.invoke();
            }
            final PeerTransport transport = echo.table().session(PeerKey.of(new byte[]{ 127, 0, 0, 1 }, 5000))
                .transport();
            final UnsafeBuffer datagram = new UnsafeBuffer(new byte[]{ 22, (byte)0xFE, (byte)0xFD, 0, 0, 0, 0, 0, 0, 0,
                2, 0, 0 });

            // Before the worker applies the ATTACH: through the conductor's ring.
            handoff.onPeerDatagram(datagram, datagram.capacity(), peer, acceptedPeers.valueOf(peer));
            assertEquals(1, commands.drain(acceptedPeers, 8), "the ATTACH");
            final int slot = acceptedPeers.valueOf(peer);
            assertTrue(slot >= 0, "the worker knows the session's slot");
            // The conductor has not read the first yet: the second must queue behind it, not jump ahead.
            handoff.onPeerDatagram(datagram, datagram.capacity(), peer, slot);
            assertEquals(0, transport.offered(), "nothing reached the session ahead of the conductor");
            conductor.invoke();
            assertEquals(2, transport.offered(), "both, in order, from the conductor");
            // Now nothing of this worker's is left with the conductor: straight to the session.
            handoff.onPeerDatagram(datagram, datagram.capacity(), peer, slot);
            assertEquals(3, transport.offered(), "the fast path, no conductor cycle needed");
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void shouldHandshakeAndEchoForBouncyCastleClientWithContinuity() throws Exception
    {
        final int port = start(new SessionTable.Context().credentials(certificate));
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)))
        {
            socket.connect(InetAddress.getLoopbackAddress(), port);
            final RecordingTransport recording = new RecordingTransport(new UDPTransport(socket, 1500), false);
            final DTLSTransport dtls = new DTLSClientProtocol().connect(DtlsTestClient.certificateClient(), recording);
            final byte[] line = "through the verifier".getBytes(StandardCharsets.UTF_8);
            dtls.send(line, 0, line.length);
            final byte[] buffer = new byte[1500];
            final int length = dtls.receive(buffer, 0, buffer.length, 5_000);
            assertEquals("through the verifier", new String(buffer, 0, length, StandardCharsets.UTF_8));
            assertWireContinuity(recording);
            dtls.close();
        }
        assertEquals(1, echo.table().created());
        assertEquals(1, echo.table().completed());
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void shouldNotStartSecondHandshakeForRetransmittedVerifiedHello() throws Exception
    {
        final int port = start(new SessionTable.Context().credentials(certificate));
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)))
        {
            socket.connect(InetAddress.getLoopbackAddress(), port);
            final RecordingTransport recording = new RecordingTransport(new UDPTransport(socket, 1500), true);
            final DTLSTransport dtls = new DTLSClientProtocol().connect(DtlsTestClient.certificateClient(), recording);
            final byte[] line = "once".getBytes(StandardCharsets.UTF_8);
            dtls.send(line, 0, line.length);
            final byte[] buffer = new byte[1500];
            assertEquals(4, dtls.receive(buffer, 0, buffer.length, 5_000));
            dtls.close();
        }
        assertEquals(1, server.snapshot(new VerifierServer.Snapshot()).verified(),
            "the duplicate went to the session, not through the verifier again");
        assertEquals(1, echo.table().created());
        assertEquals(1, echo.table().completed());
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void shouldHandshakeAndEchoOverIpv6() throws Exception
    {
        final InetAddress ipv6 = InetAddress.getByName("::1");
        try (DatagramSocket probe = new DatagramSocket(new InetSocketAddress(ipv6, 0)))
        {
            assertTrue(probe.getLocalPort() > 0);
        }
        catch (final IOException ex)
        {
            org.junit.jupiter.api.Assumptions.assumeTrue(false, "no IPv6 loopback here: " + ex);
        }
        final int port = start(new SessionTable.Context().credentials(certificate), ipv6);
        try (DtlsTestClient client = DtlsTestClient.connectFrom(ipv6, ipv6, port, DtlsTestClient.certificateClient()))
        {
            assertEquals("over ::1", client.echo("over ::1"));
        }
        assertEquals(1, echo.table().completed());
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void shouldForgetAPeerRefusedByACapSoItsRetriesGoThroughTheVerifier() throws Exception
    {
        final int port = start(new SessionTable.Context().credentials(certificate).maxSessionsPerAddress(1));
        try (DtlsTestClient first = DtlsTestClient.connect(port, DtlsTestClient.certificateClient()))
        {
            assertEquals("first", first.echo("first"));
            final long verifiedBefore = server.snapshot(new VerifierServer.Snapshot()).verified();
            try (DatagramSocket socket = new DatagramSocket(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)))
            {
                socket.connect(InetAddress.getLoopbackAddress(), port);
                final org.bouncycastle.tls.TlsClient refused = DtlsTestClient.certificateClient(2_500);
                assertThrows(IOException.class,
                    () -> new DTLSClientProtocol().connect(refused, new UDPTransport(socket, 1500)));
            }
            final long verifiedAfter = server.snapshot(new VerifierServer.Snapshot()).verified();
            assertTrue(verifiedAfter - verifiedBefore >= 2,
                "the refused peer was not left accepted: its retransmitted cookie hello was verified again (" +
                (verifiedAfter - verifiedBefore) + " times)");
            assertTrue(echo.handoffs().get(0).refused() >= 2);
            assertEquals(1, echo.table().created());
            assertEquals("still here", first.echo("still here"));
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldCompleteHandshakesWhileABoundedFloodHitsTheSamePort() throws Exception
    {
        final int port = start(new SessionTable.Context().credentials(certificate));
        final byte[] hello = Corpus.load("openssl-dtls12-ch1-nocookie.bin");
        final byte[] badCookie = Corpus.load("openssl-dtls12-ch2-cookie.bin");
        final long maxPackets = 200_000;
        final long deadline = System.currentTimeMillis() + 8_000;
        final java.util.concurrent.atomic.AtomicLong sent = new java.util.concurrent.atomic.AtomicLong();
        final java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        final Thread flood = new Thread(() ->
        {
            // Bounded in packets and time: 16 sources, cookie-less hellos and hellos with a stale foreign cookie.
            final List<DatagramSocket> sources = new ArrayList<>();
            try
            {
                for (int i = 0; i < 16; i++)
                {
                    final DatagramSocket source = new DatagramSocket(
                        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                    source.connect(InetAddress.getLoopbackAddress(), port);
                    sources.add(source);
                }
                final java.net.DatagramPacket a = new java.net.DatagramPacket(hello, hello.length);
                final java.net.DatagramPacket b = new java.net.DatagramPacket(badCookie, badCookie.length);
                for (long n = 0; n < maxPackets && !stop.get() && System.currentTimeMillis() < deadline; n++)
                {
                    sources.get((int)(n & 15)).send((n & 1) == 0 ? a : b);
                    sent.incrementAndGet();
                }
            }
            catch (final IOException ignore)
            {
                // a source socket may see ICMP errors; the flood just ends early
            }
            finally
            {
                for (final DatagramSocket source : sources)
                {
                    source.close();
                }
            }
        }, "bounded-flood");
        flood.start();
        try
        {
            while (sent.get() < 5_000 && flood.isAlive())
            {
                Thread.sleep(5);
            }
            for (int i = 0; i < 3; i++)
            {
                try (DtlsTestClient client = DtlsTestClient.connect(port, DtlsTestClient.certificateClient(20_000)))
                {
                    final String expected = "under flood " + i;
                    // The kernel may drop the record in the flooded socket queue: the application resends.
                    assertEquals(expected, client.echo(expected, 5, 1_000), () -> echoStats());
                }
            }
        }
        finally
        {
            stop.set(true);
            flood.join(10_000);
        }
        final VerifierServer.Snapshot snapshot = server.snapshot(new VerifierServer.Snapshot());
        assertTrue(snapshot.replies() > 1_000, "the flood was answered statelessly: " + snapshot.replies());
        assertEquals(3, echo.table().created(), "the flood created no sessions");
        assertEquals(3, echo.table().completed());
    }

    @Test
    @Timeout(value = 40, unit = TimeUnit.SECONDS)
    void shouldHandshakeAndEchoForOpenSsl() throws Exception
    {
        runOpenSsl(List.of());
    }

    @Test
    @Timeout(value = 40, unit = TimeUnit.SECONDS)
    void shouldHandshakeAndEchoForOpenSslWithFragmentedCookieHello() throws Exception
    {
        // OpenSSL's smallest MTU is 256; a long server name makes the hello too big for one record at that size.
        final String serverName = "a".repeat(40) + ".example.com";
        final int cookieHelloRecords = runOpenSsl(List.of("-mtu", "256", "-servername", serverName));
        assertTrue(cookieHelloRecords >= 2, "the cookie hello was fragmented, in " + cookieHelloRecords + " records");
        assertEquals(1, echo.table().completed());
    }

    private int runOpenSsl(final List<String> extra) throws Exception
    {
        final String openssl = requireBinary("openssl", "openssl");
        final int port = start(new SessionTable.Context().credentials(certificate));
        final Path trace = tempDir.resolve("openssl-trace.txt");
        final List<String> command = new ArrayList<>(List.of(openssl, "s_client", "-dtls1_2", "-quiet",
            "-trace", "-msgfile", trace.toString(), "-connect", "127.0.0.1:" + port));
        command.addAll(extra);
        final String echoed = runLineClient(command, "echo me, openssl");
        final String traceText = Files.readString(trace, StandardCharsets.UTF_8);
        assertEquals("echo me, openssl", echoed, traceText);
        return assertOpenSslTraceContinuity(traceText);
    }

    @Test
    @Timeout(value = 40, unit = TimeUnit.SECONDS)
    void shouldHandshakeAndEchoForGnuTls() throws Exception
    {
        final String gnutls = requireBinary("gnutls-cli", "gnutls-bin");
        final int port = start(new SessionTable.Context().credentials(certificate));
        final String echoed = runLineClient(List.of(gnutls, "--udp", "--insecure", "-d", "9", "--logfile",
            tempDir.resolve("gnutls.log").toString(), "-p", Integer.toString(port), "127.0.0.1"), "echo me, gnutls");
        assertEquals("echo me, gnutls", echoed);
        assertEquals(1, echo.table().completed());
        assertGnuTlsDebugContinuity(Files.readString(tempDir.resolve("client-stderr.txt"), StandardCharsets.UTF_8));
    }

    private static final Pattern GNUTLS_SENT = Pattern.compile("Sent Packet\\[(\\d+)\\] Handshake\\(22\\) in epoch 0");
    private static final Pattern GNUTLS_SERVER_HELLO = Pattern.compile(
        "Decrypted Packet\\[0\\.(\\d+)\\] Handshake\\(22\\)[^\\n]*\\n" +
        "[^\\n]*SERVER HELLO \\(2\\) was received\\.[^\\n]*sequence: (\\d+)");

    /**
     * GnuTLS's {@code -d 9} log: "Sent Packet[n]" numbers records from 1 (n = sequence number + 1; the HVR, which
     * repeats the first hello's sequence number, arrives as "Decrypted Packet[0.0]"), and the ServerHello's line gives
     * its epoch.sequence and its message_seq. The second hello sent (the cookie hello) fixes what the ServerHello
     * must carry.
     */
    static void assertGnuTlsDebugContinuity(final String log)
    {
        final Matcher sent = GNUTLS_SENT.matcher(log);
        assertTrue(sent.find() && sent.find(), "two hellos sent\n" + log);
        final long cookieHelloSeq = Long.parseLong(sent.group(1)) - 1;
        final Matcher serverHello = GNUTLS_SERVER_HELLO.matcher(log);
        assertTrue(serverHello.find(), "a ServerHello was received\n" + log);
        assertEquals(cookieHelloSeq, Long.parseLong(serverHello.group(1)),
            "ServerHello repeats the cookie hello's record sequence number");
        assertEquals(1, Integer.parseInt(serverHello.group(2)), "ServerHello message_seq 1");
    }

    /**
     * Start a client, write one line to its stdin, and read its stdout until that line comes back.
     */
    private String runLineClient(final List<String> command, final String line) throws Exception
    {
        final Path stderr = tempDir.resolve("client-stderr.txt");
        final Process process = new ProcessBuilder(command).redirectError(stderr.toFile()).start();
        processes.add(process);
        final OutputStream stdin = process.getOutputStream();
        final BufferedReader stdout = new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        final long deadline = System.currentTimeMillis() + CLIENT_WAIT_MS;
        while (echo.table().completed() == 0 && System.currentTimeMillis() < deadline && process.isAlive())
        {
            Thread.sleep(20);
        }
        if (echo.table().completed() == 0)
        {
            fail("no handshake completed: " + Files.readString(stderr) + " table created=" + echo.table().created() +
                " ends=" + java.util.Arrays.toString(PeerSession.End.values()) + " failed=" + echo.table().failed() +
                " timedOut=" + echo.table().timedOut());
        }
        stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        stdin.flush();
        String read;
        while ((read = stdout.readLine()) != null)
        {
            if (read.equals(line))
            {
                return read;
            }
        }
        return "client ended without the echo; stderr: " + Files.readString(stderr);
    }

    static void assertWireContinuity(final RecordingTransport recording)
    {
        byte[] lastHello = null;
        for (final byte[] datagram : recording.sent())
        {
            if (RecordingTransport.isClientHello(datagram, 0, datagram.length))
            {
                lastHello = datagram;
            }
        }
        assertNotNull(lastHello, "the client sent a ClientHello");
        assertTrue(RecordingTransport.cookieLength(lastHello, 0) > 0, "the last hello carried the cookie");
        byte[] serverHello = null;
        for (final byte[] datagram : recording.received())
        {
            if (RecordingTransport.isHandshake(datagram, 2))
            {
                serverHello = datagram;
                break;
            }
        }
        assertNotNull(serverHello, "the client received a ServerHello");
        assertEquals(RecordingTransport.recordSeq(lastHello), RecordingTransport.recordSeq(serverHello),
            "RFC 6347 4.2.1: the ServerHello record repeats the cookie hello's record sequence number");
        assertEquals(RecordingTransport.messageSeq(lastHello), RecordingTransport.messageSeq(serverHello),
            "the ServerHello's message_seq equals the cookie hello's");
    }

    private static final Pattern TRACE_RECORD = Pattern.compile(
        "(Sent|Received) Record\\s*\\n\\s*Header:\\s*\\n\\s*Version = [^\\n]*\\n\\s*epoch=(\\d+), " +
        "sequence_number=\\(?(?:0x)?([0-9a-fA-F]+)");

    /**
     * OpenSSL's {@code -trace}: the first record the client sends after the HelloVerifyRequest is the cookie hello
     * (its fragment 0 when fragmented), and the ServerHello must repeat that record's sequence number.
     *
     * @return how many records the cookie hello took (more than 1 when fragmented).
     */
    static int assertOpenSslTraceContinuity(final String trace)
    {
        final Matcher matcher = TRACE_RECORD.matcher(trace);
        final List<String[]> records = new ArrayList<>();
        while (matcher.find())
        {
            records.add(new String[]{ matcher.group(1), matcher.group(2), matcher.group(3), "" });
        }
        for (int i = 0; i < records.size(); i++)
        {
            final int from = trace.indexOf("sequence_number=", indexOfRecord(trace, i));
            final int to = i + 1 < records.size() ? indexOfRecord(trace, i + 1) : trace.length();
            records.get(i)[3] = trace.substring(from, to);
        }
        assertTrue(records.size() > 3, trace);
        int hvr = -1;
        int serverHello = -1;
        for (int i = 0; i < records.size(); i++)
        {
            final String[] record = records.get(i);
            if (hvr < 0 && record[0].equals("Received") && record[3].contains("HelloVerifyRequest"))
            {
                hvr = i;
            }
            else if (hvr >= 0 && record[0].equals("Received") && record[3].contains("ServerHello, "))
            {
                serverHello = i;
                break;
            }
        }
        assertTrue(hvr >= 0 && serverHello > hvr + 1, trace);
        final String[] cookieHello = records.get(hvr + 1);
        assertEquals("Sent", cookieHello[0], trace);
        assertEquals(Long.parseLong(cookieHello[2], 16), Long.parseLong(records.get(serverHello)[2], 16),
            "ServerHello repeats the record sequence number of the cookie hello (its first fragment)\n" + trace);
        assertTrue(records.get(serverHello)[3].contains("message_seq=1,"), "ServerHello message_seq 1\n" + trace);
        int sent = 0;
        for (int i = hvr + 1; i < serverHello; i++)
        {
            sent += records.get(i)[0].equals("Sent") ? 1 : 0;
        }
        return sent;
    }

    private static int indexOfRecord(final String trace, final int n)
    {
        final Matcher matcher = TRACE_RECORD.matcher(trace);
        for (int i = 0; i <= n; i++)
        {
            matcher.find();
        }
        return matcher.start();
    }

    private static void kill(final Process process)
    {
        process.destroy();
        try
        {
            if (!process.waitFor(2, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
                process.waitFor(2, TimeUnit.SECONDS);
            }
        }
        catch (final InterruptedException ex)
        {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    static String requireBinary(final String name, final String debianPackage)
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
        return fail(name + " is not on the PATH: this interop test needs a real client; apt-get install -y " +
            debianPackage);
    }

}
