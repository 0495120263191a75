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
        assertArrayEquals(mapped, v4.address(), "one form: IPv4 as IPv4-mapped");
        assertEquals(new InetSocketAddress("10.1.2.3", 5000), v6.toSocketAddress(), "sent back as an IPv4 peer");
        assertNotEquals(v4, PeerKey.of(new byte[]{ 10, 1, 2, 3 }, 5001));
        assertEquals(v4.addressOnly(), PeerKey.of(new byte[]{ 10, 1, 2, 3 }, 9).addressOnly());
    }

    @Test
    void shouldReuseAProbeWithoutChangingCopies()
    {
        final PeerKey probe = new PeerKey();
        final PeerKey stored = probe.set(PeerKey.of(new byte[]{ 127, 0, 0, 1 }, 1).peer()).copy();
        probe.set(PeerKey.of(new byte[]{ 127, 0, 0, 1 }, 2).peer());
        assertEquals(1, stored.port());
        assertNotEquals(stored, probe);
        assertEquals(new InetSocketAddress("127.0.0.1", 1), stored.toSocketAddress());
        assertThrows(IllegalArgumentException.class, () -> PeerKey.of(new byte[3], 1));
    }

    @Test
    void shouldCountAnIpv6PeerUnderItsSlash64ForThePerAddressCap()
    {
        final byte[] one = { 0x20, 0x01, 0x0d, (byte)0xb8, 0, 1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1 };
        final byte[] sameSlash64 = one.clone();
        sameSlash64[15] = 2;
        sameSlash64[8] = 0x7f;
        final byte[] otherSlash64 = one.clone();
        otherSlash64[7] = 3;

        assertNotEquals(PeerKey.of(one, 5000), PeerKey.of(sameSlash64, 5000), "sessions are still per address");
        assertEquals(PeerKey.of(one, 5000).addressOnly(), PeerKey.of(sameSlash64, 6000).addressOnly(),
            "one /64 is one address for the cap: a host cannot pick a fresh address per session");
        assertEquals(PeerKey.of(one, 5000).addressOnly().hashCode(),
            PeerKey.of(sameSlash64, 6000).addressOnly().hashCode());
        assertNotEquals(PeerKey.of(one, 5000).addressOnly(), PeerKey.of(otherSlash64, 5000).addressOnly());
        assertNotEquals(PeerKey.of(new byte[]{ 10, 1, 2, 3 }, 9).addressOnly(),
            PeerKey.of(new byte[]{ 10, 1, 2, 4 }, 9).addressOnly(), "IPv4 is still counted per address");
    }
}
