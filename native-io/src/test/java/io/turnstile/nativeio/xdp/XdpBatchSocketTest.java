package io.turnstile.nativeio.xdp;

import io.turnstile.codec.PeerAddress;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The AF_XDP socket through a real kernel: two namespaces joined by veth, the XDP.md redirect program on the server
 * side (UDP to the port, queue 0 → this socket), a plain UDP client on the other side. The client's kernel checks
 * each reply's IP and UDP checksums and addresses before its socket sees it, so a reply received is a reply built
 * right. Root only; skipped elsewhere.
 */
class XdpBatchSocketTest
{
    private static final int PORT = 41234;
    private static final int ROUNDS = 3000;

    @Test
    @Timeout(60)
    void shouldReceiveDatagramsAndSendRepliesThroughTheRings() throws Exception
    {
        pingPongThroughTheRings(0, false);
    }

    @Test
    @Timeout(60)
    void shouldReceiveThroughAnRxRingSmallerThanTheFillRing() throws Exception
    {
        pingPongThroughTheRings(64, false);
    }

    @Test
    @Timeout(60)
    void shouldReceiveAndReplyWhileBusyPollingTheDevice() throws Exception
    {
        pingPongThroughTheRings(0, true);
    }

    private static void pingPongThroughTheRings(final int rxRingSize, final boolean busyPoll) throws Exception
    {
        final VethNetwork network = VethNetwork.create();
        assumeTrue(null != network);
        try (network)
        {
            if (busyPoll)
            {
                // The device defers its own polling to the socket's, as a busy-polling deployment sets it.
                assertTrue(network.serverAttribute("napi_defer_hard_irqs", "2"));
                assertTrue(network.serverAttribute("gro_flush_timeout", "200000"));
            }
            final CountDownLatch ready = new CountDownLatch(1);
            final AtomicBoolean stop = new AtomicBoolean();
            final CompletableFuture<long[]> server = CompletableFuture.supplyAsync(() ->
            {
                try
                {
                    return network.inServer(
                        () -> serve(network.serverInterface(), rxRingSize, busyPoll, ready, stop), 50);
                }
                catch (final Exception ex)
                {
                    throw new IllegalStateException(ex);
                }
            });
            try
            {
                assertTrue(ready.await(20, TimeUnit.SECONDS) || server.isDone(), "server never became ready");
                if (server.isDone())
                {
                    server.join();
                }
                final int answered = network.inClient(() -> pingPong(VethNetwork.SERVER_V4), 40);
                assertEquals(ROUNDS, answered, "replies received, each with the expected payload");
            }
            finally
            {
                stop.set(true);
            }
            final long[] stats = server.get(20, TimeUnit.SECONDS);
            assertEquals(ROUNDS, stats[0], "datagrams received through the RX ring");
            assertEquals(ROUNDS, stats[1], "replies completed through the TX and completion rings");
            assertEquals(0, stats[2], "TX descriptors the kernel found invalid");
            assertEquals(busyPoll ? 1 : 0, stats[3], "SO_PREFER_BUSY_POLL and SO_BUSY_POLL, as the kernel holds them");
        }
    }

    @Test
    void shouldRefuseAContextThatWouldStarveTheFillRing()
    {
        final IllegalArgumentException small = assertThrows(IllegalArgumentException.class,
            () -> new XdpBatchSocket.Context().interfaceName("eth0").ringSize(2048).frameCount(4096).conclude());
        assertTrue(small.getMessage().contains("frameCount"), small.getMessage());
        assertThrows(IllegalArgumentException.class,
            () -> new XdpBatchSocket.Context().interfaceName("eth0").ringSize(1000).conclude(), "not a power of 2");
        assertThrows(IllegalArgumentException.class,
            () -> new XdpBatchSocket.Context().interfaceName("eth0").frameBytes(3000).conclude());
        assertTrue(assertThrows(IllegalArgumentException.class,
            () -> new XdpBatchSocket.Context().interfaceName("eth0").ringSize(512).rxRingSize(1024).conclude())
            .getMessage().contains("rxRingSize must be a power of 2 from 64 to ringSize 512, got 1024"));
        assertEquals(2048, new XdpBatchSocket.Context().interfaceName("eth0").conclude().rxRingSize(),
            "the RX ring follows the others unless told");
        assertThrows(IllegalArgumentException.class, () -> new XdpBatchSocket.Context().conclude(), "no device");
        assertThrows(IllegalArgumentException.class,
            () -> new XdpBatchSocket.Context().interfaceName("a-name-longer-than-15").conclude());
        final XdpBatchSocket.Context copy =
            new XdpBatchSocket.Context().interfaceName("eth1").queueId(3).frameBytes(4096).zeroCopy(true)
                .rxRingSize(256).copy();
        assertEquals("eth1", copy.interfaceName());
        assertEquals(3, copy.queueId());
        assertEquals(4096, copy.frameBytes());
        assertTrue(copy.zeroCopy());
        assertEquals(256, copy.rxRingSize());
        assertFalse(new XdpBatchSocket.Context().busyPoll(), "busy polling is off unless asked for");
        assertTrue(new XdpBatchSocket.Context().busyPoll(true).copy().busyPoll());
    }

    @Test
    void shouldNameTheDeviceWhenItDoesNotExist()
    {
        assumeTrue(io.turnstile.nativeio.LibC.isAvailable() && XdpLibC.isAvailable());
        final io.turnstile.nativeio.NativeIoException missing = assertThrows(
            io.turnstile.nativeio.NativeIoException.class,
            () -> new XdpBatchSocket(new XdpBatchSocket.Context().interfaceName("tsxnodev0")));
        assertTrue(missing.getMessage().contains("tsxnodev0") && missing.getMessage().contains("no such network device"),
            missing.getMessage());
    }

    @Test
    @Timeout(30)
    void shouldRefuseZeroCopyAndMissingQueuesOnVethSayingWhy() throws Exception
    {
        final VethNetwork network = VethNetwork.create();
        assumeTrue(null != network);
        try (network)
        {
            final String message = network.inServer(() -> assertThrows(io.turnstile.nativeio.NativeIoException.class,
                () -> new XdpBatchSocket(new XdpBatchSocket.Context().interfaceName(network.serverInterface())
                    .zeroCopy(true).ringSize(512).frameCount(2048))).getMessage(), 20);
            // veth has no AF_XDP zero-copy: the bind says so rather than falling back to copy mode.
            assertTrue(message.contains("zero-copy") && message.contains("does not support it"), message);
            // A veth has one RX queue: queue 1 is refused, and the message says what to check.
            final String noQueue = network.inServer(() -> assertThrows(io.turnstile.nativeio.NativeIoException.class,
                () -> new XdpBatchSocket(new XdpBatchSocket.Context().interfaceName(network.serverInterface())
                    .queueId(1).ringSize(512).frameCount(2048))).getMessage(), 20);
            assertTrue(noQueue.contains("queue 1") && noQueue.contains("RX queues"), noQueue);
        }
    }

    @Test
    @Timeout(30)
    void shouldBindAQueueAsSoonAsItsPreviousSocketLetsGoAndSayWhyWhenItDoesNot() throws Exception
    {
        final VethNetwork network = VethNetwork.create();
        assumeTrue(null != network);
        try (network)
        {
            final Supplier<XdpBatchSocket.Context> context = () -> new XdpBatchSocket.Context()
                .interfaceName(network.serverInterface()).ringSize(512).frameCount(2048);
            final String message = network.inServer(() ->
            {
                // The first socket lives on a thread of its own (a socket is confined to the thread that opened
                // it), started here so that it shares this thread's namespace.
                final CountDownLatch bound = new CountDownLatch(1);
                final AtomicBoolean closing = new AtomicBoolean();
                final CompletableFuture<Integer> first = new CompletableFuture<>();
                new Thread(() ->
                {
                    try
                    {
                        final XdpBatchSocket socket = new XdpBatchSocket(context.get());
                        bound.countDown();
                        Thread.sleep(300);
                        final int queueId = socket.queueId();
                        closing.set(true);
                        socket.close();
                        first.complete(queueId);
                    }
                    catch (final Throwable ex)
                    {
                        first.completeExceptionally(ex);
                    }
                }).start();
                assertTrue(bound.await(5, TimeUnit.SECONDS), "the first socket bound");
                // Binds while the first socket still holds the queue: EBUSY until it is closed, then bound.
                try (XdpBatchSocket second = new XdpBatchSocket(context.get()))
                {
                    assertTrue(closing.get(), "the second socket bound before the first let the queue go");
                    assertEquals(0, first.get(5, TimeUnit.SECONDS));
                    assertEquals(0, second.queueId());
                    // Held for good: reported after the retry window, with the reason.
                    return assertThrows(io.turnstile.nativeio.NativeIoException.class,
                        () -> new XdpBatchSocket(context.get())).getMessage();
                }
            }, 20);
            assertTrue(message.contains("queue 0") && message.contains("held by another AF_XDP socket") &&
                message.matches("(?s).*still busy after \\d{4,} ms.*"), message);
        }
    }

    private static long[] serve(
        final String interfaceName, final int rxRingSize, final boolean busyPoll, final CountDownLatch ready,
        final AtomicBoolean stop)
    {
        final int ifindex = Bpf.ifIndex(interfaceName);
        try (XdpBatchSocket socket = new XdpBatchSocket(new XdpBatchSocket.Context()
            .interfaceName(interfaceName).queueId(0).ringSize(512).rxRingSize(rxRingSize).frameCount(2048).batchSize(32)
            .busyPoll(busyPoll));
            BpfMap xsks = BpfMap.xskMap(1, "test_xsks"))
        {
            xsks.putInt(0, socket.fd());
            try (BpfProgram program = BpfProgram.loadXdp("test_redirect", EbpfAssemblerTest.portRedirect(PORT, xsks.fd()));
                XdpLink link = XdpLink.attach(program, ifindex, XdpMode.DRIVER))
            {
                assertThrows(UnsupportedOperationException.class, () -> socket.stage(0, 1, PeerAddress.of(
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), 1))));
                assertEquals(ifindex, link.ifindex());
                ready.countDown();
                final byte[] prefix = "reply to ".getBytes(StandardCharsets.US_ASCII);
                while (!stop.get())
                {
                    if (!socket.awaitReceive(10))
                    {
                        socket.flush();
                        continue;
                    }
                    final int received = socket.receive();
                    for (int i = 0; i < received; i++)
                    {
                        final int slot = socket.nextSendSlot();
                        final UnsafeBuffer reply = socket.sendBuffer(slot);
                        reply.putBytes(0, prefix);
                        final int length = socket.received(i).length();
                        reply.putBytes(prefix.length, socket.received(i).buffer(), 0, length);
                        // The peer the socket decoded must be the client the packet came from.
                        if (!socket.received(i).peer().toString().startsWith(VethNetwork.CLIENT_V4 + ":"))
                        {
                            throw new AssertionError("peer " + socket.received(i).peer());
                        }
                        socket.stageReply(slot, prefix.length + length, i);
                    }
                    socket.flush();
                }
                // A copy-mode frame completes when the peer frees its skb, after the TX ring let it go: receive()
                // reaps the completions (the client is done, so no datagram comes).
                for (int i = 0; i < 1000 && (socket.sendQueued() > 0 || socket.sent() < socket.receivedFrames()); i++)
                {
                    socket.flush();
                    socket.receive();
                    Thread.sleep(1);
                }
                socket.readStatistics();
                // Read back only where asked for: a kernel without busy polling refuses the getsockopt.
                return new long[]{socket.receivedFrames(), socket.sent(), socket.txInvalid(),
                    busyPoll && socket.busyPolling() ? 1 : 0};
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    private static int pingPong(final String server) throws Exception
    {
        int answered = 0;
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(0)))
        {
            socket.setSoTimeout(2000);
            final InetSocketAddress destination = new InetSocketAddress(InetAddress.getByName(server), PORT);
            final byte[] in = new byte[2048];
            for (int i = 0; i < ROUNDS; i++)
            {
                // Odd and even lengths, so the checksum's padding is exercised both ways.
                final byte[] request = ("hello " + i + (i % 2 == 0 ? "" : "!")).getBytes(StandardCharsets.US_ASCII);
                socket.send(new DatagramPacket(request, request.length, destination));
                final DatagramPacket reply = new DatagramPacket(in, in.length);
                try
                {
                    socket.receive(reply);
                }
                catch (final SocketTimeoutException ex)
                {
                    continue;
                }
                final String text = new String(in, 0, reply.getLength(), StandardCharsets.US_ASCII);
                if (text.equals("reply to " + new String(request, StandardCharsets.US_ASCII)) &&
                    reply.getPort() == PORT && reply.getAddress().getHostAddress().equals(server))
                {
                    answered++;
                }
            }
        }
        return answered;
    }
}
