package io.turnstile.tools.flood;

import io.turnstile.codec.ClientHelloEncoder;
import io.turnstile.nativeio.LibC;
import org.agrona.concurrent.UnsafeBuffer;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.nio.ByteOrder.LITTLE_ENDIAN;

/**
 * The off-heap {@code sendmmsg} vector of a flood and the packets it points at, re-stamped before each send so that
 * every packet is new: a fresh 32-byte random in the hello and, for raw packets, a fresh source address and port with
 * the checksums to match. Nothing is allocated per packet or per batch.
 * <pre>
 *  mmsghdr[N] --msg_iov--&gt; iovec[N] --iov_base--&gt; slot i: [ IPv4 (20) | UDP (8) | ClientHello template ... ]
 *      | msg_name                                        ^ raw: iov_base here  ^ UDP socket: iov_base here
 *      +----------&gt; one sockaddr_in: the target
 * </pre>
 * A raw socket is given the whole slot; an ordinary UDP socket only the hello, the kernel writing the headers.
 * <p>
 * The UDP checksum is updated, not recomputed: the sum of everything fixed (pseudo-header, ports but the source, the
 * template with a zero random) is taken once, and each packet adds its source address and port and its random. The
 * random's 32 bytes are written as four little-endian longs. The random of every ClientHello starts at byte 27 of
 * the record (13 + 12 + 2), an odd offset, so each big-endian word of the UDP segment that the random covers holds
 * one byte of the random in its low half and the next in its high half: exactly the little-endian 16-bit words of
 * those longs. Their sum is therefore added as is (RFC 1071 section 2(B), byte-order independence).
 * <p>
 * <b>Note:</b> Linux checks the UDP checksum of a raw-socket packet on loopback (the packet is not marked as
 * verified, unlike one from a UDP socket): a wrong one is dropped and counted in {@code Udp InCsumErrors} of
 * {@code /proc/net/snmp}, while 0 ("none") is accepted. Checked on this kernel by sending one of each. A flood whose
 * packets all arrive therefore also proves its checksums.
 */
final class FloodBatch
{
    private static final int MMSGHDR_BYTES = (int)LibC.MMSGHDR.byteSize();
    private static final int IOVEC_BYTES = (int)LibC.IOVEC.byteSize();
    private static final int CACHE_LINE = 64;

    private final int capacity;
    private final boolean rawHeaders;
    private final int slotBytes;
    private final int payloadLength;
    private final int randomAt;
    private final MemorySegment headers;
    private final UnsafeBuffer packets;
    private final SplittableRandom random;
    private final Ipv4UdpHeaderEncoder encoder = new Ipv4UdpHeaderEncoder();

    private final Ipv4Cidr sources;
    private final int excludedSource;
    private final int[] sourcePorts;
    private final long ipFixedSum;
    private final long udpFixedSum;

    private FloodBatch(
        final Arena arena,
        final int capacity,
        final byte[] hello,
        final boolean rawHeaders,
        final int target,
        final int targetPort,
        final Ipv4Cidr sources,
        final int[] sourcePorts,
        final SplittableRandom random)
    {
        this.capacity = capacity;
        this.rawHeaders = rawHeaders;
        this.payloadLength = hello.length;
        this.slotBytes = align(Ipv4UdpHeaderEncoder.HEADERS_LENGTH + payloadLength, CACHE_LINE);
        this.randomAt = Ipv4UdpHeaderEncoder.HEADERS_LENGTH + ClientHelloEncoder.RANDOM_OFFSET;
        this.sources = sources;
        this.excludedSource = target;
        this.sourcePorts = sourcePorts;
        this.random = random;

        final MemorySegment destination = arena.allocate(LibC.SOCKADDR_IN);
        FloodSockets.writeSockaddrIn(destination, target, targetPort);
        headers = arena.allocate((long)MMSGHDR_BYTES * capacity, CACHE_LINE);
        final MemorySegment iovecs = arena.allocate((long)IOVEC_BYTES * capacity, CACHE_LINE);
        final MemorySegment packetMemory = arena.allocate((long)slotBytes * capacity, CACHE_LINE);
        packets = new UnsafeBuffer(packetMemory.address(), Math.toIntExact(packetMemory.byteSize()));

        final int skip = rawHeaders ? 0 : Ipv4UdpHeaderEncoder.HEADERS_LENGTH;
        for (int i = 0; i < capacity; i++)
        {
            final int slot = i * slotBytes;
            encoder.wrap(packets, slot).writeFixedFields(target, targetPort, payloadLength);
            packets.putBytes(slot + Ipv4UdpHeaderEncoder.HEADERS_LENGTH, hello);
            packets.setMemory(slot + randomAt, 32, (byte)0);

            final long header = (long)i * MMSGHDR_BYTES;
            final long iovec = (long)i * IOVEC_BYTES;
            iovecs.set(ADDRESS, iovec + LibC.IOV_BASE_OFFSET, packetMemory.asSlice(slot + skip));
            final int sendLength = Ipv4UdpHeaderEncoder.HEADERS_LENGTH + payloadLength - skip;
            iovecs.set(JAVA_LONG, iovec + LibC.IOV_LEN_OFFSET, sendLength);
            headers.set(ADDRESS, header + LibC.MSG_NAME_OFFSET, destination);
            headers.set(JAVA_INT, header + LibC.MSG_NAMELEN_OFFSET, FloodSockets.SOCKADDR_IN_BYTES);
            headers.set(ADDRESS, header + LibC.MSG_IOV_OFFSET, iovecs.asSlice(iovec, IOVEC_BYTES));
            headers.set(JAVA_LONG, header + LibC.MSG_IOVLEN_OFFSET, 1L);
        }

        // The fixed parts of both checksums, from slot 0 while its source, id and random are still zero.
        ipFixedSum = Ipv4UdpHeaderEncoder.sum(packets, 0, Ipv4UdpHeaderEncoder.IPV4_HEADER_LENGTH);
        final int udpLength = Ipv4UdpHeaderEncoder.UDP_HEADER_LENGTH + payloadLength;
        udpFixedSum = (target >>> 16) + (target & 0xFFFF) + Ipv4UdpHeaderEncoder.PROTOCOL_UDP + udpLength +
            Ipv4UdpHeaderEncoder.sum(packets, Ipv4UdpHeaderEncoder.IPV4_HEADER_LENGTH, udpLength);
    }

    /**
     * A batch for a raw socket: whole IPv4 packets with spoofed sources.
     *
     * @param arena       owns the memory.
     * @param capacity    packets per batch.
     * @param hello       the ClientHello datagram.
     * @param target      destination address, big-endian int.
     * @param targetPort  destination port.
     * @param sources     the prefix to spoof sources from; the target itself is never used.
     * @param sourcePorts ports to draw source ports from.
     * @param random      the flood's generator.
     * @return the batch.
     */
    static FloodBatch raw(
        final Arena arena,
        final int capacity,
        final byte[] hello,
        final int target,
        final int targetPort,
        final Ipv4Cidr sources,
        final int[] sourcePorts,
        final SplittableRandom random)
    {
        return new FloodBatch(
            arena, capacity, hello, true, target, targetPort, sources, sourcePorts.clone(), random);
    }

    /**
     * A batch for ordinary UDP sockets: only the hellos, the kernel writes the headers.
     *
     * @param arena      owns the memory.
     * @param capacity   packets per batch.
     * @param hello      the ClientHello datagram.
     * @param target     destination address, big-endian int.
     * @param targetPort destination port.
     * @param random     the flood's generator.
     * @return the batch.
     */
    static FloodBatch udp(
        final Arena arena,
        final int capacity,
        final byte[] hello,
        final int target,
        final int targetPort,
        final SplittableRandom random)
    {
        return new FloodBatch(arena, capacity, hello, false, target, targetPort, null, null, random);
    }

    private static int align(final int value, final int alignment)
    {
        return (value + alignment - 1) & -alignment;
    }

    /**
     * Re-stamp the first packets of the batch.
     *
     * @param count packets, 1 to {@link #capacity()}.
     */
    void fill(final int count)
    {
        final UnsafeBuffer buffer = packets;
        final SplittableRandom random = this.random;
        for (int i = 0; i < count; i++)
        {
            final int slot = i * slotBytes;
            final int at = slot + randomAt;
            final long r0 = random.nextLong();
            final long r1 = random.nextLong();
            final long r2 = random.nextLong();
            final long r3 = random.nextLong();
            buffer.putLong(at, r0, LITTLE_ENDIAN);
            buffer.putLong(at + 8, r1, LITTLE_ENDIAN);
            buffer.putLong(at + 16, r2, LITTLE_ENDIAN);
            buffer.putLong(at + 24, r3, LITTLE_ENDIAN);
            if (rawHeaders)
            {
                stampSource(buffer, slot, r0, r1, r2, r3);
            }
        }
    }

    private void stampSource(
        final UnsafeBuffer buffer, final int slot, final long r0, final long r1, final long r2, final long r3)
    {
        final int source = sources.draw(random, excludedSource);
        final long bits = random.nextLong();
        final int[] ports = sourcePorts;
        final int port = ports[(int)(((bits & 0xFFFF_FFFFL) * ports.length) >>> 32)];
        final int identification = (int)(bits >>> 48);
        final long sourceSum = (source >>> 16) + (source & 0xFFFF);

        final int ipChecksum = Ipv4UdpHeaderEncoder.checksum(ipFixedSum + sourceSum + identification);
        final long randomWords = (r0 & 0xFFFF_FFFFL) + (r0 >>> 32) + (r1 & 0xFFFF_FFFFL) + (r1 >>> 32) +
            (r2 & 0xFFFF_FFFFL) + (r2 >>> 32) + (r3 & 0xFFFF_FFFFL) + (r3 >>> 32);
        final int udpChecksum = Ipv4UdpHeaderEncoder.checksum(udpFixedSum + sourceSum + port + randomWords);
        // A computed 0 is sent as 0xFFFF: 0 means "no checksum" in IPv4 (RFC 768).
        final int udpChecksumValue = 0 == udpChecksum ? 0xFFFF : udpChecksum;
        encoder.wrap(buffer, slot).writeSource(source, port, identification, ipChecksum, udpChecksumValue);
    }

    /**
     * The mmsghdr vector to hand to {@code sendmmsg}.
     *
     * @return the vector, {@link #capacity()} long.
     */
    MemorySegment headers()
    {
        return headers;
    }

    /**
     * The packet memory, for tests and diagnostics.
     *
     * @return the slots, {@link #slotBytes()} apart.
     */
    UnsafeBuffer packets()
    {
        return packets;
    }

    /**
     * Bytes between slots.
     *
     * @return slot stride.
     */
    int slotBytes()
    {
        return slotBytes;
    }

    /**
     * Packets per batch.
     *
     * @return the capacity.
     */
    int capacity()
    {
        return capacity;
    }

    /**
     * The hello's length: UDP payload bytes per packet.
     *
     * @return bytes.
     */
    int payloadLength()
    {
        return payloadLength;
    }
}
