package io.turnstile.server.handshake;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The per-peer transport: bounded queue, limits, BouncyCastle's -1 on timeout, closing, and pooled buffers.
 */
class PeerTransportTest
{
    private final PeerKey peer = PeerKey.of(new byte[]{ 127, 0, 0, 1 }, 4433);
    private final List<byte[]> sent = new ArrayList<>();
    private final PeerOutput output = (to, buffer, offset, length) ->
    {
        final byte[] copy = new byte[length];
        buffer.getBytes(offset, copy);
        sent.add(copy);
        return sent.size() <= 1;
    };

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void shouldDeliverQueuedDatagramsInOrderAndDropWhenFull() throws IOException
    {
        final PeerTransport transport = new PeerTransport(peer, output, 2, 1472, 1452);
        assertTrue(transport.offer(new byte[]{ 1, 2, 3 }, 0, 3));
        assertTrue(transport.offer(new byte[]{ 9, 4, 5 }, 1, 2));
        assertFalse(transport.offer(new byte[]{ 6 }, 0, 1), "a full queue drops");
        assertEquals(1, transport.queueFull());
        final byte[] buffer = new byte[16];
        assertEquals(3, transport.receive(buffer, 0, buffer.length, 100));
        assertArrayEquals(new byte[]{ 1, 2, 3 }, java.util.Arrays.copyOf(buffer, 3));
        assertEquals(2, transport.receive(buffer, 0, buffer.length, 100));
        assertArrayEquals(new byte[]{ 4, 5 }, java.util.Arrays.copyOf(buffer, 2));
        assertEquals(-1, transport.receive(buffer, 0, buffer.length, 10), "nothing in time: -1, as BouncyCastle wants");
    }

    @Test
    void shouldRefuseDatagramsOverTheReceiveLimit()
    {
        final PeerTransport transport = new PeerTransport(peer, output, 4, 300, 300);
        assertFalse(transport.offer(new byte[301], 0, 301));
        assertTrue(transport.offer(new byte[300], 0, 300));
    }

    @Test
    void shouldSendThroughTheOutputAndCountRefusals() throws IOException
    {
        final PeerTransport transport = new PeerTransport(peer, output, 4, 1472, 1452);
        transport.send(new byte[]{ 7, 8 }, 0, 2);
        transport.send(new byte[]{ 9 }, 0, 1);
        assertEquals(2, sent.size());
        assertEquals(1, transport.sendRefused(), "the output refused the second: dropped like UDP, counted");
        assertThrows(IOException.class, () -> transport.send(new byte[1453], 0, 1453));
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void shouldWakeAWaitingReceiverOnClose() throws Exception
    {
        final PeerTransport transport = new PeerTransport(peer, output, 4, 1472, 1452);
        final Thread closer = new Thread(() ->
        {
            try
            {
                Thread.sleep(50);
            }
            catch (final InterruptedException ignore)
            {
                Thread.currentThread().interrupt();
            }
            transport.close();
        });
        closer.start();
        assertThrows(IOException.class, () -> transport.receive(new byte[16], 0, 16, 60_000));
        closer.join();
        assertFalse(transport.offer(new byte[1], 0, 1), "closed transports take nothing");
        assertThrows(IllegalArgumentException.class, () -> new PeerTransport(peer, output, 0, 1472, 1452));
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void shouldReuseThePoolsBuffersOnceWarm() throws IOException
    {
        final DatagramPool pool = new DatagramPool(1472, 8);
        final PeerTransport transport = new PeerTransport(peer, output, 4, 1472, 1452, pool);
        final byte[] buffer = new byte[1472];
        for (int i = 0; i < 1000; i++)
        {
            assertTrue(transport.offer(new byte[]{ (byte)i, 2 }, 0, 2));
            assertTrue(transport.offer(new byte[]{ (byte)i, 3 }, 0, 2));
            assertEquals(2, transport.receive(buffer, 0, buffer.length, 100));
            assertEquals((byte)i, buffer[0]);
            assertEquals(2, buffer[1]);
            assertEquals(2, transport.receive(buffer, 0, buffer.length, 100));
            assertEquals(3, buffer[1]);
        }
        assertEquals(2, pool.created(), "two in flight at most: two buffers made, then reused");
        assertThrows(IllegalArgumentException.class, () -> new PeerTransport(peer, output, 4, 1473, 1452, pool),
            "a receive limit beyond the pool's buffers");
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void shouldWakeAReceiverWhenADatagramIsOfferedFromAnotherThread() throws Exception
    {
        final PeerTransport transport = new PeerTransport(peer, output, 4, 1472, 1452);
        final Thread producer = new Thread(() ->
        {
            try
            {
                Thread.sleep(50);
            }
            catch (final InterruptedException ignore)
            {
                Thread.currentThread().interrupt();
            }
            transport.offer(new byte[]{ 42 }, 0, 1);
        });
        producer.start();
        final byte[] buffer = new byte[16];
        assertEquals(1, transport.receive(buffer, 0, buffer.length, 60_000), "woken by the offer, not the wait");
        assertEquals(42, buffer[0]);
        producer.join();
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void shouldEndAReceiveInTheExpiredPhaseTheWayBouncyCastleExpects() throws Exception
    {
        final PeerTransport transport = new PeerTransport(peer, output, 4, 1472, 1452);
        final byte[] buffer = new byte[16];
        transport.expire(PeerTransport.ASSEMBLING);
        assertEquals(-1, transport.receive(buffer, 0, buffer.length, 60_000), "hello wait over: nothing arrived");

        transport.phase(PeerTransport.HANDSHAKING);
        assertTrue(transport.offer(new byte[]{ 5 }, 0, 1));
        assertEquals(1, transport.receive(buffer, 0, buffer.length, 100), "an expiry of a phase left is ignored");
        expireFromAnotherThread(transport, PeerTransport.HANDSHAKING);
        assertThrows(org.bouncycastle.tls.TlsTimeoutException.class,
            () -> transport.receive(buffer, 0, buffer.length, 60_000), "what BouncyCastle's own timer throws");

        transport.phase(PeerTransport.ESTABLISHED);
        assertFalse(transport.isExpired());
        expireFromAnotherThread(transport, PeerTransport.ESTABLISHED);
        assertThrows(PeerTransport.IdleExpiredException.class,
            () -> transport.receive(buffer, 0, buffer.length, 60_000), "passes through BouncyCastle's DTLSTransport");
        assertTrue(transport.isExpired());
        assertFalse(transport.isClosed(), "still open: closing the DTLS transport sends close_notify through it");
    }

    private static void expireFromAnotherThread(final PeerTransport transport, final int phase)
    {
        final Thread conductor = new Thread(() ->
        {
            try
            {
                Thread.sleep(50);
            }
            catch (final InterruptedException ignore)
            {
                Thread.currentThread().interrupt();
            }
            transport.expire(phase);
        });
        conductor.start();
    }
}
