package io.turnstile.tools.flood;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import static java.nio.ByteOrder.BIG_ENDIAN;

/**
 * Writes the IPv4 header (RFC 791 section 3.1, no options) and UDP header (RFC 768) that a raw
 * {@code IPPROTO_RAW} socket sends in front of a datagram, and computes their Internet checksums (RFC 1071).
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-------+-------+---------------+-------------------------------+
 *  |Ver= 4 |IHL= 5 |    TOS = 0    |   Total Length (20 + 8 + n)   |  0
 *  +-------+-------+---------------+-----+-------------------------+
 *  |        Identification         |Flags|    Fragment Offset = 0  |  4
 *  +---------------+---------------+-----+-------------------------+
 *  |    TTL = 64   | Protocol = 17 |        Header Checksum        |  8
 *  +---------------+---------------+-------------------------------+
 *  |                  Source Address (spoofed)                     | 12
 *  +---------------------------------------------------------------+
 *  |                     Destination Address                       | 16
 *  +-------------------------------+-------------------------------+
 *  |    Source Port (a sink's)     |       Destination Port        | 20  UDP, RFC 768
 *  +-------------------------------+-------------------------------+
 *  |        Length (8 + n)         |           Checksum            | 24
 *  +-------------------------------+-------------------------------+
 *  |                  payload: the DTLS record ...                 | 28
 * </pre>
 * All fields are big-endian. The UDP checksum covers a pseudo-header (source, destination, zero, protocol, UDP
 * length), the UDP header and the payload; a computed 0 is sent as 0xFFFF, since 0 means "no checksum" in IPv4.
 * <b>Note:</b> with {@code IP_HDRINCL} Linux rewrites the IPv4 header checksum (and the total length) itself; it is
 * computed here anyway so that a packet is correct wherever it is written.
 */
final class Ipv4UdpHeaderEncoder
{
    /** IPv4 header without options. */
    static final int IPV4_HEADER_LENGTH = 20;
    /** UDP header. */
    static final int UDP_HEADER_LENGTH = 8;
    /** Both headers: where the payload starts. */
    static final int HEADERS_LENGTH = IPV4_HEADER_LENGTH + UDP_HEADER_LENGTH;
    /** Offset of the IPv4 total length. */
    static final int TOTAL_LENGTH_OFFSET = 2;
    /** Offset of the IPv4 identification. */
    static final int IDENTIFICATION_OFFSET = 4;
    /** Offset of the IPv4 header checksum. */
    static final int IP_CHECKSUM_OFFSET = 10;
    /** Offset of the IPv4 source address. */
    static final int SOURCE_ADDRESS_OFFSET = 12;
    /** Offset of the IPv4 destination address. */
    static final int DESTINATION_ADDRESS_OFFSET = 16;
    /** Offset of the UDP source port. */
    static final int SOURCE_PORT_OFFSET = 20;
    /** Offset of the UDP destination port. */
    static final int DESTINATION_PORT_OFFSET = 22;
    /** Offset of the UDP length. */
    static final int UDP_LENGTH_OFFSET = 24;
    /** Offset of the UDP checksum. */
    static final int UDP_CHECKSUM_OFFSET = 26;
    /** UDP's protocol number. */
    static final int PROTOCOL_UDP = 17;
    /** Time to live: more than loopback or a namespace topology needs. */
    static final int TTL = 64;

    private MutableDirectBuffer buffer;
    private int offset;

    /**
     * Wrap the start of a packet.
     *
     * @param buffer holding the packet.
     * @param offset where the IPv4 header starts.
     * @return this.
     */
    Ipv4UdpHeaderEncoder wrap(final MutableDirectBuffer buffer, final int offset)
    {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    /**
     * Write every field that is the same for every packet of a flood; source, identification and checksums are 0.
     *
     * @param destination     address, big-endian int.
     * @param destinationPort UDP port.
     * @param payloadLength   bytes after the UDP header.
     * @return this.
     */
    Ipv4UdpHeaderEncoder writeFixedFields(final int destination, final int destinationPort, final int payloadLength)
    {
        final MutableDirectBuffer b = buffer;
        final int o = offset;
        b.putByte(o, (byte)0x45);
        b.putByte(o + 1, (byte)0);
        b.putShort(o + TOTAL_LENGTH_OFFSET, (short)(HEADERS_LENGTH + payloadLength), BIG_ENDIAN);
        b.putShort(o + IDENTIFICATION_OFFSET, (short)0, BIG_ENDIAN);
        b.putShort(o + 6, (short)0, BIG_ENDIAN);
        b.putByte(o + 8, (byte)TTL);
        b.putByte(o + 9, (byte)PROTOCOL_UDP);
        b.putShort(o + IP_CHECKSUM_OFFSET, (short)0, BIG_ENDIAN);
        b.putInt(o + SOURCE_ADDRESS_OFFSET, 0, BIG_ENDIAN);
        b.putInt(o + DESTINATION_ADDRESS_OFFSET, destination, BIG_ENDIAN);
        b.putShort(o + SOURCE_PORT_OFFSET, (short)0, BIG_ENDIAN);
        b.putShort(o + DESTINATION_PORT_OFFSET, (short)destinationPort, BIG_ENDIAN);
        b.putShort(o + UDP_LENGTH_OFFSET, (short)(UDP_HEADER_LENGTH + payloadLength), BIG_ENDIAN);
        b.putShort(o + UDP_CHECKSUM_OFFSET, (short)0, BIG_ENDIAN);
        return this;
    }

    /**
     * Write the per-packet fields.
     *
     * @param source         address, big-endian int.
     * @param sourcePort     UDP port.
     * @param identification IPv4 id.
     * @param ipChecksum     header checksum, as from {@link #checksum(long)}.
     * @param udpChecksum    UDP checksum, 0 for none.
     * @return this.
     */
    Ipv4UdpHeaderEncoder writeSource(
        final int source, final int sourcePort, final int identification, final int ipChecksum, final int udpChecksum)
    {
        final MutableDirectBuffer b = buffer;
        final int o = offset;
        b.putInt(o + SOURCE_ADDRESS_OFFSET, source, BIG_ENDIAN);
        b.putShort(o + SOURCE_PORT_OFFSET, (short)sourcePort, BIG_ENDIAN);
        b.putShort(o + IDENTIFICATION_OFFSET, (short)identification, BIG_ENDIAN);
        b.putShort(o + IP_CHECKSUM_OFFSET, (short)ipChecksum, BIG_ENDIAN);
        b.putShort(o + UDP_CHECKSUM_OFFSET, (short)udpChecksum, BIG_ENDIAN);
        return this;
    }

    /**
     * The 32-bit ones' complement sum, not yet folded, of big-endian 16-bit words; an odd last byte is padded with
     * a zero byte (RFC 1071 section 4.1).
     *
     * @param buffer holding the bytes.
     * @param offset first byte; the words are aligned to it.
     * @param length bytes.
     * @return the sum, to fold with others.
     */
    static long sum(final DirectBuffer buffer, final int offset, final int length)
    {
        long sum = 0;
        int i = 0;
        for (; i + 1 < length; i += 2)
        {
            sum += buffer.getShort(offset + i, BIG_ENDIAN) & 0xFFFF;
        }
        if (i < length)
        {
            sum += (buffer.getByte(offset + i) & 0xFF) << 8;
        }
        return sum;
    }

    /**
     * Fold a wide sum into 16 bits with end-around carries.
     *
     * @param sum of 16-bit (or 32-bit) words.
     * @return 0 to 0xFFFF.
     */
    static int fold(final long sum)
    {
        long s = (sum & 0xFFFF_FFFFL) + (sum >>> 32);
        s = (s & 0xFFFF) + (s >>> 16);
        s = (s & 0xFFFF) + (s >>> 16);
        s = (s & 0xFFFF) + (s >>> 16);
        return (int)s;
    }

    /**
     * The checksum field for a sum: its folded ones' complement.
     *
     * @param sum of every word the checksum covers, with the checksum field taken as 0.
     * @return 0 to 0xFFFF.
     */
    static int checksum(final long sum)
    {
        return ~fold(sum) & 0xFFFF;
    }
}
