package io.turnstile.tools.flood;

import io.turnstile.codec.ClientHelloDecoder;
import io.turnstile.codec.ClientHelloEncoder;
import io.turnstile.nativeio.LibC;
import io.turnstile.tools.Captures;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Set;
import java.util.SplittableRandom;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.nio.ByteOrder.BIG_ENDIAN;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packets a batch stamps, checked byte by byte with checksums recomputed from scratch (RFC 1071), not with the
 * batch's incremental arithmetic.
 */
class FloodBatchTest
{
    private static final int TARGET = Ipv4Cidr.toInt(Ipv4Cidr.parseAddress("127.0.0.1", "test"));
    private static final int[] PORTS = {40_001, 40_002, 40_003};

    @Test
    @Timeout(10)
    void shouldStampRawPacketsWithValidChecksumsSpoofedSourcesAndFreshRandoms()
    {
        final byte[] template = Captures.hello(Captures.DEFAULT_HELLO);
        final Ipv4Cidr prefix = Ipv4Cidr.parse("127.0.0.0/8");
        try (Arena arena = Arena.ofConfined())
        {
            final FloodBatch batch = FloodBatch.raw(
                arena, 64, template, TARGET, 4433, prefix, PORTS, new SplittableRandom(42));
            final Set<String> randoms = new HashSet<>();
            for (int round = 0; round < 50; round++)
            {
                batch.fill(64);
                for (int i = 0; i < 64; i++)
                {
                    final byte[] packet = new byte[Ipv4UdpHeaderEncoder.HEADERS_LENGTH + template.length];
                    batch.packets().getBytes(i * batch.slotBytes(), packet);
                    final UnsafeBuffer buffer = new UnsafeBuffer(packet);

                    assertEquals(0x45, packet[0] & 0xFF);
                    assertEquals(packet.length, buffer.getShort(2, BIG_ENDIAN) & 0xFFFF);
                    assertEquals(17, packet[9]);
                    assertEquals(TARGET, buffer.getInt(16, BIG_ENDIAN));
                    assertEquals(4433, buffer.getShort(22, BIG_ENDIAN) & 0xFFFF);
                    assertEquals(8 + template.length, buffer.getShort(24, BIG_ENDIAN) & 0xFFFF);
                    final int source = buffer.getInt(12, BIG_ENDIAN);
                    assertTrue(prefix.isUsable(source, TARGET), Ipv4Cidr.toText(source));
                    final int port = buffer.getShort(20, BIG_ENDIAN) & 0xFFFF;
                    assertTrue(Arrays.stream(PORTS).anyMatch(p -> p == port), "port " + port);

                    assertEquals(0xFFFF, fullSum(packet, 0, 20), "IPv4 header checksum");
                    assertEquals(0xFFFF, udpSum(packet), "UDP checksum over pseudo-header, header and payload");

                    final ClientHelloDecoder decoder = new ClientHelloDecoder()
                        .wrap(buffer, Ipv4UdpHeaderEncoder.HEADERS_LENGTH, template.length);
                    assertTrue(decoder.decode());
                    final byte[] random = new byte[32];
                    buffer.getBytes(decoder.randomOffset(), random);
                    randoms.add(HexFormat.of().formatHex(random));
                }
            }
            assertEquals(50 * 64, randoms.size(), "every stamp draws a new random");
        }
    }

    @Test
    @Timeout(10)
    @SuppressWarnings("restricted") // reads back the iovec the kernel would follow
    void shouldSendOnlyTheHelloToAUdpSocketWithTheTargetAsEveryMessagesName()
    {
        final byte[] template = Captures.hello("bc-dtls12-bccrypto-ch1-nocookie.bin");
        try (Arena arena = Arena.ofConfined())
        {
            final FloodBatch batch = FloodBatch.udp(arena, 8, template, TARGET, 4433, new SplittableRandom(7));
            batch.fill(8);
            final MemorySegment headers = batch.headers();
            final long mmsghdr = LibC.MMSGHDR.byteSize();
            for (int i = 0; i < 8; i++)
            {
                assertEquals(16, headers.get(JAVA_INT, i * mmsghdr + LibC.MSG_NAMELEN_OFFSET));
                assertEquals(1L, headers.get(JAVA_LONG, i * mmsghdr + LibC.MSG_IOVLEN_OFFSET));
                final MemorySegment iovec = headers.get(ADDRESS, i * mmsghdr + LibC.MSG_IOV_OFFSET)
                    .reinterpret(LibC.IOVEC.byteSize());
                assertEquals(template.length, iovec.get(JAVA_LONG, LibC.IOV_LEN_OFFSET));
                final long base = iovec.get(ADDRESS, LibC.IOV_BASE_OFFSET).address();
                assertEquals(batch.packets().addressOffset() + (long)i * batch.slotBytes() + 28, base);

                final byte[] hello = new byte[template.length];
                batch.packets().getBytes(i * batch.slotBytes() + 28, hello);
                final byte[] expected = template;
                final int at = ClientHelloEncoder.RANDOM_OFFSET;
                System.arraycopy(hello, at, expected, at, 32);
                assertArrayEquals(expected, hello, "the capture but for its random");
            }
        }
    }

    /** Folded ones' complement sum of big-endian words; a correct header with its checksum sums to 0xFFFF. */
    static int fullSum(final byte[] bytes, final int offset, final int length)
    {
        long sum = 0;
        for (int i = 0; i < length; i += 2)
        {
            final int high = bytes[offset + i] & 0xFF;
            final int low = i + 1 < length ? bytes[offset + i + 1] & 0xFF : 0;
            sum += (high << 8) | low;
        }
        while (sum >>> 16 != 0)
        {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int)sum;
    }

    private static int udpSum(final byte[] packet)
    {
        final int udpLength = packet.length - 20;
        final byte[] pseudo = new byte[12 + udpLength];
        System.arraycopy(packet, 12, pseudo, 0, 8);
        pseudo[9] = 17;
        pseudo[10] = (byte)(udpLength >>> 8);
        pseudo[11] = (byte)udpLength;
        System.arraycopy(packet, 20, pseudo, 12, udpLength);
        return fullSum(pseudo, 0, pseudo.length);
    }
}
