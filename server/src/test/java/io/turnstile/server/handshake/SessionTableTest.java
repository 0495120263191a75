package io.turnstile.server.handshake;

import org.bouncycastle.tls.DTLSClientProtocol;
import org.bouncycastle.tls.UDPTransport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Caps, timeouts and memory of the session table, with real BouncyCastle clients over loopback through core's
 * verifier (the {@link LoopbackHandoffServer} harness).
 */
class SessionTableTest
{
    private static final byte[] IDENTITY = "table".getBytes(StandardCharsets.UTF_8);
    private static final byte[] PSK = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static ServerCredentials psk;

    @BeforeAll
    static void credentials()
    {
        psk = ServerCredentials.psk(IDENTITY, PSK);
    }

    @Test
    @Timeout(value = 40, unit = TimeUnit.SECONDS)
    void shouldRefuseHandshakesOverCapThenAdmitOnceTheStalledOneTimesOut() throws Exception
    {
        try (LoopbackHandoffServer server = new LoopbackHandoffServer(new SessionTable.Context()
            .credentials(psk).maxHandshakes(1).handshakeTimeoutMillis(2_000).helloWaitMillis(1_000)))
        {
            final SessionTable table = server.table();
            final Thread stalled = startStalledClient(server.port());
            awaitCondition(() -> table.handshakesInProgress() == 1);

            assertThrows(IOException.class, () -> connectQuickly(InetAddress.getLoopbackAddress(), server.port()),
                "a second handshake over the cap is dropped, so the client gets nowhere");
            assertTrue(table.admissions(SessionTable.Admission.REFUSED_HANDSHAKES) >= 1);
            assertEquals(1, table.created(), "nothing was kept for the refused peer");

            awaitCondition(() -> table.ended(PeerSession.End.HANDSHAKE_TIMED_OUT) == 1);
            assertEquals(0, table.handshakesInProgress());
            assertEquals(0, table.liveSessions());
            try (DtlsTestClient client = DtlsTestClient.connect(server.port(), DtlsTestClient.pskClient(IDENTITY, PSK)))
            {
                assertEquals("after", client.echo("after"));
            }
            stalled.join(10_000);
        }
    }

    @Test
    @Timeout(value = 40, unit = TimeUnit.SECONDS)
    void shouldCapSessionsPerAddressButNotOtherAddresses() throws Exception
    {
        final InetAddress second = InetAddress.getByName("127.0.0.2");
        try (LoopbackHandoffServer server = new LoopbackHandoffServer(new SessionTable.Context()
            .credentials(psk).maxSessionsPerAddress(1), InetAddress.getByName("0.0.0.0")))
        {
            final InetAddress loopback = InetAddress.getLoopbackAddress();
            try (DtlsTestClient first = DtlsTestClient.connect(loopback, server.port(),
                DtlsTestClient.pskClient(IDENTITY, PSK)))
            {
                assertEquals("one", first.echo("one"));
                assertThrows(IOException.class, () -> connectQuickly(loopback, server.port()));
                assertTrue(server.table().admissions(SessionTable.Admission.REFUSED_ADDRESS) >= 1);
                try (DtlsTestClient other = DtlsTestClient.connectFrom(second, loopback, server.port(),
                    DtlsTestClient.pskClient(IDENTITY, PSK)))
                {
                    assertEquals("two", other.echo("two"));
                }
                awaitCondition(() -> server.table().liveAddresses() == 1);
                assertEquals(1, server.table().liveSessions(), "127.0.0.1 still has its session");
            }
        }
    }

    @Test
    @Timeout(value = 40, unit = TimeUnit.SECONDS)
    void shouldCapSessionsInAll() throws Exception
    {
        try (LoopbackHandoffServer server = new LoopbackHandoffServer(new SessionTable.Context()
            .credentials(psk).maxSessions(1)))
        {
            try (DtlsTestClient first = DtlsTestClient.connect(server.port(), DtlsTestClient.pskClient(IDENTITY, PSK)))
            {
                assertEquals("only", first.echo("only"));
                assertThrows(IOException.class,
                    () -> connectQuickly(InetAddress.getLoopbackAddress(), server.port()));
                assertTrue(server.table().admissions(SessionTable.Admission.REFUSED_SESSIONS) >= 1);
                assertEquals(1, server.table().liveSessions());
            }
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shouldReturnToBaselineMemoryAfterManySessionsTimeOut() throws Exception
    {
        // 2 000 keeps the suite fast; -Dturnstile.test.sessions=10000 runs the full count.
        final int sessions = Integer.getInteger("turnstile.test.sessions", 2_000);
        final int clientThreads = 4;
        try (LoopbackHandoffServer server = new LoopbackHandoffServer(new SessionTable.Context()
            .credentials(psk).idleTimeoutMillis(1_000)))
        {
            final SessionTable table = server.table();
            // Warm up the handshake code paths before the baseline, so the JIT and class loading are not counted.
            runClients(server.port(), 50, 2);
            awaitCondition(() -> table.liveSessions() == 0);
            server.forget();
            final long baseline = usedHeapAfterGc();

            runClients(server.port(), sessions, clientThreads);
            assertEquals(sessions + 50, table.completed(), "every client completed a handshake and an echo");
            awaitCondition(() -> table.liveSessions() == 0);
            server.forget();
            final long after = usedHeapAfterGc();

            assertEquals(0, table.handshakesInProgress());
            assertEquals(0, table.liveAddresses());
            assertEquals(sessions + 50, table.ended(PeerSession.End.IDLE_TIMED_OUT) +
                table.ended(PeerSession.End.CLOSED),
                () -> "every session ended by idling out or by the client's close: " + ends(table));
            assertEquals(sessions + 50, server.released(), "every peer was released to the worker");
            assertNull(server.failure());
            final long grownBytes = after - baseline;
            System.out.println("SessionTableTest: " + sessions + " sessions, heap baseline " + baseline +
                " B, after " + after + " B");
            assertTrue(grownBytes < 16L * 1024 * 1024,
                "heap after " + sessions + " sessions returned to baseline: grew " + grownBytes + " bytes");
        }
    }

    private static void runClients(final int port, final int count, final int threads) throws Exception
    {
        final AtomicInteger next = new AtomicInteger();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++)
        {
            final Thread worker = new Thread(() ->
            {
                while (next.getAndIncrement() < count && null == failure.get())
                {
                    try (DtlsTestClient client = DtlsTestClient.connect(port, DtlsTestClient.pskClient(IDENTITY, PSK)))
                    {
                        if (!"ping".equals(client.echo("ping")))
                        {
                            throw new IllegalStateException("no echo");
                        }
                    }
                    catch (final Throwable ex)
                    {
                        failure.compareAndSet(null, ex);
                    }
                }
            });
            worker.start();
            workers.add(worker);
        }
        for (final Thread worker : workers)
        {
            worker.join();
        }
        if (null != failure.get())
        {
            throw new AssertionError("a client failed", failure.get());
        }
    }

    private static String ends(final SessionTable table)
    {
        final StringBuilder sb = new StringBuilder();
        for (final PeerSession.End end : PeerSession.End.values())
        {
            sb.append(end).append('=').append(table.ended(end)).append(' ');
        }
        return sb.toString();
    }

    private static long usedHeapAfterGc() throws InterruptedException
    {
        final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++)
        {
            System.gc();
            Thread.sleep(50);
            used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
        }
        return used;
    }

    private static Thread startStalledClient(final int port)
    {
        final Thread thread = new Thread(() ->
        {
            try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)))
            {
                socket.connect(InetAddress.getLoopbackAddress(), port);
                new DTLSClientProtocol().connect(DtlsTestClient.pskClient(IDENTITY, PSK),
                    new StallingTransport(new UDPTransport(socket, 1500)));
            }
            catch (final IOException expected)
            {
                // the stalled client times out: that is the point
            }
        }, "stalled-client");
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    private static void connectQuickly(final InetAddress server, final int port) throws IOException
    {
        try (DtlsTestClient client = DtlsTestClient.connect(server, port,
            DtlsTestClient.pskClient(IDENTITY, PSK, 1_500)))
        {
            client.echo("should not get here");
        }
    }

    private static void awaitCondition(final java.util.function.BooleanSupplier condition) throws InterruptedException
    {
        while (!condition.getAsBoolean())
        {
            Thread.sleep(10);
        }
    }
}
