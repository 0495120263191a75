package io.turnstile.nativeio;

import io.turnstile.codec.PeerAddress;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What every {@link BatchSocket} must do, run against each implementation by its own test class over real loopback
 * sockets; peers are plain {@link DatagramChannel}s. Every wait is bounded by a deadline.
 */
abstract class BatchSocketContract
{
    final PeerScratch scratch = new PeerScratch();
    static final long WAIT_NS = TimeUnit.SECONDS.toNanos(10);

    abstract BatchSocket open(BatchSocket.Context context);

    static InetAddress address(final String host)
    {
        try
        {
            return InetAddress.getByName(host);
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    static DatagramChannel peer(final String host) throws IOException
    {
        final InetAddress address = address(host);
        final DatagramChannel channel = DatagramChannel.open(
            address instanceof Inet4Address ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6);
        channel.configureBlocking(false);
        try
        {
            channel.bind(new InetSocketAddress(address, 0));
        }
        catch (final IOException ex)
        {
            channel.close();
            throw new IOException("bind " + address, ex);
        }
        return channel;
    }

    static int peerPort(final DatagramChannel channel) throws IOException
    {
        return ((InetSocketAddress)channel.getLocalAddress()).getPort();
    }

    static byte[] payload(final int client, final int datagram)
    {
        final byte[] bytes = new byte[16 + (client * 7 + datagram * 13) % 1200];
        final ByteBuffer buffer = ByteBuffer.wrap(bytes).putInt(client).putInt(datagram);
        for (int i = buffer.position(); i < bytes.length; i++)
        {
            bytes[i] = (byte)(client + datagram + i);
        }
        return bytes;
    }

    static byte[] copy(final UnsafeBuffer buffer, final int length)
    {
        final byte[] bytes = new byte[length];
        buffer.getBytes(0, bytes);
        return bytes;
    }

    /**
     * The source address as the socket's family gives it: 4 bytes on an IPv4 socket, 16 on a dual-stack one (an IPv4
     * peer there as ::ffff:a.b.c.d), read from the slot's PeerAddress.
     */
    static byte[] address(final BatchSocket socket, final int slot)
    {
        final PeerAddress peer = socket.received(slot).peer();
        final boolean four = !socket.isIpv6() && peer.isIpv4();
        final byte[] bytes = new byte[four ? 4 : PeerAddress.ADDRESS_LENGTH];
        peer.buffer().getBytes(peer.offset() + (four ? PeerAddress.IPV4_OFFSET : 0), bytes);
        return bytes;
    }

    /**
     * A received datagram copied out of its slot, to check after the slot is reused.
     */
    record Received(byte[] payload, byte[] address, int port, int slot)
    {
    }

    /**
     * Receive until count datagrams have arrived, replying to each through {@code reply} when it is not null.
     */
    static List<Received> receive(final BatchSocket socket, final int count, final Replier reply)
    {
        final List<Received> all = new ArrayList<>(count);
        final long deadline = System.nanoTime() + WAIT_NS;
        while (all.size() < count)
        {
            if (System.nanoTime() - deadline > 0)
            {
                fail("received " + all.size() + " of " + count + " datagrams before the deadline");
            }
            socket.awaitReceive(10);
            final int received = socket.receive();
            for (int i = 0; i < received; i++)
            {
                all.add(new Received(
                    copy(socket.received(i).buffer(), socket.received(i).length()), address(socket, i), socket.received(i).peer().port(), i));
                if (null != reply)
                {
                    int slot = socket.nextSendSlot();
                    if (slot < 0)
                    {
                        socket.flush();
                        slot = socket.nextSendSlot();
                        assertTrue(slot >= 0, "a flush on loopback frees every send slot");
                    }
                    socket.stageReply(slot, reply.write(socket, i, socket.sendBuffer(slot)), i);
                }
            }
            if (null != reply)
            {
                socket.flush();
                assertEquals(0, socket.sendQueued());
            }
        }
        return all;
    }

    /**
     * Writes a reply to a receive slot into a send buffer.
     */
    @FunctionalInterface
    interface Replier
    {
        int write(BatchSocket socket, int receiveSlot, UnsafeBuffer sendBuffer);
    }

    /** The reply to a datagram: "R", the client and datagram numbers it carried, and its length. */
    static int echoHeader(final BatchSocket socket, final int receiveSlot, final UnsafeBuffer sendBuffer)
    {
        sendBuffer.putByte(0, (byte)'R');
        sendBuffer.putBytes(1, socket.received(receiveSlot).buffer(), 0, 8);
        sendBuffer.putInt(9, socket.received(receiveSlot).length(), ByteOrder.BIG_ENDIAN);
        return 13;
    }

    static ByteBuffer awaitReply(final DatagramChannel channel, final InetSocketAddress expectedFrom) throws IOException
    {
        final ByteBuffer buffer = ByteBuffer.allocate(2048);
        final long deadline = System.nanoTime() + WAIT_NS;
        while (true)
        {
            final InetSocketAddress from = (InetSocketAddress)channel.receive(buffer);
            if (null != from)
            {
                assertEquals(expectedFrom.getPort(), from.getPort(), "reply source port");
                return buffer.flip();
            }
            if (System.nanoTime() - deadline > 0)
            {
                fail("no reply before the deadline on " + channel.getLocalAddress());
            }
            Thread.onSpinWait();
        }
    }

    void shouldReceiveAndReplyWithExactContents(final String host) throws IOException
    {
        try (BatchSocket socket = open(new BatchSocket.Context().bindAddress(address(host)).batchSize(8));
            DatagramChannel client = peer(host))
        {
            final InetSocketAddress server = new InetSocketAddress(address(host), socket.localPort());
            final int datagrams = 20;
            for (int d = 0; d < datagrams; d++)
            {
                assertTrue(client.send(ByteBuffer.wrap(payload(7, d)), server) > 0);
            }

            final List<Received> received = receive(socket, datagrams, BatchSocketContract::echoHeader);

            final byte[] clientAddress = address(host).getAddress();
            for (int d = 0; d < datagrams; d++)
            {
                final Received datagram = received.get(d);
                assertArrayEquals(payload(7, d), datagram.payload(), "datagram " + d);
                assertArrayEquals(clientAddress, datagram.address(), "source address of datagram " + d);
                assertEquals(peerPort(client), datagram.port(), "source port of datagram " + d);
            }
            for (int d = 0; d < datagrams; d++)
            {
                final ByteBuffer reply = awaitReply(client, server);
                assertEquals(13, reply.remaining());
                assertEquals('R', reply.get());
                assertEquals(7, reply.getInt());
                assertEquals(d, reply.getInt());
                assertEquals(payload(7, d).length, reply.getInt());
            }
            assertEquals(0, socket.sendFailed());
        }
    }

    @Test
    @Timeout(30)
    void shouldReceiveAndReplyWithExactContentsOverIpv4() throws IOException
    {
        shouldReceiveAndReplyWithExactContents("127.0.0.1");
    }

    @Test
    @Timeout(30)
    void shouldReceiveAndReplyWithExactContentsOverIpv6() throws IOException
    {
        shouldReceiveAndReplyWithExactContents("::1");
    }

    @Test
    @Timeout(120)
    void shouldAnswerAThousandDistinctSourcesEachAtItsOwnAddress() throws IOException
    {
        final int clients = 1000;
        final int perClient = 10;
        final int clientsPerRound = 25;
        try (BatchSocket socket = open(new BatchSocket.Context().bindAddress(address("127.0.0.1")).batchSize(64)))
        {
            final InetSocketAddress server = new InetSocketAddress(address("127.0.0.1"), socket.localPort());
            for (int first = 0; first < clients; first += clientsPerRound)
            {
                final DatagramChannel[] round = new DatagramChannel[clientsPerRound];
                try
                {
                    for (int c = 0; c < clientsPerRound; c++)
                    {
                        round[c] = peer(sourceAddress(first + c));
                    }
                    for (int d = 0; d < perClient; d++)
                    {
                        for (int c = 0; c < clientsPerRound; c++)
                        {
                            assertTrue(round[c].send(ByteBuffer.wrap(payload(first + c, d)), server) > 0);
                        }
                    }

                    final List<Received> received =
                        receive(socket, clientsPerRound * perClient, BatchSocketContract::echoHeader);

                    final int[] seen = new int[clientsPerRound];
                    for (final Received datagram : received)
                    {
                        final int client = ByteBuffer.wrap(datagram.payload()).getInt();
                        final int d = ByteBuffer.wrap(datagram.payload()).getInt(4);
                        assertArrayEquals(payload(client, d), datagram.payload());
                        assertArrayEquals(address(sourceAddress(client)).getAddress(), datagram.address());
                        assertEquals(peerPort(round[client - first]), datagram.port());
                        seen[client - first]++;
                    }
                    for (int c = 0; c < clientsPerRound; c++)
                    {
                        assertEquals(perClient, seen[c], "datagrams from client " + (first + c));
                        for (int d = 0; d < perClient; d++)
                        {
                            final ByteBuffer reply = awaitReply(round[c], server);
                            assertEquals('R', reply.get());
                            assertEquals(first + c, reply.getInt(), "reply delivered to the wrong source");
                            assertEquals(d, reply.getInt());
                        }
                    }
                }
                finally
                {
                    for (final DatagramChannel channel : round)
                    {
                        if (null != channel)
                        {
                            channel.close();
                        }
                    }
                }
            }
            assertEquals(0, socket.sendFailed());
            assertEquals(0, socket.receiveTruncated());
        }
    }

    /**
     * Client i's address: 127.0.0.2 onwards, so every client is a distinct source host; the last octet skips 0 and
     * 255, which Linux will not bind as a source.
     */
    static String sourceAddress(final int client)
    {
        final int host = client + 1;
        return "127.0." + (host / 254) + "." + (1 + host % 254);
    }

    /**
     * Partial sends and EAGAIN, for real: in a {@link PrivateNetwork} whose loopback lets 8 Mbit/s out through a
     * token-bucket qdisc, a sender with the smallest send buffer (4 KiB asked, about 8 KiB granted) keeps all 64 send
     * slots staged with 1200-byte datagrams. Each datagram waits in the qdisc, charged to the sender's buffer, so a
     * flush gets a few out (sendmmsg returns fewer than it was given) and then EAGAIN; the rest must stay staged and
     * leave, in order, on later flushes. The qdisc's own limit (500 ms at the rate, 500 KB) is far above the send
     * buffer, so the kernel never drops one silently: every datagram must arrive exactly once. On the host's loopback
     * this cannot happen, since delivery there releases the send-buffer charge inside the send call.
     */
    @Test
    @Timeout(60)
    void shouldResumeFlushesCutShortByAFullSendBufferLosingAndRepeatingNothing() throws Exception
    {
        final PrivateNetwork network = PrivateNetwork.create("tbf rate 8mbit burst 16kb latency 500ms");
        assumeTrue(null != network, "needs root, iproute2 and the tbf qdisc to make a namespace with a slow loopback");
        try (network)
        {
            network.run(() ->
            {
                resumeFlushesCutShort();
                return null;
            }, 45);
        }
    }

    private void resumeFlushesCutShort()
    {
        final int total = 400;
        final int length = 1200;
        final InetAddress loopback = address("127.0.0.1");
        try (BatchSocket sender = open(new BatchSocket.Context().bindAddress(loopback).batchSize(64)
            .sendBufferBytes(4096));
            BatchSocket receiver = open(new BatchSocket.Context().bindAddress(loopback).batchSize(64)))
        {
            final UnsafeBuffer destination = new UnsafeBuffer(loopback.getAddress());
            final int port = receiver.localPort();
            final int[] seen = new int[total];
            int staged = 0;
            int received = 0;
            int expected = 0;
            int partialFlushes = 0;
            final long deadline = System.nanoTime() + 4 * WAIT_NS;
            while (received < total)
            {
                if (System.nanoTime() - deadline > 0)
                {
                    fail("received " + received + " of " + total + ", staged " + staged + ", queued " +
                        sender.sendQueued() + ", EAGAIN flushes " + sender.sendWouldBlock());
                }
                for (int slot = sender.nextSendSlot(); slot >= 0 && staged < total; slot = sender.nextSendSlot())
                {
                    final UnsafeBuffer buffer = sender.sendBuffer(slot);
                    buffer.putInt(0, staged, ByteOrder.BIG_ENDIAN);
                    buffer.setMemory(4, length - 4, (byte)staged);
                    sender.stage(slot, length, scratch.at(destination, 0, 4, port));
                    staged++;
                }
                final int queued = sender.sendQueued();
                final int sent = sender.flush();
                if (sent > 0 && sent < queued)
                {
                    partialFlushes++;
                }
                receiver.awaitReceive(1);
                final int count = receiver.receive();
                for (int i = 0; i < count; i++)
                {
                    final UnsafeBuffer datagram = receiver.received(i).buffer();
                    final int seq = datagram.getInt(0, ByteOrder.BIG_ENDIAN);
                    assertEquals(length, receiver.received(i).length());
                    assertEquals(expected, seq, "datagrams leave in the order they were staged");
                    assertEquals((byte)seq, datagram.getByte(length - 1), "payload of " + seq);
                    seen[seq]++;
                    expected++;
                }
                received += count;
            }
            for (int seq = 0; seq < total; seq++)
            {
                assertEquals(1, seen[seq], "datagram " + seq);
            }
            assertEquals(0, sender.sendQueued());
            assertEquals(0, sender.sendFailed());
            assertTrue(sender.sendWouldBlock() > 0, "a flush stopped on EAGAIN");
            assertTrue(partialFlushes > 0, "a flush sent part of what was staged and left the rest");
            for (int i = 0; i < 20; i++)
            {
                receiver.awaitReceive(1);
                assertEquals(0, receiver.receive(), "nothing sent twice");
            }
        }
    }

    @Test
    @Timeout(10)
    void shouldReturnZeroFromAnEmptySocket()
    {
        try (BatchSocket socket = open(new BatchSocket.Context().bindAddress(address("127.0.0.1"))))
        {
            assertFalse(socket.awaitReceive(0));
            assertEquals(0, socket.receive());
            assertEquals(0, socket.receive());
            assertFalse(socket.awaitReceive(20));
            assertEquals(0, socket.flush());
        }
    }

    @Test
    @Timeout(10)
    void shouldCloseIdempotentlyAndReleaseThePortAndSlots()
    {
        final BatchSocket socket = open(new BatchSocket.Context().bindAddress(address("127.0.0.1")).reusePort(false));
        final int port = socket.localPort();
        final UnsafeBuffer slot = socket.received(0).buffer();
        assertEquals(socket.slotBytes(), slot.capacity());

        socket.close();
        socket.close();

        assertTrue(socket.isClosed());
        assertEquals(0, slot.capacity(), "a stale slot buffer no longer points at freed memory");
        try (BatchSocket again = open(
            new BatchSocket.Context().bindAddress(address("127.0.0.1")).port(port).reusePort(false)))
        {
            assertEquals(port, again.localPort());
        }
    }

    @Test
    @Timeout(10)
    void shouldDropARefusedDatagramAndSendTheRest() throws IOException
    {
        try (BatchSocket socket = open(new BatchSocket.Context().bindAddress(address("127.0.0.1")).batchSize(4));
            DatagramChannel client = peer("127.0.0.1"))
        {
            final UnsafeBuffer destination = new UnsafeBuffer(address("127.0.0.1").getAddress());
            final int[] ports = {peerPort(client), 0, peerPort(client), peerPort(client)};
            for (int i = 0; i < ports.length; i++)
            {
                final int slot = socket.nextSendSlot();
                socket.sendBuffer(slot).putInt(0, i, ByteOrder.BIG_ENDIAN);
                socket.stage(slot, 4, scratch.at(destination, 0, 4, ports[i]));
            }
            assertEquals(-1, socket.nextSendSlot(), "every send slot is queued");

            assertEquals(3, socket.flush(), "the datagram to port 0 is refused, the others sent");

            assertEquals(0, socket.sendQueued());
            assertEquals(1, socket.sendFailed());
            assertNotNull(socket.lastSendError());
            final InetSocketAddress server = new InetSocketAddress(address("127.0.0.1"), socket.localPort());
            for (final int expected : new int[]{0, 2, 3})
            {
                assertEquals(expected, awaitReply(client, server).getInt());
            }
        }
    }

    @Test
    @Timeout(10)
    void shouldRefuseToStageOutOfTurnOrBeyondASlot()
    {
        try (BatchSocket socket = open(new BatchSocket.Context().bindAddress(address("127.0.0.1")).batchSize(2)))
        {
            final UnsafeBuffer destination = new UnsafeBuffer(new byte[]{127, 0, 0, 1});
            assertEquals(0, socket.nextSendSlot());
            assertThrows(IllegalArgumentException.class, () -> socket.stage(1, 4, scratch.at(destination, 0, 4, 9)));
            assertThrows(IllegalArgumentException.class,
                () -> socket.stage(0, socket.slotBytes() + 1, scratch.at(destination, 0, 4, 9)));
            assertThrows(IllegalArgumentException.class, () -> socket.stageReply(0, 4, 0), "nothing received");
            assertThrows(IllegalArgumentException.class,
                () -> socket.stage(0, 4, scratch.at(new UnsafeBuffer(address("::1").getAddress()), 0, 16, 9)),
                "an IPv4 socket cannot reach a native IPv6 address");
            assertEquals(0, socket.sendQueued());
        }
    }
}
