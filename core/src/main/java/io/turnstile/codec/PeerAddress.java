package io.turnstile.codec;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

import static java.nio.ByteOrder.BIG_ENDIAN;

/**
 * A peer's UDP address in the one form every part of Turnstile uses: the 16-byte IPv6 address, an IPv4 peer as its
 * IPv4-mapped address ({@code ::ffff:a.b.c.d}, RFC 4291 section 2.5.5.2), then the port, all in network byte order.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                                                               |
 *  +             address (16), IPv4 as ::ffff:a.b.c.d              +
 *  |                                                               |
 *  +                                                               +
 *  |                                                               |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |          port (2)             |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 * One form means one code path: the cookie MAC binds these 18 bytes as they are (an IPv4 peer of an IPv4 socket and
 * the same peer seen through a dual-stack IPv6 socket get the same cookie), the accepted-peer set hashes them, the
 * sockets write them once per received datagram and read them once per sent one. A flyweight: {@link #wrap} points
 * it at 18 bytes of a buffer; equality and hash read those bytes and allocate nothing. Only {@link #toString()} and
 * {@link #toSocketAddress()} allocate, for logs and the slow path.
 */
public final class PeerAddress
{
    /** Bytes of the address. */
    public static final int ADDRESS_LENGTH = 16;
    /** Offset of the port. */
    public static final int PORT_OFFSET = ADDRESS_LENGTH;
    /** Bytes of the whole encoded peer. */
    public static final int LENGTH = ADDRESS_LENGTH + 2;
    /** Offset of the IPv4 address inside an IPv4-mapped one. */
    public static final int IPV4_OFFSET = 12;

    private static final long MAPPED_PREFIX_LOW_WORD = 0x0000_FFFFL;

    private DirectBuffer buffer;
    private int offset;

    /**
     * Point this view at an encoded peer.
     *
     * @param buffer holding the 18 bytes.
     * @param offset of the first address byte.
     * @return this for a fluent API.
     */
    public PeerAddress wrap(final DirectBuffer buffer, final int offset)
    {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    /**
     * The buffer this view reads.
     *
     * @return the wrapped buffer.
     */
    public DirectBuffer buffer()
    {
        return buffer;
    }

    /**
     * Where the encoded peer starts in {@link #buffer()}.
     *
     * @return the offset of the address.
     */
    public int offset()
    {
        return offset;
    }

    /**
     * The UDP port.
     *
     * @return 0 to 65535.
     */
    public int port()
    {
        return buffer.getShort(offset + PORT_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    /**
     * Whether the peer is an IPv4 one ({@code ::ffff:0:0/96}).
     *
     * @return true for an IPv4-mapped address.
     */
    public boolean isIpv4()
    {
        return buffer.getLong(offset, BIG_ENDIAN) == 0 &&
            buffer.getInt(offset + 8, BIG_ENDIAN) == (int)MAPPED_PREFIX_LOW_WORD;
    }

    /**
     * The first 8 address bytes as one big-endian long: with {@link #lowBits()} and {@link #port()}, the whole peer
     * in three loads, for hashing and comparing.
     *
     * @return address bytes 0 to 7.
     */
    public long highBits()
    {
        return buffer.getLong(offset, BIG_ENDIAN);
    }

    /**
     * Address bytes 8 to 15 as one big-endian long.
     *
     * @return address bytes 8 to 15.
     */
    public long lowBits()
    {
        return buffer.getLong(offset + 8, BIG_ENDIAN);
    }

    /**
     * Whether another view holds the same address and port.
     *
     * @param other view.
     * @return true when all 18 bytes are equal.
     */
    public boolean equalTo(final PeerAddress other)
    {
        return highBits() == other.highBits() && lowBits() == other.lowBits() && port() == other.port();
    }

    /**
     * A hash of address and port, without allocating. Not keyed: a table that spoofed peers can fill chooses its own
     * keyed hash over {@link #highBits()}, {@link #lowBits()} and {@link #port()}.
     *
     * @return the hash.
     */
    public int hash()
    {
        long h = highBits() * 0x9E37_79B9_7F4A_7C15L;
        h = (h ^ lowBits()) * 0xBF58_476D_1CE4_E5B9L;
        h = (h ^ port()) * 0x94D0_49BB_1331_11EBL;
        return (int)(h ^ (h >>> 32));
    }

    /**
     * Copy the 18 bytes into another buffer.
     *
     * @param destination buffer.
     * @param destinationOffset where the copy starts.
     */
    public void copyTo(final MutableDirectBuffer destination, final int destinationOffset)
    {
        destination.putBytes(destinationOffset, buffer, offset, LENGTH);
    }

    /**
     * Write an IPv4 peer, as its IPv4-mapped address.
     *
     * @param destination   buffer to write the 18 bytes into.
     * @param offset        where they start.
     * @param address       buffer holding the 4 address bytes in network byte order.
     * @param addressOffset of the address.
     * @param port          UDP port.
     */
    public static void encodeIpv4(
        final MutableDirectBuffer destination,
        final int offset,
        final DirectBuffer address,
        final int addressOffset,
        final int port)
    {
        destination.putLong(offset, 0);
        destination.putInt(offset + 8, (int)MAPPED_PREFIX_LOW_WORD, BIG_ENDIAN);
        destination.putBytes(offset + IPV4_OFFSET, address, addressOffset, 4);
        destination.putShort(offset + PORT_OFFSET, (short)port, BIG_ENDIAN);
    }

    /**
     * Write an IPv6 peer as it is (an IPv4-mapped one stays mapped).
     *
     * @param destination   buffer to write the 18 bytes into.
     * @param offset        where they start.
     * @param address       buffer holding the 16 address bytes in network byte order.
     * @param addressOffset of the address.
     * @param port          UDP port.
     */
    public static void encodeIpv6(
        final MutableDirectBuffer destination,
        final int offset,
        final DirectBuffer address,
        final int addressOffset,
        final int port)
    {
        destination.putBytes(offset, address, addressOffset, ADDRESS_LENGTH);
        destination.putShort(offset + PORT_OFFSET, (short)port, BIG_ENDIAN);
    }

    /**
     * A peer over 18 bytes of its own (slow path: configuration, tests, logs).
     *
     * @param peer a resolved address.
     * @return a new view over a new buffer.
     * @throws IllegalArgumentException when the address is unresolved.
     */
    public static PeerAddress of(final InetSocketAddress peer)
    {
        final UnsafeBuffer bytes = new UnsafeBuffer(new byte[LENGTH]);
        encode(bytes, 0, peer);
        return new PeerAddress().wrap(bytes, 0);
    }

    /**
     * Write a socket address (slow path: start-up, tests, the Qt-style API).
     *
     * @param destination buffer to write the 18 bytes into.
     * @param offset      where they start.
     * @param peer        a resolved address.
     * @throws IllegalArgumentException when the address is unresolved.
     */
    public static void encode(final MutableDirectBuffer destination, final int offset, final InetSocketAddress peer)
    {
        final InetAddress address = peer.getAddress();
        if (null == address)
        {
            throw new IllegalArgumentException("peer address must be resolved, got " + peer);
        }
        final byte[] bytes = address.getAddress();
        if (bytes.length == 4)
        {
            destination.putLong(offset, 0);
            destination.putInt(offset + 8, (int)MAPPED_PREFIX_LOW_WORD, BIG_ENDIAN);
            destination.putBytes(offset + IPV4_OFFSET, bytes);
        }
        else
        {
            destination.putBytes(offset, bytes);
        }
        destination.putShort(offset + PORT_OFFSET, (short)peer.getPort(), BIG_ENDIAN);
    }

    /**
     * The peer as a socket address: an {@link Inet4Address} for an IPv4-mapped peer, else an {@link Inet6Address}.
     *
     * @return a new socket address.
     */
    public InetSocketAddress toSocketAddress()
    {
        try
        {
            final byte[] bytes;
            if (isIpv4())
            {
                bytes = new byte[4];
                buffer.getBytes(offset + IPV4_OFFSET, bytes);
            }
            else
            {
                bytes = new byte[ADDRESS_LENGTH];
                buffer.getBytes(offset, bytes);
            }
            return new InetSocketAddress(InetAddress.getByAddress(bytes), port());
        }
        catch (final UnknownHostException ex)
        {
            throw new IllegalStateException("4 and 16 bytes are always an address", ex);
        }
    }

    /**
     * The peer as text: {@code 192.0.2.1:4433} for IPv4, {@code [2001:db8::1]:4433} for IPv6 with the address in
     * the RFC 5952 canonical form (lower case, leading zeros dropped, the longest run of two or more zero groups as
     * {@code ::}, the first such run on a tie).
     *
     * @return new text; for logs, not for the hot path.
     */
    @Override
    public String toString()
    {
        if (null == buffer)
        {
            return "PeerAddress{unwrapped}";
        }
        final StringBuilder sb = new StringBuilder(48);
        if (isIpv4())
        {
            for (int i = 0; i < 4; i++)
            {
                sb.append(i == 0 ? "" : ".").append(buffer.getByte(offset + IPV4_OFFSET + i) & 0xFF);
            }
            return sb.append(':').append(port()).toString();
        }
        sb.append('[');
        appendRfc5952(sb);
        return sb.append("]:").append(port()).toString();
    }

    private void appendRfc5952(final StringBuilder sb)
    {
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; )
        {
            if (group(i) != 0)
            {
                i++;
                continue;
            }
            int end = i;
            while (end < 8 && group(end) == 0)
            {
                end++;
            }
            if (end - i > bestLength)
            {
                bestStart = i;
                bestLength = end - i;
            }
            i = end;
        }
        for (int i = 0; i < 8; i++)
        {
            if (i == bestStart)
            {
                sb.append("::");
                i += bestLength - 1;
                continue;
            }
            if (i > 0 && i != bestStart + bestLength)
            {
                sb.append(':');
            }
            sb.append(Integer.toHexString(group(i)));
        }
    }

    private int group(final int index)
    {
        return buffer.getShort(offset + 2 * index, BIG_ENDIAN) & 0xFFFF;
    }
}
