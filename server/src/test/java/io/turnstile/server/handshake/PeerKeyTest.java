package io.turnstile.server.handshake;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Peer keys: IPv4 and its mapped IPv6 form are one key; a probe can be reused; the socket form is kept.
 */
class PeerKeyTest
{
    @Test
    void shouldTreatIpv4AndItsMappedFormAsOneKey()
    {
        final PeerKey v4 = PeerKey.of(new byte[]{ 10, 1, 2, 3 }, 5000);
        final byte[] mapped = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte)0xFF, (byte)0xFF, 10, 1, 2, 3 };
        final PeerKey v6 = PeerKey.of(mapped, 5000);
        assertEquals(v4, v6);
        assertEquals(v4.hashCode(), v6.hashCode());
        assertArrayEquals(new byte[]{ 10, 1, 2, 3 }, v4.socketAddressBytes());
        assertArrayEquals(mapped, v6.socketAddressBytes(), "the form the worker reported is the form sent back");
        assertNotEquals(v4, PeerKey.of(new byte[]{ 10, 1, 2, 3 }, 5001));
        assertEquals(v4.addressOnly(), PeerKey.of(new byte[]{ 10, 1, 2, 3 }, 9).addressOnly());
    }

    @Test
    void shouldReuseAProbeWithoutChangingCopies()
    {
        final PeerKey probe = new PeerKey();
        final UnsafeBuffer address = new UnsafeBuffer(new byte[]{ 127, 0, 0, 1 });
        final PeerKey stored = probe.set(address, 0, 4, 1).copy();
        probe.set(address, 0, 4, 2);
        assertEquals(1, stored.port());
        assertNotEquals(stored, probe);
        assertEquals(new InetSocketAddress("127.0.0.1", 1), stored.toSocketAddress());
        assertThrows(IllegalArgumentException.class, () -> probe.set(address, 0, 3, 1));
    }
}
