package io.turnstile.codec;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The one peer form: IPv4 as IPv4-mapped IPv6, equality and hash over the bytes, RFC 5952 text.
 */
class PeerAddressTest
{
    private final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(64));
    private final PeerAddress first = new PeerAddress();
    private final PeerAddress second = new PeerAddress();

    @Test
    void shouldEncodeIpv4AsMappedAndEqualTheSamePeerSeenThroughIpv6() throws Exception
    {
        PeerAddress.encodeIpv4(buffer, 3, new UnsafeBuffer(new byte[]{ 10, 0, 0, 7 }), 0, 4433);
        final byte[] mapped = InetAddress.getByName("::ffff:10.0.0.7").getAddress(); // the JDK gives 4 bytes back
        final byte[] sixteen = new byte[16];
        sixteen[10] = (byte)0xFF;
        sixteen[11] = (byte)0xFF;
        System.arraycopy(mapped, 0, sixteen, 12, 4);
        PeerAddress.encodeIpv6(buffer, 30, new UnsafeBuffer(sixteen), 0, 4433);

        first.wrap(buffer, 3);
        second.wrap(buffer, 30);
        assertTrue(first.isIpv4());
        assertEquals(4433, first.port());
        assertTrue(first.equalTo(second));
        assertEquals(first.hash(), second.hash());
        assertEquals("10.0.0.7:4433", first.toString());
        assertEquals(new InetSocketAddress("10.0.0.7", 4433), first.toSocketAddress());
    }

    @Test
    void shouldTellPeersApartByAddressAndByPort()
    {
        PeerAddress.encode(buffer, 0, new InetSocketAddress("127.0.0.1", 5000));
        PeerAddress.encode(buffer, 20, new InetSocketAddress("127.0.0.1", 5001));
        PeerAddress.encode(buffer, 40, new InetSocketAddress("127.0.0.2", 5000));

        first.wrap(buffer, 0);
        assertFalse(first.equalTo(second.wrap(buffer, 20)));
        assertNotEquals(first.hash(), second.hash());
        assertFalse(first.equalTo(second.wrap(buffer, 40)));
        assertNotEquals(first.hash(), second.hash());
    }

    @ParameterizedTest
    @CsvSource({
        "2001:db8:0:0:0:0:0:1, [2001:db8::1]:443",
        "2001:0db8:0000:0000:0001:0000:0000:0001, [2001:db8::1:0:0:1]:443",
        "2001:db8:0:1:1:1:1:1, [2001:db8:0:1:1:1:1:1]:443",
        "0:0:0:0:0:0:0:1, [::1]:443",
        "0:0:0:0:0:0:0:0, [::]:443",
        "fe80:0:0:1:0:0:0:0, [fe80:0:0:1::]:443",
        "2001:DB8:0:0:1:0:0:0, [2001:db8:0:0:1::]:443",
        "2001:db8:0:0:1:0:0:1, [2001:db8::1:0:0:1]:443",
    })
    void shouldWriteIpv6AsRfc5952Text(final String address, final String text) throws Exception
    {
        PeerAddress.encode(buffer, 0, new InetSocketAddress(InetAddress.getByName(address), 443));

        assertEquals(text, first.wrap(buffer, 0).toString());
        assertFalse(first.isIpv4());
        assertEquals(InetAddress.getByName(address), first.toSocketAddress().getAddress());
    }

    @Test
    void shouldCopyAllEighteenBytes()
    {
        PeerAddress.encode(buffer, 0, new InetSocketAddress("::1", 65535));
        first.wrap(buffer, 0).copyTo(buffer, 40);

        assertTrue(first.equalTo(second.wrap(buffer, 40)));
        assertEquals(65535, second.port());
    }

    @Test
    void shouldRefuseAnUnresolvedAddress()
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> PeerAddress.encode(buffer, 0, InetSocketAddress.createUnresolved("example.invalid", 1)));
        assertTrue(ex.getMessage().contains("resolved"), ex.getMessage());
    }
}
