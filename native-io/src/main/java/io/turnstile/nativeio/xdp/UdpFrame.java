package io.turnstile.nativeio.xdp;

import io.turnstile.codec.PeerAddress;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import static java.nio.ByteOrder.BIG_ENDIAN;

/**
 * Flyweight over one Ethernet frame carrying a UDP datagram, as an AF_XDP socket receives it into a UMEM frame: the
 * decoder finds the UDP payload and the peer, the encoder writes the reply's headers in front of a payload, with
 * MACs, addresses and ports swapped, new lengths and both checksums.
 * <pre>
 *  Ethernet II (IEEE 802.3, 14 bytes; no VLAN tag):
 *  +---------------------+---------------------+-----------+
 *  | destination MAC (6) | source MAC (6)      | type (2)  |   0x0800 IPv4, 0x86DD IPv6
 *  +---------------------+---------------------+-----------+
 *  IPv4 (RFC 791 section 3.1, 20 bytes + options, IHL words):
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |Version|  IHL  |Type of Service|          Total Length         |
 *  |         Identification        |Flags|      Fragment Offset    |
 *  |  Time to Live |  Protocol 17  |         Header Checksum       |
 *  |                       Source Address                          |
 *  |                    Destination Address                        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  IPv6 (RFC 8200 section 3, 40 bytes; Next Header must be UDP itself, no extension header):
 *  |Version| Traffic Class |           Flow Label                  |
 *  |         Payload Length        |  Next Header  |   Hop Limit   |
 *  |                 Source Address (16)                           |
 *  |              Destination Address (16)                         |
 *  UDP (RFC 768, 8 bytes):
 *  |          Source Port          |       Destination Port        |
 *  |            Length             |           Checksum            |
 * </pre>
 * {@link #wrap} validates once (every length against the bytes present) and says why a frame is refused; the
 * getters then do no checks. A fragment (IPv4 MF or offset; IPv6 any extension header, the fragment header
 * included) is refused: its first piece would reach the verifier without the rest, and the XDP program passes
 * fragments to the kernel anyway. IPv4 options are skipped by IHL, not interpreted, and not echoed in a reply.
 * <p>
 * The reply (RFC 768 checksum over the RFC 768 / RFC 8200 section 8.1 pseudo-header, computed for IPv4 too, where it
 * is optional; IPv4 header checksum per RFC 791) goes out with TTL / hop limit 64, IPv4 DF set and identification 0
 * (RFC 6864 section 4.1: an atomic datagram needs no unique id), traffic class and flow label 0. The encoder reads
 * every field it needs from this frame before it writes, so the reply may be written over the received frame itself
 * (in place) or into another frame.
 * <p>
 * Nothing here allocates; bad input is refused with a {@link #wrap} result, never an exception.
 */
public final class UdpFrame
{
    /** Bytes of the Ethernet II header. */
    public static final int ETHERNET_LENGTH = 14;
    /** Bytes of an IPv4 header without options. */
    public static final int IPV4_LENGTH = 20;
    /** Bytes of the IPv6 fixed header. */
    public static final int IPV6_LENGTH = 40;
    /** Bytes of the UDP header. */
    public static final int UDP_LENGTH = 8;
    /** Headers in front of the payload of an IPv4 reply. */
    public static final int IPV4_HEADERS_LENGTH = ETHERNET_LENGTH + IPV4_LENGTH + UDP_LENGTH;
    /** Headers in front of the payload of an IPv6 reply: the most any reply needs. */
    public static final int IPV6_HEADERS_LENGTH = ETHERNET_LENGTH + IPV6_LENGTH + UDP_LENGTH;

    /** {@link #wrap} result: a well-formed UDP datagram. */
    public static final int VALID = 0;
    /** {@link #wrap} result: shorter than the headers it announces. */
    public static final int TRUNCATED = 1;
    /** {@link #wrap} result: neither IPv4 nor IPv6 (ARP, a VLAN tag, ...), or a version that disagrees. */
    public static final int NOT_IP = 2;
    /** {@link #wrap} result: an IPv4 fragment, or an IPv6 packet with an extension header. */
    public static final int FRAGMENT = 3;
    /** {@link #wrap} result: IP, but not UDP. */
    public static final int NOT_UDP = 4;
    /** {@link #wrap} result: an IP or UDP length field that disagrees with the frame or with each other. */
    public static final int BAD_LENGTH = 5;

    /** Ethernet type of IPv4. */
    public static final int ETHERTYPE_IPV4 = 0x0800;
    /** Ethernet type of IPv6. */
    public static final int ETHERTYPE_IPV6 = 0x86DD;
    /** IP protocol number of UDP. */
    public static final int PROTOCOL_UDP = 17;

    private static final int ETHER_TYPE = 12;
    private static final int IP = ETHERNET_LENGTH;
    private static final int V4_TOTAL_LENGTH = IP + 2;
    private static final int V4_FRAGMENT = IP + 6;
    private static final int V4_PROTOCOL = IP + 9;
    private static final int V4_SOURCE = IP + 12;
    private static final int V4_DESTINATION = IP + 16;
    private static final int V6_PAYLOAD_LENGTH = IP + 4;
    private static final int V6_NEXT_HEADER = IP + 6;
    private static final int V6_SOURCE = IP + 8;
    private static final int V6_DESTINATION = IP + 24;
    private static final int MF_AND_OFFSET = 0x3FFF;
    private static final int DONT_FRAGMENT = 0x4000;
    private static final int TTL = 64;

    private DirectBuffer buffer;
    private int offset;
    private boolean ipv6;
    private int udpOffset;
    private int payloadLength;

    /**
     * Point at a received frame and check it.
     *
     * @param buffer holding the frame.
     * @param offset of the Ethernet header.
     * @param length of the frame as received (trailing Ethernet padding allowed).
     * @return {@link #VALID}, or why the frame is refused ({@link #TRUNCATED}, {@link #NOT_IP}, {@link #FRAGMENT},
     *         {@link #NOT_UDP}, {@link #BAD_LENGTH}); the getters are meaningful only after {@link #VALID}.
     */
    public int wrap(final DirectBuffer buffer, final int offset, final int length)
    {
        this.buffer = buffer;
        this.offset = offset;
        if (length < ETHERNET_LENGTH + IPV4_LENGTH + UDP_LENGTH)
        {
            return TRUNCATED;
        }
        final int etherType = buffer.getShort(offset + ETHER_TYPE, BIG_ENDIAN) & 0xFFFF;
        final int versionByte = buffer.getByte(offset + IP) & 0xFF;
        final int udpLength;
        if (etherType == ETHERTYPE_IPV4)
        {
            if ((versionByte >>> 4) != 4)
            {
                return NOT_IP;
            }
            final int headerLength = (versionByte & 0x0F) * 4;
            if (headerLength < IPV4_LENGTH)
            {
                return BAD_LENGTH;
            }
            if (length < ETHERNET_LENGTH + headerLength + UDP_LENGTH)
            {
                return TRUNCATED;
            }
            if ((buffer.getShort(offset + V4_FRAGMENT, BIG_ENDIAN) & MF_AND_OFFSET) != 0)
            {
                return FRAGMENT;
            }
            if ((buffer.getByte(offset + V4_PROTOCOL) & 0xFF) != PROTOCOL_UDP)
            {
                return NOT_UDP;
            }
            final int totalLength = buffer.getShort(offset + V4_TOTAL_LENGTH, BIG_ENDIAN) & 0xFFFF;
            udpLength = buffer.getShort(offset + IP + headerLength + 4, BIG_ENDIAN) & 0xFFFF;
            if (totalLength > length - ETHERNET_LENGTH || udpLength < UDP_LENGTH ||
                udpLength > totalLength - headerLength)
            {
                return BAD_LENGTH;
            }
            ipv6 = false;
            udpOffset = IP + headerLength;
        }
        else if (etherType == ETHERTYPE_IPV6)
        {
            if ((versionByte >>> 4) != 6)
            {
                return NOT_IP;
            }
            if (length < IPV6_HEADERS_LENGTH)
            {
                return TRUNCATED;
            }
            if ((buffer.getByte(offset + V6_NEXT_HEADER) & 0xFF) != PROTOCOL_UDP)
            {
                // Hop-by-hop, routing, fragment, destination options... all refused, like a fragment: a hello needs
                // none of them, and walking the chain is work an attacker chooses the length of.
                return isExtensionHeader(buffer.getByte(offset + V6_NEXT_HEADER) & 0xFF) ? FRAGMENT : NOT_UDP;
            }
            final int ipPayloadLength = buffer.getShort(offset + V6_PAYLOAD_LENGTH, BIG_ENDIAN) & 0xFFFF;
            udpLength = buffer.getShort(offset + IP + IPV6_LENGTH + 4, BIG_ENDIAN) & 0xFFFF;
            if (ipPayloadLength > length - ETHERNET_LENGTH - IPV6_LENGTH || udpLength < UDP_LENGTH ||
                udpLength > ipPayloadLength)
            {
                return BAD_LENGTH;
            }
            ipv6 = true;
            udpOffset = IP + IPV6_LENGTH;
        }
        else
        {
            return NOT_IP;
        }
        payloadLength = udpLength - UDP_LENGTH;
        return VALID;
    }

    private static boolean isExtensionHeader(final int nextHeader)
    {
        // RFC 8200 section 4: hop-by-hop 0, routing 43, fragment 44, ESP 50, AH 51, destination options 60,
        // mobility 135, HIP 139, shim6 140.
        return nextHeader == 0 || nextHeader == 43 || nextHeader == 44 || nextHeader == 50 || nextHeader == 51 ||
            nextHeader == 60 || nextHeader == 135 || nextHeader == 139 || nextHeader == 140;
    }

    /**
     * Whether the frame is IPv6.
     *
     * @return true for IPv6, false for IPv4.
     */
    public boolean isIpv6()
    {
        return ipv6;
    }

    /**
     * Where the UDP payload starts, from the frame's start.
     *
     * @return the payload's offset relative to the wrapped offset.
     */
    public int payloadOffset()
    {
        return udpOffset + UDP_LENGTH;
    }

    /**
     * Bytes of UDP payload, from the UDP length field.
     *
     * @return 0 or more.
     */
    public int payloadLength()
    {
        return payloadLength;
    }

    /**
     * The UDP source port.
     *
     * @return 0 to 65535.
     */
    public int sourcePort()
    {
        return buffer.getShort(offset + udpOffset, BIG_ENDIAN) & 0xFFFF;
    }

    /**
     * The UDP destination port.
     *
     * @return 0 to 65535.
     */
    public int destinationPort()
    {
        return buffer.getShort(offset + udpOffset + 2, BIG_ENDIAN) & 0xFFFF;
    }

    /**
     * Write the sender as a {@link PeerAddress} (an IPv4 one as {@code ::ffff:a.b.c.d}), as the UDP sockets do.
     *
     * @param destination buffer for the 18 bytes.
     * @param peerOffset  where they start.
     */
    public void writePeer(final MutableDirectBuffer destination, final int peerOffset)
    {
        if (ipv6)
        {
            PeerAddress.encodeIpv6(destination, peerOffset, buffer, offset + V6_SOURCE, sourcePort());
        }
        else
        {
            PeerAddress.encodeIpv4(destination, peerOffset, buffer, offset + V4_SOURCE, sourcePort());
        }
    }

    /**
     * Bytes of headers a reply to this frame needs in front of its payload.
     *
     * @return {@link #IPV4_HEADERS_LENGTH} or {@link #IPV6_HEADERS_LENGTH}.
     */
    public int replyHeadersLength()
    {
        return ipv6 ? IPV6_HEADERS_LENGTH : IPV4_HEADERS_LENGTH;
    }

    /**
     * Write the headers of a reply to this frame's sender in front of a payload already in place: Ethernet with the
     * MACs swapped, IP with the addresses swapped, UDP with the ports swapped, lengths for the payload, checksums.
     * The frame's own fields are read before anything is written, so the destination may be this frame.
     *
     * @param destination   buffer holding the reply payload.
     * @param payloadOffset where the payload starts; the headers end there.
     * @param payloadLength bytes of payload, at most 65535 minus the headers.
     * @return the reply frame's offset in destination: payloadOffset - {@link #replyHeadersLength()}.
     */
    public int writeReply(final MutableDirectBuffer destination, final int payloadOffset, final int payloadLength)
    {
        final DirectBuffer buffer = this.buffer;
        final int offset = this.offset;
        final int peerMacHigh = buffer.getInt(offset + 6, BIG_ENDIAN);
        final short peerMacLow = buffer.getShort(offset + 10, BIG_ENDIAN);
        final int ownMacHigh = buffer.getInt(offset, BIG_ENDIAN);
        final short ownMacLow = buffer.getShort(offset + 4, BIG_ENDIAN);
        final short peerPort = buffer.getShort(offset + udpOffset, BIG_ENDIAN);
        final short ownPort = buffer.getShort(offset + udpOffset + 2, BIG_ENDIAN);
        final int udpLength = UDP_LENGTH + payloadLength;
        final int start;
        final int udp;
        int sum;
        if (ipv6)
        {
            final long peerHigh = buffer.getLong(offset + V6_SOURCE, BIG_ENDIAN);
            final long peerLow = buffer.getLong(offset + V6_SOURCE + 8, BIG_ENDIAN);
            final long ownHigh = buffer.getLong(offset + V6_DESTINATION, BIG_ENDIAN);
            final long ownLow = buffer.getLong(offset + V6_DESTINATION + 8, BIG_ENDIAN);
            start = payloadOffset - IPV6_HEADERS_LENGTH;
            final int ip = start + ETHERNET_LENGTH;
            destination.putInt(ip, 6 << 28, BIG_ENDIAN);
            destination.putShort(ip + 4, (short)udpLength, BIG_ENDIAN);
            destination.putByte(ip + 6, (byte)PROTOCOL_UDP);
            destination.putByte(ip + 7, (byte)TTL);
            destination.putLong(ip + 8, ownHigh, BIG_ENDIAN);
            destination.putLong(ip + 16, ownLow, BIG_ENDIAN);
            destination.putLong(ip + 24, peerHigh, BIG_ENDIAN);
            destination.putLong(ip + 32, peerLow, BIG_ENDIAN);
            destination.putShort(start + ETHER_TYPE, (short)ETHERTYPE_IPV6, BIG_ENDIAN);
            udp = ip + IPV6_LENGTH;
            sum = sum(destination, ip + 8, 32, 0);
        }
        else
        {
            final int peerAddress = buffer.getInt(offset + V4_SOURCE, BIG_ENDIAN);
            final int ownAddress = buffer.getInt(offset + V4_DESTINATION, BIG_ENDIAN);
            start = payloadOffset - IPV4_HEADERS_LENGTH;
            final int ip = start + ETHERNET_LENGTH;
            destination.putShort(ip, (short)0x4500, BIG_ENDIAN);
            destination.putShort(ip + 2, (short)(IPV4_LENGTH + udpLength), BIG_ENDIAN);
            destination.putShort(ip + 4, (short)0, BIG_ENDIAN);
            destination.putShort(ip + 6, (short)DONT_FRAGMENT, BIG_ENDIAN);
            destination.putByte(ip + 8, (byte)TTL);
            destination.putByte(ip + 9, (byte)PROTOCOL_UDP);
            destination.putShort(ip + 10, (short)0, BIG_ENDIAN);
            destination.putInt(ip + 12, ownAddress, BIG_ENDIAN);
            destination.putInt(ip + 16, peerAddress, BIG_ENDIAN);
            destination.putShort(ip + 10, (short)checksum(sum(destination, ip, IPV4_LENGTH, 0)), BIG_ENDIAN);
            destination.putShort(start + ETHER_TYPE, (short)ETHERTYPE_IPV4, BIG_ENDIAN);
            udp = ip + IPV4_LENGTH;
            sum = sum(destination, ip + 12, 8, 0);
        }
        destination.putInt(start, peerMacHigh, BIG_ENDIAN);
        destination.putShort(start + 4, peerMacLow, BIG_ENDIAN);
        destination.putInt(start + 6, ownMacHigh, BIG_ENDIAN);
        destination.putShort(start + 10, ownMacLow, BIG_ENDIAN);

        destination.putShort(udp, ownPort, BIG_ENDIAN);
        destination.putShort(udp + 2, peerPort, BIG_ENDIAN);
        destination.putShort(udp + 4, (short)udpLength, BIG_ENDIAN);
        destination.putShort(udp + 6, (short)0, BIG_ENDIAN);
        // Pseudo-header: the addresses (summed above), zero + protocol, UDP length; then the header and payload.
        sum += PROTOCOL_UDP + udpLength;
        sum = sum(destination, udp, udpLength, sum);
        final int checksum = checksum(sum);
        // RFC 768: a computed 0 is sent as all ones, since 0 means "no checksum" (forbidden for IPv6).
        destination.putShort(udp + 6, (short)(checksum == 0 ? 0xFFFF : checksum), BIG_ENDIAN);
        return start;
    }

    /**
     * Add 16-bit big-endian words to a one's-complement running sum (RFC 1071), an odd last byte padded with zero.
     *
     * @param buffer  holding the bytes.
     * @param offset  of the first byte.
     * @param length  bytes to add.
     * @param initial running sum so far.
     * @return the new running sum, not yet folded.
     */
    public static int sum(final DirectBuffer buffer, final int offset, final int length, final int initial)
    {
        long sum = initial & 0xFFFF_FFFFL;
        int i = 0;
        for (final int words = length & ~7; i < words; i += 8)
        {
            final long word = buffer.getLong(offset + i, BIG_ENDIAN);
            sum += (word >>> 48) + ((word >>> 32) & 0xFFFF) + ((word >>> 16) & 0xFFFF) + (word & 0xFFFF);
        }
        for (; i + 1 < length; i += 2)
        {
            sum += buffer.getShort(offset + i, BIG_ENDIAN) & 0xFFFF;
        }
        if (i < length)
        {
            sum += (buffer.getByte(offset + i) & 0xFF) << 8;
        }
        while ((sum >>> 16) != 0)
        {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int)sum;
    }

    /**
     * Fold a running sum and complement it: the checksum to put on the wire.
     *
     * @param sum from {@link #sum}.
     * @return 0 to 0xFFFF.
     */
    public static int checksum(final int sum)
    {
        int folded = sum;
        while ((folded >>> 16) != 0)
        {
            folded = (folded & 0xFFFF) + (folded >>> 16);
        }
        return ~folded & 0xFFFF;
    }
}
