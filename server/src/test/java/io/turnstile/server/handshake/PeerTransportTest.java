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
 * The per-peer transport: bounded queue, limits, BouncyCastle's -1 on timeout, and closing.
 */
class PeerTransportTest
{
    private final PeerKey peer = PeerKey.of(new byte[]{ 127, 0, 0, 1 }, 4433);
    private final List<byte[]> sent = new ArrayList<>();
    private final PeerOutput output = new PeerOutput()
    {
        @Override
        public boolean send(final PeerKey to, final byte[] buffer, final int offset, final int length)
        {
            sent.add(java.util.Arrays.copyOfRange(buffer, offset, offset + length));
            return sent.size() <= 1;
        }

        @Override
        public boolean release(final PeerKey to)
        {
            return true;
        }
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
}
