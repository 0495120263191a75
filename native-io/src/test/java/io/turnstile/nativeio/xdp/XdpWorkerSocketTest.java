package io.turnstile.nativeio.xdp;

import io.turnstile.codec.PeerAddress;
import io.turnstile.nativeio.BatchSocket;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The worker's two sockets behind one {@link BatchSocket}, with the real DTLS XDP program ({@link XdpFilter}) on a
 * veth: a first ClientHello reaches the AF_XDP socket and is answered through the TX ring; a later record (epoch 1)
 * is passed by the program to the kernel socket and answered through it; a datagram staged to a peer goes through the
 * kernel socket; the {@link XskCounter}s say which path each took; every wake-up from {@code awaitReceive} finds
 * its datagram, from whichever socket poll said is readable. Over IPv4 and IPv6. Root only.
 */
class XdpWorkerSocketTest
{
    private static final int PORT = 41236;
    private static final Executor OWN_THREAD = (task) -> new Thread(task).start();

    @Test
    @Timeout(60)
    void shouldAnswerHellosThroughAfXdpAndOtherRecordsThroughTheKernelSocketOverIpv4() throws Exception
    {
        exchange(VethNetwork.SERVER_V4, VethNetwork.CLIENT_V4);
    }

    @Test
    @Timeout(60)
    void shouldAnswerHellosThroughAfXdpAndOtherRecordsThroughTheKernelSocketOverIpv6() throws Exception
    {
        exchange(VethNetwork.SERVER_V6, VethNetwork.CLIENT_V6);
    }

    private static void exchange(final String serverHost, final String clientHost) throws Exception
    {
        final VethNetwork network = VethNetwork.create();
        assumeTrue(null != network);
        try (network)
        {
            final CountDownLatch ready = new CountDownLatch(1);
            final AtomicBoolean stop = new AtomicBoolean();
            final CompletableFuture<long[]> server = CompletableFuture.supplyAsync(() ->
            {
                try
                {
                    return network.inServer(() -> serve(network.serverInterface(), serverHost, ready, stop), 50);
                }
                catch (final Exception ex)
                {
                    throw new IllegalStateException(ex);
                }
            }, OWN_THREAD);
            final Set<String> replies;
            try
            {
                assertTrue(ready.await(20, TimeUnit.SECONDS), "server never became ready");
                replies = network.inClient(() -> client(serverHost, clientHost), 40);
            }
            finally
            {
                stop.set(true);
            }
            final long[] counts = server.get(20, TimeUnit.SECONDS);
            assertEquals(Set.of("xdp:hello", "kernel:record", "staged"), replies);
            assertEquals(1, counts[0], "datagrams through the AF_XDP socket");
            assertEquals(1, counts[1], "datagrams through the kernel socket");
            assertEquals(1, counts[2], "replies completed through the TX ring");
            assertEquals(0, counts[3], "a wake-up found nothing: the kernel socket was skipped though poll said readable");
        }
    }

    private static long[] serve(
        final String interfaceName, final String host, final CountDownLatch ready, final AtomicBoolean stop)
        throws Exception
    {
        final CountersManager countersManager = new CountersManager(
            new UnsafeBuffer(ByteBuffer.allocateDirect(16 * CountersReader.METADATA_LENGTH)),
            new UnsafeBuffer(ByteBuffer.allocateDirect(16 * CountersReader.COUNTER_LENGTH)));
        final AtomicCounter[] counters = XskCounter.allocate(countersManager, 0);
        final InetAddress address = InetAddress.getByName(host);
        try (XdpFilter filter = XdpFilter.open(new XdpFilter.Context().address(address).port(PORT).queues(1)
            .mode(XdpMode.DRIVER)).attach(interfaceName);
            XdpWorkerSocket socket = new XdpWorkerSocket(new XdpBatchSocket.Context().interfaceName(interfaceName),
                new BatchSocket.Context().bindAddress(address).port(PORT), counters))
        {
            filter.registerSocket(0, socket.xdpSocket().fd());
            ready.countDown();
            boolean staged = false;
            long emptyWakes = 0;
            while (!stop.get())
            {
                if (!socket.awaitReceive(10))
                {
                    socket.flush();
                    continue;
                }
                final int received = socket.receive();
                if (received == 0)
                {
                    emptyWakes++;
                }
                for (int i = 0; i < received; i++)
                {
                    final int slot = socket.nextSendSlot();
                    final boolean hello = socket.received(i).buffer().getByte(0) == 22;
                    final byte[] text = ((hello ? "xdp:hello" : "kernel:record")).getBytes();
                    socket.sendBuffer(slot).putBytes(0, text);
                    socket.stageReply(slot, text.length, i);
                    if (!staged)
                    {
                        // A datagram to a peer, not a reply: only the kernel socket can address it.
                        final PeerAddress peer = PeerAddress.of(socket.received(i).peer().toSocketAddress());
                        final int next = socket.nextSendSlot();
                        final byte[] note = "staged".getBytes();
                        socket.sendBuffer(next).putBytes(0, note);
                        socket.stage(next, note.length, peer);
                        staged = true;
                    }
                }
                socket.flush();
            }
            // A copy-mode frame completes when the peer frees its skb, after the TX ring let it go: receive() reaps
            // the completions and publishes the counters (the client is done, so no datagram comes).
            for (int i = 0; i < 1000 && (socket.sendQueued() > 0 || counters[XskCounter.TX.ordinal()].get() < 1); i++)
            {
                socket.flush();
                socket.receive();
                Thread.sleep(1);
            }
            return new long[]{counters[XskCounter.RX.ordinal()].get(), counters[XskCounter.PASSED.ordinal()].get(),
                counters[XskCounter.TX.ordinal()].get(), emptyWakes};
        }
    }

    private static Set<String> client(final String serverHost, final String clientHost) throws Exception
    {
        final Set<String> replies = new HashSet<>();
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(clientHost), 0)))
        {
            socket.setSoTimeout(3000);
            final InetSocketAddress server = new InetSocketAddress(InetAddress.getByName(serverHost), PORT);
            final byte[] hello = Datagrams.clientHello(0, 0);
            socket.send(new DatagramPacket(hello, hello.length, server));
            final byte[] in = new byte[2048];
            for (int i = 0; i < 3; i++)
            {
                if (i == 2)
                {
                    // After the server's receive of the hello: the record reaches a server that just received, so
                    // only poll's word that the kernel socket is readable gets it looked at on the next receive.
                    final byte[] record = Datagrams.record(23, 1, 20);
                    socket.send(new DatagramPacket(record, record.length, server));
                }
                final DatagramPacket packet = new DatagramPacket(in, in.length);
                socket.receive(packet);
                assertEquals(PORT, packet.getPort());
                replies.add(new String(Arrays.copyOf(in, packet.getLength())));
            }
        }
        return replies;
    }
}
