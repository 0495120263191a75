package io.turnstile.nativeio;

import io.turnstile.codec.PeerAddress;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The outbox between application threads and one worker: real producer threads, drained into a real loopback
 * socket (NIO, so the test runs everywhere) and received by another; every wait is bounded.
 */
class OutboxTest
{
    private static final long WAIT_NS = TimeUnit.SECONDS.toNanos(20);
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private final PeerScratch scratch = new PeerScratch();

    private static PeerAddress peer(final byte[] address, final int port)
    {
        final UnsafeBuffer bytes = new UnsafeBuffer(new byte[PeerAddress.LENGTH]);
        if (address.length == 4)
        {
            PeerAddress.encodeIpv4(bytes, 0, new UnsafeBuffer(address), 0, port);
        }
        else
        {
            PeerAddress.encodeIpv6(bytes, 0, new UnsafeBuffer(address), 0, port);
        }
        return new PeerAddress().wrap(bytes, 0);
    }

    @Test
    @Timeout(60)
    void shouldDrainEveryOfferFromFourProducersExactlyOnce() throws Exception
    {
        final int producers = 4;
        final int perProducer = 5000;
        final Outbox outbox = new Outbox(64 * 1024);
        try (BatchSocket sender = new NioBatchSocket(new BatchSocket.Context().bindAddress(LOOPBACK).batchSize(32));
            BatchSocket receiver = new NioBatchSocket(new BatchSocket.Context().bindAddress(LOOPBACK).batchSize(64)))
        {
            final byte[] destination = LOOPBACK.getAddress();
            final int port = receiver.localPort();
            final CountDownLatch start = new CountDownLatch(1);
            final AtomicLong fullRetries = new AtomicLong();
            final List<Thread> threads = new ArrayList<>();
            final List<Throwable> failures = new ArrayList<>();
            for (int p = 0; p < producers; p++)
            {
                final int producer = p;
                final Thread thread = new Thread(() ->
                {
                    final UnsafeBuffer payload = new UnsafeBuffer(new byte[64]);
                    try
                    {
                        start.await();
                        for (int seq = 0; seq < perProducer; seq++)
                        {
                            payload.putInt(0, producer, ByteOrder.BIG_ENDIAN);
                            payload.putInt(4, seq, ByteOrder.BIG_ENDIAN);
                            final int length = 8 + seq % 50;
                            while (!outbox.offerSend(peer(destination, port), payload, 0, length))
                            {
                                fullRetries.incrementAndGet();
                                Thread.onSpinWait();
                            }
                        }
                    }
                    catch (final Throwable t)
                    {
                        synchronized (failures)
                        {
                            failures.add(t);
                        }
                    }
                }, "producer-" + p);
                thread.start();
                threads.add(thread);
            }
            start.countDown();

            final int total = producers * perProducer;
            final int[][] seen = new int[producers][perProducer];
            int received = 0;
            int drained = 0;
            final long deadline = System.nanoTime() + WAIT_NS;
            while (received < total)
            {
                if (System.nanoTime() - deadline > 0)
                {
                    fail("received " + received + " of " + total + ", drained " + drained);
                }
                drained += outbox.drain(sender, sender.batchSize());
                sender.flush();
                final int count = receiver.receive();
                for (int i = 0; i < count; i++)
                {
                    final UnsafeBuffer datagram = receiver.received(i).buffer();
                    final int producer = datagram.getInt(0, ByteOrder.BIG_ENDIAN);
                    final int seq = datagram.getInt(4, ByteOrder.BIG_ENDIAN);
                    assertEquals(8 + seq % 50, receiver.received(i).length(), "payload length of " + producer + "/" + seq);
                    seen[producer][seq]++;
                }
                received += count;
            }
            for (final Thread thread : threads)
            {
                thread.join(TimeUnit.SECONDS.toMillis(10));
            }

            assertTrue(failures.isEmpty(), failures::toString);
            assertEquals(total, drained);
            for (int p = 0; p < producers; p++)
            {
                for (int seq = 0; seq < perProducer; seq++)
                {
                    assertEquals(1, seen[p][seq], "datagram " + p + "/" + seq);
                }
            }
            assertEquals(fullRetries.get(), outbox.rejected(), "every refused offer counted");
            assertEquals(0, outbox.drain(sender, 64));
            assertEquals(0, outbox.size());
        }
    }

    /**
     * When the socket cannot take more (every send slot staged and the kernel answering EAGAIN), a drain must leave
     * the rest in the outbox rather than lose it. In a {@link PrivateNetwork} whose loopback is rate limited, a
     * 4 KiB send buffer fills after a few datagrams (see {@link BatchSocketContract}); 400 queued messages must still
     * all arrive, once each and in order, with drains that stopped short while messages were waiting.
     */
    @Test
    @Timeout(60)
    void shouldKeepMessagesQueuedWhileTheSocketCannotSend() throws Exception
    {
        final PrivateNetwork network = PrivateNetwork.create("tbf rate 8mbit burst 16kb latency 500ms");
        assumeTrue(null != network, "needs root, iproute2 and the tbf qdisc to make a namespace with a slow loopback");
        try (network)
        {
            network.run(() ->
            {
                drainThroughAFullSocketAllowingOneKernelLoss(LibC.isAvailable());
                drainThroughAFullSocketAllowingOneKernelLoss(false);
                return null;
            }, 45);
        }
    }

    /**
     * One full run; a second only if the first saw a gap. Once in some ten loaded runs a datagram went missing
     * between the kernel's accepting it and the receiver (the rate-limited loopback's qdisc or receive path, not the
     * outbox: the drain had taken every message exactly once). A duplicate, a reordering, or a gap in the second run
     * still fails.
     */
    private static void drainThroughAFullSocketAllowingOneKernelLoss(final boolean nativeSocket)
    {
        try
        {
            drainThroughAFullSocket(nativeSocket);
        }
        catch (final GapSeen gap)
        {
            drainThroughAFullSocket(nativeSocket);
        }
    }

    /** A datagram later than the next one expected arrived: one went missing after the drain sent it. */
    private static final class GapSeen extends RuntimeException
    {
        GapSeen(final String message)
        {
            super(message, null, false, false);
        }
    }

    private static void drainThroughAFullSocket(final boolean nativeSocket)
    {
        final int total = 400;
        final int length = 1200;
        final Outbox outbox = new Outbox(1 << 20);
        final byte[] destination = LOOPBACK.getAddress();
        final BatchSocket.Context senderContext =
            new BatchSocket.Context().bindAddress(LOOPBACK).batchSize(32).sendBufferBytes(4096);
        try (BatchSocket sender = nativeSocket ? new MmsgBatchSocket(senderContext) : new NioBatchSocket(senderContext);
            BatchSocket receiver = new NioBatchSocket(new BatchSocket.Context().bindAddress(LOOPBACK)))
        {
            final UnsafeBuffer payload = new UnsafeBuffer(new byte[length]);
            for (int seq = 0; seq < total; seq++)
            {
                payload.putInt(0, seq, ByteOrder.BIG_ENDIAN);
                payload.setMemory(4, length - 4, (byte)seq);
                assertTrue(outbox.offerSend(peer(destination, receiver.localPort()), payload, 0, length));
            }

            int drained = 0;
            int shortDrains = 0;
            int expected = 0;
            final long deadline = System.nanoTime() + 4 * WAIT_NS;
            while (expected < total)
            {
                if (System.nanoTime() - deadline > 0)
                {
                    fail("received " + expected + " of " + total + ", drained " + drained);
                }
                final int taken = outbox.drain(sender, 64);
                drained += taken;
                if (taken < 64 && outbox.size() > 0)
                {
                    shortDrains++;
                }
                sender.flush();
                receiver.awaitReceive(1);
                final int count = receiver.receive();
                for (int i = 0; i < count; i++)
                {
                    final UnsafeBuffer datagram = receiver.received(i).buffer();
                    assertEquals(length, receiver.received(i).length());
                    final int seq = datagram.getInt(0, ByteOrder.BIG_ENDIAN);
                    if (seq > expected)
                    {
                        throw new GapSeen("expected " + expected + ", got " + seq + " (native " + nativeSocket + ")");
                    }
                    assertEquals(expected, seq, "in order, none twice");
                    assertEquals((byte)expected, datagram.getByte(length - 1));
                    expected++;
                }
            }

            assertEquals(total, drained, "each message taken once");
            assertEquals(0, outbox.size());
            assertEquals(0, sender.sendQueued());
            assertTrue(sender.sendWouldBlock() > 0, "the socket did refuse with EAGAIN");
            assertTrue(shortDrains > 0, "a drain stopped while messages waited");
            for (int i = 0; i < 20; i++)
            {
                receiver.awaitReceive(1);
                assertEquals(0, receiver.receive(), "nothing sent twice");
            }
        }
    }

    @Test
    @Timeout(10)
    void shouldRefuseAndCountOffersWhenFull()
    {
        final Outbox outbox = new Outbox(Outbox.MIN_CAPACITY_BYTES);
        final byte[] address = {127, 0, 0, 1};
        final UnsafeBuffer payload = new UnsafeBuffer(new byte[8]);
        int accepted = 0;
        while (outbox.offerSend(peer(address, 1 + accepted), payload, 0, 8))
        {
            accepted++;
        }
        assertTrue(accepted > 0);
        assertEquals(1, outbox.rejected());
        assertFalse(outbox.offerSend(peer(address, 1), payload, 0, 8));
        assertEquals(2, outbox.rejected());
        try (BatchSocket socket = new NioBatchSocket(new BatchSocket.Context().bindAddress(LOOPBACK)))
        {
            int drained = 0;
            while (drained < accepted)
            {
                drained += outbox.drain(socket, accepted + 1);
                socket.flush();
            }
            assertEquals(accepted, drained);
        }
        assertTrue(outbox.offerSend(peer(address, 1), payload, 0, 8), "room again once drained");
        assertEquals(2, outbox.rejected());
    }

    @Test
    @Timeout(10)
    void shouldRefuseMisuseByName()
    {
        final Outbox outbox = new Outbox(64 * 1024);
        final UnsafeBuffer payload = new UnsafeBuffer(new byte[4096]);
        assertEquals(BatchSocket.Context.DEFAULT_SLOT_BYTES, outbox.maxPayloadLength());
        assertEquals("payload length must be 0 to 2048, got 2049", assertThrows(IllegalArgumentException.class,
            () -> outbox.offerSend(peer(new byte[4], 1), payload, 0, 2049)).getMessage());
        // A bad address length or port can no longer be offered: a PeerAddress is 16 bytes and a 16-bit port.
        assertThrows(IllegalArgumentException.class, () -> outbox.offerSend(peer(new byte[4], 1), payload, 4000, 200));
        assertThrows(IllegalArgumentException.class, () -> new Outbox(1000), "not a power of two");
        assertThrows(IllegalArgumentException.class, () -> new Outbox(512), "too small");
        assertEquals(Outbox.MIN_CAPACITY_BYTES / 8 - Outbox.PAYLOAD_OFFSET,
            new Outbox(Outbox.MIN_CAPACITY_BYTES).maxPayloadLength(), "a record is at most an eighth of the ring");
        assertEquals(512, new Outbox(64 * 1024, 512).maxPayloadLength());
        assertEquals(0, outbox.rejected(), "misuse is not counted as full");
    }

    @Test
    @Timeout(10)
    void shouldSendExactBytesToIpv4AndMappedAddressesAndDropUnreachableIpv6() throws IOException
    {
        final Outbox outbox = new Outbox(64 * 1024);
        try (BatchSocket socket = new NioBatchSocket(new BatchSocket.Context().bindAddress(LOOPBACK));
            DatagramChannel peer = DatagramChannel.open())
        {
            peer.bind(new InetSocketAddress(LOOPBACK, 0));
            peer.configureBlocking(false);
            final int port = ((InetSocketAddress)peer.getLocalAddress()).getPort();
            final byte[] first = {1, 2, 3, 4, 5};
            final byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte)0xFF, (byte)0xFF, 127, 0, 0, 1};
            final UnsafeBuffer second = new UnsafeBuffer(new byte[2048]);
            second.setMemory(0, 2048, (byte)0x5A);
            final UnsafeBuffer addresses = new UnsafeBuffer(new byte[32]);
            addresses.putBytes(3, mapped);

            assertTrue(outbox.offerSend(peer(LOOPBACK.getAddress(), port), new UnsafeBuffer(first), 0, first.length));
            assertTrue(outbox.offerSend(peer(InetAddress.getByName("::1").getAddress(), port), second, 0, 10));
            assertTrue(outbox.offerSend(scratch.at(addresses, 3, 16, port), second, 0, 2048));
            assertEquals(3, outbox.drain(socket, 16));
            assertEquals(2, outbox.lastDrainSent());
            assertEquals(1, outbox.undeliverable(), "::1 cannot be reached from an IPv4 socket");
            assertEquals(2, socket.flush());

            final ByteBuffer buffer = ByteBuffer.allocate(4096);
            assertArrayEquals(first, receive(peer, buffer));
            final byte[] big = receive(peer, buffer);
            assertEquals(2048, big.length);
            for (final byte b : big)
            {
                assertEquals(0x5A, b);
            }
        }
    }

    private static byte[] receive(final DatagramChannel channel, final ByteBuffer buffer) throws IOException
    {
        buffer.clear();
        final long deadline = System.nanoTime() + WAIT_NS;
        while (null == channel.receive(buffer))
        {
            if (System.nanoTime() - deadline > 0)
            {
                fail("nothing received");
            }
            Thread.onSpinWait();
        }
        buffer.flip();
        final byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }
}
