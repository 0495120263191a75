package io.turnstile.server.handshake;

import io.turnstile.nativeio.BatchSocket;
import io.turnstile.nativeio.BatchSockets;
import io.turnstile.nativeio.LibC;
import io.turnstile.nativeio.VerifierAgent;
import io.turnstile.nativeio.WorkerCounter;
import io.turnstile.verifier.ClientHelloVerifier;
import org.agrona.concurrent.AgentInvoker;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The worker's side of the hand-off allocates nothing: a real {@link VerifierAgent} (recvmmsg/sendmmsg socket) with
 * an {@link EchoServer} attached runs on the test's thread through an {@link AgentInvoker}, while BouncyCastle clients
 * on other threads keep established sessions echoing through it. Every datagram then crosses the worker twice (the
 * peer's record straight into its session's queue through the slot the conductor attached, the session's echo out of
 * the outbox), and the thread's allocated bytes over a window of thousands of them must be zero once warm: with the
 * conductor sharing the worker's thread (the default) and with a conductor thread of its own, which must allocate
 * nothing either. With virtual session threads, waking a parked session costs the waking thread (the worker) the
 * JDK scheduler's objects, 32 to 48 bytes per wake on JDK 25: bounded here, not zero.
 */
class HandshakeHandoffAllocationTest
{
    private static final byte[] PSK_IDENTITY = "client1".getBytes(StandardCharsets.UTF_8);
    private static final byte[] PSK = new byte[32];
    private static final int CLIENTS = 4;
    private static final int WARM_UP_ECHOES = 20_000;
    private static final int WINDOW_ECHOES = 5_000;
    /**
     * Windows measured at most while the last one still allocates. C2 compiles the worker's path late on a loaded
     * 2-core CI machine (a CI run saw five windows of 90 to 99 KB, the interpreter's and C1's FFM slices, before the
     * sixth fell to 38 KB); a real allocation per datagram shows in every window, so more windows only cost time when
     * the path is warming up, and each window is a tenth of a second.
     */
    private static final int MAX_WINDOWS = 40;
    /**
     * What waking a parked virtual thread costs the waking thread in the JDK's scheduler, per datagram: measured 32 to
     * 48 bytes on JDK 25 (the task wrapper, and at times the timed park's cancellation). The platform-thread tests
     * prove that Turnstile's own part is zero; this bound only keeps the JDK's part from hiding a copy of ours.
     */
    private static final int VIRTUAL_WAKE_BYTES = 64;

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void shouldAllocateNothingOnTheWorkerThreadThatAlsoRunsTheConductor() throws Exception
    {
        measure(EchoServer.Threading.SHARED, platformThreads());
    }

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void shouldAllocateNothingOnTheWorkerOrOnADedicatedConductorThread() throws Exception
    {
        measure(EchoServer.Threading.DEDICATED, platformThreads());
    }

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void shouldAllocateNoMoreThanTheJdksWakeUpPerDatagramWithVirtualSessionThreads() throws Exception
    {
        measure(EchoServer.Threading.SHARED, null);
    }

    private static ThreadFactory platformThreads()
    {
        return Thread.ofPlatform().daemon().name("session-", 0).factory();
    }

    private static void measure(final EchoServer.Threading threading, final ThreadFactory sessionThreads)
        throws Exception
    {
        assumeTrue(LibC.isAvailable());
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());

        final InetAddress loopback = InetAddress.getLoopbackAddress();
        final CountersManager countersManager = new CountersManager(
            new UnsafeBuffer(ByteBuffer.allocateDirect(64 * 1024)),
            new UnsafeBuffer(ByteBuffer.allocateDirect(16 * 1024)));
        final AtomicCounter[] counters = WorkerCounter.allocate(countersManager, 0);
        final List<Throwable> errors = new CopyOnWriteArrayList<>();
        final SessionTable.Context context = new SessionTable.Context()
            .credentials(ServerCredentials.psk(PSK_IDENTITY, PSK)).idleTimeoutMillis(120_000);
        if (null != sessionThreads)
        {
            context.threadFactory(sessionThreads);
        }
        try (EchoServer echo = new EchoServer(context, threading))
        {
            final VerifierAgent.Context agentContext = new VerifierAgent.Context()
                .sockets(() -> BatchSockets.open(new BatchSocket.Context().bindAddress(loopback)))
                .slotBytes(BatchSocket.Context.DEFAULT_SLOT_BYTES)
                .verifier(new ClientHelloVerifier())
                .counters(counters);
            echo.configure(0, agentContext);
            final VerifierAgent agent = new VerifierAgent(agentContext);
            try (AgentInvoker invoker = new AgentInvoker(errors::add, null, agent))
            {
                invoker.start();
                final int port = agent.socket().localPort();
                final SessionTable table = echo.table();
                final AtomicBoolean stop = new AtomicBoolean();
                final AtomicInteger failures = new AtomicInteger();
                final List<Thread> clients = new ArrayList<>();
                for (int i = 0; i < CLIENTS; i++)
                {
                    final Thread client = new Thread(() -> echoUntilStopped(port, stop, failures), "client-" + i);
                    client.setDaemon(true);
                    client.start();
                    clients.add(client);
                }
                try
                {
                    invokeUntilEchoed(invoker, table, WARM_UP_ECHOES);
                    assertEquals(CLIENTS, table.completed(), "every client completed its handshake");

                    final long overhead = overhead(threads);
                    final long[] allocated = new long[MAX_WINDOWS];
                    final long conductorId = threading == EchoServer.Threading.DEDICATED ? conductorThreadId() : -1;
                    long conductorAllocated = 0;
                    long windowDatagrams = 0;
                    int windows = 0;
                    do
                    {
                        final long echoedBefore = table.echoed();
                        final long conductorBefore = conductorId < 0 ? 0 : threads.getThreadAllocatedBytes(conductorId);
                        final long datagramsBefore = counters[WorkerCounter.PEER_DATAGRAMS.ordinal()].get();
                        final long before = threads.getCurrentThreadAllocatedBytes();
                        invokeUntilEchoed(invoker, table, echoedBefore + WINDOW_ECHOES);
                        allocated[windows++] = threads.getCurrentThreadAllocatedBytes() - before - overhead;
                        windowDatagrams = counters[WorkerCounter.PEER_DATAGRAMS.ordinal()].get() - datagramsBefore;
                        conductorAllocated = conductorId < 0 ? 0 :
                            threads.getThreadAllocatedBytes(conductorId) - conductorBefore;
                    }
                    // Another window while the JIT may still be compiling the path (the interpreter's and C1's FFM
                    // errno slices are only scalar-replaced by C2).
                    while (windows < MAX_WINDOWS && allocated[windows - 1] >
                        (null == sessionThreads ? VIRTUAL_WAKE_BYTES * windowDatagrams : 0));

                    final long peerDatagrams = counters[WorkerCounter.PEER_DATAGRAMS.ordinal()].get();
                    final long outboxSent = counters[WorkerCounter.OUTBOX_SENT.ordinal()].get();
                    System.out.println("HandshakeHandoffAllocationTest: " + CLIENTS + " sessions, " + peerDatagrams +
                        " peer datagrams in, " + outboxSent + " outbox datagrams out, " + table.echoed() +
                        " echoed; worker bytes allocated per window of " + WINDOW_ECHOES + " echoes: " +
                        Arrays.toString(Arrays.copyOf(allocated, windows)) + ", datagram buffers made " +
                        echo.conductor().pool().created() + "; a dedicated conductor thread allocated " +
                        conductorAllocated + " bytes over the last window (" + threading + " conductor, " +
                        (null == sessionThreads ? "virtual" : "platform") + " session threads)");
                    assertEquals(0, conductorAllocated, "conductor bytes allocated over the last window");
                    if (null == sessionThreads)
                    {
                        assertTrue(allocated[windows - 1] <= VIRTUAL_WAKE_BYTES * windowDatagrams,
                            "at most one virtual-thread wake's bytes per datagram: " + allocated[windows - 1] +
                            " bytes for " + windowDatagrams + " datagrams");
                    }
                    else
                    {
                        assertEquals(0, allocated[windows - 1], "worker bytes allocated per window: " +
                            Arrays.toString(Arrays.copyOf(allocated, windows)));
                    }
                    assertTrue(peerDatagrams >= table.echoed(), "every echoed record came through the worker");
                    assertEquals(0, echo.handoffs().get(0).droppedDatagrams());
                }
                finally
                {
                    stop.set(true);
                    for (final Thread client : clients)
                    {
                        while (client.isAlive())
                        {
                            invoker.invoke();
                            client.join(1);
                        }
                    }
                }
                assertEquals(0, failures.get(), "no client failed");
                assertTrue(errors.isEmpty(), errors::toString);
            }
        }
    }

    private static void echoUntilStopped(final int port, final AtomicBoolean stop, final AtomicInteger failures)
    {
        try (DtlsTestClient client = DtlsTestClient.connect(port, DtlsTestClient.pskClient(PSK_IDENTITY, PSK)))
        {
            while (!stop.get())
            {
                if (!"ping".equals(client.echo("ping")))
                {
                    failures.incrementAndGet();
                    return;
                }
            }
        }
        catch (final Exception ex)
        {
            if (!stop.get())
            {
                failures.incrementAndGet();
                ex.printStackTrace();
            }
        }
    }

    private static void invokeUntilEchoed(final AgentInvoker invoker, final SessionTable table, final long echoed)
    {
        while (table.echoed() < echoed)
        {
            if (invoker.invoke() == 0)
            {
                Thread.onSpinWait();
            }
        }
    }

    private static long conductorThreadId()
    {
        for (final Thread thread : Thread.getAllStackTraces().keySet())
        {
            if ("turnstile-session-conductor".equals(thread.getName()))
            {
                return thread.threadId();
            }
        }
        throw new AssertionError("no conductor thread");
    }

    private static long overhead(final com.sun.management.ThreadMXBean threads)
    {
        final long a = threads.getCurrentThreadAllocatedBytes();
        final long b = threads.getCurrentThreadAllocatedBytes();
        return b - a;
    }
}
