package io.turnstile.nativeio;

import io.turnstile.codec.PeerAddress;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

import static java.nio.ByteOrder.BIG_ENDIAN;

/**
 * The one translation between the kernel's socket addresses and {@link PeerAddress}, Linux layouts:
 * <pre>
 *  sockaddr_in  (16): family (2, host order) | port (2, network order) | address (4)  | zero (8)
 *  sockaddr_in6 (28): family (2, host order) | port (2, network order) | flowinfo (4) | address (16) | scope id (4)
 * </pre>
 * A received name becomes a peer once per datagram (an IPv4 one as {@code ::ffff:a.b.c.d}); a peer becomes a name
 * once per datagram sent. An IPv4 socket can send only to IPv4(-mapped) peers; a dual-stack IPv6 socket to both.
 */
public final class SocketAddressCodec
{
    /** Bytes of a sockaddr_in. */
    public static final int SOCKADDR_IN_LENGTH = (int)LibC.SOCKADDR_IN.byteSize();
    /** Bytes of a sockaddr_in6. */
    public static final int SOCKADDR_IN6_LENGTH = (int)LibC.SOCKADDR_IN6.byteSize();

    private static final int PORT = (int)LibC.SIN_PORT_OFFSET;
    private static final int IPV4_ADDRESS = (int)LibC.SIN_ADDR_OFFSET;
    private static final int IPV6_ADDRESS = (int)LibC.SIN6_ADDR_OFFSET;
    private static final ByteOrder HOST = ByteOrder.nativeOrder();

    private SocketAddressCodec()
    {
    }

    /**
     * Write the peer a received socket address names.
     *
     * @param name       buffer holding a sockaddr_in or sockaddr_in6 as the kernel wrote it.
     * @param nameOffset of the sockaddr.
     * @param peer       buffer to write the 18-byte peer into.
     * @param peerOffset where it starts.
     */
    public static void decode(
        final DirectBuffer name, final int nameOffset, final MutableDirectBuffer peer, final int peerOffset)
    {
        final int port = name.getShort(nameOffset + PORT, BIG_ENDIAN) & 0xFFFF;
        if (name.getShort(nameOffset, HOST) == LibC.AF_INET6)
        {
            PeerAddress.encodeIpv6(peer, peerOffset, name, nameOffset + IPV6_ADDRESS, port);
        }
        else
        {
            PeerAddress.encodeIpv4(peer, peerOffset, name, nameOffset + IPV4_ADDRESS, port);
        }
    }

    /**
     * Write the socket address to send a peer a datagram.
     *
     * @param peer       destination.
     * @param ipv6Socket whether the sending socket is a (dual-stack) IPv6 one.
     * @param name       buffer to write the sockaddr into, at least {@link #SOCKADDR_IN6_LENGTH} bytes from offset.
     * @param nameOffset where it starts.
     * @return the sockaddr's length, for msg_namelen.
     * @throws IllegalArgumentException when an IPv4 socket is asked to send to a native IPv6 peer.
     */
    public static int encode(
        final PeerAddress peer, final boolean ipv6Socket, final MutableDirectBuffer name, final int nameOffset)
    {
        final DirectBuffer bytes = peer.buffer();
        final int offset = peer.offset();
        if (ipv6Socket)
        {
            name.setMemory(nameOffset, SOCKADDR_IN6_LENGTH, (byte)0);
            name.putShort(nameOffset, (short)LibC.AF_INET6, HOST);
            name.putBytes(nameOffset + IPV6_ADDRESS, bytes, offset, PeerAddress.ADDRESS_LENGTH);
            name.putShort(nameOffset + PORT, (short)peer.port(), BIG_ENDIAN);
            return SOCKADDR_IN6_LENGTH;
        }
        if (!peer.isIpv4())
        {
            throw new IllegalArgumentException("an IPv4 socket sends to IPv4 (or IPv4-mapped) peers only, got " + peer);
        }
        name.setMemory(nameOffset, SOCKADDR_IN_LENGTH, (byte)0);
        name.putShort(nameOffset, (short)LibC.AF_INET, HOST);
        name.putBytes(nameOffset + IPV4_ADDRESS, bytes, offset + PeerAddress.IPV4_OFFSET, 4);
        name.putShort(nameOffset + PORT, (short)peer.port(), BIG_ENDIAN);
        return SOCKADDR_IN_LENGTH;
    }
}
