package io.turnstile.nativeio;

import io.turnstile.codec.PeerAddress;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The kernel's sockaddr_in/sockaddr_in6 and the 18-byte peer, both ways, at non-zero offsets as in a socket's
 * name array.
 */
class SocketAddressCodecTest
{
    private final UnsafeBuffer names = new UnsafeBuffer(ByteBuffer.allocateDirect(256));
    private final UnsafeBuffer peers = new UnsafeBuffer(new byte[64]);
    private final PeerAddress peer = new PeerAddress();

    @Test
    void shouldDecodeASockaddrInAsAnIpv4MappedPeer()
    {
        names.putShort(8, (short)LibC.AF_INET, ByteOrder.nativeOrder());
        names.putShort(10, (short)4433, ByteOrder.BIG_ENDIAN);
        names.putBytes(12, new byte[]{ (byte)192, 0, 2, 7 });

        SocketAddressCodec.decode(names, 8, peers, 5);

        peer.wrap(peers, 5);
        assertTrue(peer.isIpv4());
        assertEquals(new InetSocketAddress("192.0.2.7", 4433), peer.toSocketAddress());
    }

    @Test
    void shouldDecodeASockaddrIn6AsItIs()
    {
        final byte[] address = new byte[16];
        address[0] = 0x20;
        address[1] = 0x01;
        address[15] = 1;
        names.putShort(0, (short)LibC.AF_INET6, ByteOrder.nativeOrder());
        names.putShort(2, (short)65535, ByteOrder.BIG_ENDIAN);
        names.putBytes(8, address);

        SocketAddressCodec.decode(names, 0, peers, 0);

        assertEquals("[2001::1]:65535", peer.wrap(peers, 0).toString());
    }

    @Test
    void shouldRoundTripThroughBothSocketFamilies()
    {
        for (final String host : new String[]{ "127.0.0.1", "::1", "::ffff:10.0.0.1" })
        {
            final PeerAddress original = PeerAddress.of(new InetSocketAddress(host, 5000));
            for (final boolean ipv6 : new boolean[]{ true, false })
            {
                if (!ipv6 && !original.isIpv4())
                {
                    continue;
                }
                final int length = SocketAddressCodec.encode(original, ipv6, names, 16);
                assertEquals(ipv6 ? SocketAddressCodec.SOCKADDR_IN6_LENGTH : SocketAddressCodec.SOCKADDR_IN_LENGTH,
                    length, host);
                SocketAddressCodec.decode(names, 16, peers, 0);
                assertTrue(original.equalTo(peer.wrap(peers, 0)), host + " through an IPv" + (ipv6 ? 6 : 4) +
                    " socket came back as " + peer);
            }
        }
    }

    @Test
    void shouldRefuseToAddressANativeIpv6PeerFromAnIpv4Socket()
    {
        final PeerAddress ipv6 = PeerAddress.of(new InetSocketAddress("::1", 5000));

        final IllegalArgumentException ex =
            assertThrows(IllegalArgumentException.class, () -> SocketAddressCodec.encode(ipv6, false, names, 0));
        assertTrue(ex.getMessage().contains("IPv4 socket"), ex.getMessage());
    }
}
