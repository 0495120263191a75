package io.turnstile.nativeio.xdp;

import io.turnstile.nativeio.AllocationWindows;
import io.turnstile.nativeio.BatchSocket;
import io.turnstile.nativeio.MmsgBatchSocket;
import io.turnstile.codec.PeerAddress;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static java.nio.ByteOrder.BIG_ENDIAN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The AF_XDP worker socket's receive, reply and flush path allocates nothing in steady state: a client in another
 * namespace keeps a window of datagrams in flight over veth, the XDP.md program redirects them to the socket, and
 * the server thread answers each one through the TX ring (the worker's {@link XskCounter}s published every batch)
 * while its allocated-bytes counter is read around a window of {@value #DATAGRAMS} replies after warm-up. Up to
 * {@value AllocationWindows#MAX_WINDOWS} windows, the last must be exactly zero (see {@link AllocationWindows}).
 * Without and with busy polling (a {@code recvfrom} per receive). Root only; skipped elsewhere.
 */
class XdpWorkerSocketAllocationTest
{
    private static final int PORT = 41235;
    private static final int WARM_UP_RUNS = 40;
    private static final int WARM_UP_DATAGRAMS = 8192;
    private static final int DATAGRAMS = 200_000;
    private static final int WINDOW = 192;
    private static final long MAX_CLIENT_DATAGRAMS = 20_000_000;
    private static final long IDLE_LIMIT_NS = TimeUnit.SECONDS.toNanos(10);
    // Not the common pool: on 2 cores it has one thread, and the blocked server task would starve the client.
    private static final Executor OWN_THREAD = (task) -> new Thread(task).start();

    @ParameterizedTest(name = "busy polling {0}")
    @ValueSource(booleans = {false, true})
    @Timeout(180)
    void shouldAllocateNothingWhileAnsweringThroughTheRings(final boolean busyPoll) throws Exception
    {
        final VethNetwork network = VethNetwork.create();
        assumeTrue(null != network);
        try (network)
        {
            if (busyPoll)
            {
                // Busy polling adds a recvfrom to every receive; the device defers to it as a deployment would set it.
                assertTrue(network.serverAttribute("napi_defer_hard_irqs", "2"));
                assertTrue(network.serverAttribute("gro_flush_timeout", "200000"));
            }
            final CountDownLatch ready = new CountDownLatch(1);
            final AtomicBoolean stop = new AtomicBoolean();
            final AtomicLong replies = new AtomicLong();
            final CompletableFuture<long[]> server = CompletableFuture.supplyAsync(() ->
            {
                try
                {
                    return network.inServer(() -> serve(network.serverInterface(), busyPoll, ready), 170);
                }
                catch (final Exception ex)
                {
                    throw new IllegalStateException(ex);
                }
                finally
                {
                    stop.set(true);
                }
            }, OWN_THREAD);
            assertTrue(ready.await(20, TimeUnit.SECONDS) || server.isDone(), "server never became ready");
            final CompletableFuture<Void> client = CompletableFuture.runAsync(() ->
            {
                try
                {
                    network.inClient(() -> flood(stop, replies), 170);
                }
                catch (final Exception ex)
                {
                    throw new IllegalStateException(ex);
                }
            }, OWN_THREAD);
            final long[] result = server.get(170, TimeUnit.SECONDS);
            client.get(20, TimeUnit.SECONDS);
            assertEquals(0, result[0], "bytes allocated per window of " + DATAGRAMS + " replies: last of " +
                result[1] + " windows (is the JVM running with LibC.JIT_FLAGS?)");
            assertTrue(replies.get() > (long)DATAGRAMS * result[1], "the client got the replies: " + replies);
            assertTrue(result[2] >= (long)DATAGRAMS * result[1], "XskCounter.RX counted them: " + result[2]);
        }
    }

    private static long[] serve(final String interfaceName, final boolean busyPoll, final CountDownLatch ready)
    {
        final int ifindex = Bpf.ifIndex(interfaceName);
        final CountersManager countersManager = new CountersManager(
            new UnsafeBuffer(ByteBuffer.allocateDirect(64 * CountersReader.METADATA_LENGTH)),
            new UnsafeBuffer(ByteBuffer.allocateDirect(64 * CountersReader.COUNTER_LENGTH)));
        final AtomicCounter[] counters = XskCounter.allocate(countersManager, 0);
        try (XdpWorkerSocket socket = new XdpWorkerSocket(
            new XdpBatchSocket.Context().interfaceName(interfaceName).queueId(0).busyPoll(busyPoll),
            new BatchSocket.Context().bindAddress(InetAddress.getByName(VethNetwork.SERVER_V4)).port(PORT),
            counters);
            BpfMap xsks = BpfMap.xskMap(1, "test_xsks"))
        {
            xsks.putInt(0, socket.xdpSocket().fd());
            try (BpfProgram program = BpfProgram.loadXdp("test_redirect", EbpfAssemblerTest.portRedirect(PORT, xsks.fd()));
                XdpLink link = XdpLink.attach(program, ifindex, XdpMode.DRIVER))
            {
                assertEquals(ifindex, link.ifindex());
                ready.countDown();
                final AllocationWindows allocation = AllocationWindows.assumeSupported();
                for (int i = 0; i < WARM_UP_RUNS; i++)
                {
                    answer(socket, WARM_UP_DATAGRAMS);
                }
                allocation.measure(() -> answer(socket, DATAGRAMS));
                return new long[]{allocation.lastAllocated(), allocation.windows(),
                    counters[XskCounter.RX.ordinal()].get()};
            }
        }
        catch (final UnknownHostException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    private static long answer(final BatchSocket socket, final int datagrams)
    {
        long answered = 0;
        long lastProgressNs = System.nanoTime();
        while (answered < datagrams)
        {
            final int received = socket.receive();
            if (received == 0)
            {
                socket.flush();
                // Consecutive idleness in wall time: the client thread may wait for a core behind the JIT's threads
                // on a loaded 2-core machine, and its own 20 ms refill brings it back.
                if (System.nanoTime() - lastProgressNs > IDLE_LIMIT_NS)
                {
                    throw new AssertionError("no datagrams for " + TimeUnit.NANOSECONDS.toSeconds(IDLE_LIMIT_NS) +
                        " s after " + answered + ": " + ((XdpWorkerSocket)socket).xdpSocket());
                }
                continue;
            }
            lastProgressNs = System.nanoTime();
            for (int i = 0; i < received; i++)
            {
                int slot = socket.nextSendSlot();
                if (slot < 0)
                {
                    socket.flush();
                    slot = socket.nextSendSlot();
                    if (slot < 0)
                    {
                        continue;
                    }
                }
                final int sequence = socket.received(i).buffer().getInt(0, BIG_ENDIAN);
                socket.sendBuffer(slot).putInt(0, sequence + 1, BIG_ENDIAN);
                socket.stageReply(slot, 60, i);
            }
            answered += received;
            socket.flush();
        }
        return answered;
    }

    /**
     * Keep up to a window of datagrams in flight until the server is done; a window that gets no reply for 20 ms is
     * taken as lost (copy mode drops when the peer's ring is full) and refilled.
     */
    private static Void flood(final AtomicBoolean stop, final AtomicLong replies) throws Exception
    {
        final InetSocketAddress server = new InetSocketAddress(InetAddress.getByName(VethNetwork.SERVER_V4), PORT);
        final PeerAddress destination = PeerAddress.of(server);
        try (MmsgBatchSocket client = new MmsgBatchSocket(new BatchSocket.Context()
            .bindAddress(InetAddress.getByName(VethNetwork.CLIENT_V4)).batchSize(64)))
        {
            long sent = 0;
            int outstanding = 0;
            long lastProgressNs = System.nanoTime();
            while (!stop.get() && sent < MAX_CLIENT_DATAGRAMS)
            {
                while (outstanding < WINDOW)
                {
                    final int slot = client.nextSendSlot();
                    if (slot < 0)
                    {
                        break;
                    }
                    client.sendBuffer(slot).putInt(0, (int)sent, BIG_ENDIAN);
                    client.stage(slot, 100, destination);
                    sent++;
                    outstanding++;
                }
                client.flush();
                final int received = client.receive();
                if (received > 0)
                {
                    outstanding = Math.max(0, outstanding - received);
                    replies.addAndGet(received);
                    lastProgressNs = System.nanoTime();
                }
                else if (System.nanoTime() - lastProgressNs > 20_000_000L)
                {
                    outstanding = 0;
                    lastProgressNs = System.nanoTime();
                }
            }
        }
        return null;
    }
}
