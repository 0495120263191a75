package io.turnstile.tools.flood;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertEquals;

class Ipv4UdpHeaderEncoderTest
{
    @Test
    @Timeout(10)
    void shouldSumAsRfc1071SectionThreeExample()
    {
        // RFC 1071 section 3: the words 0001 f203 f4f5 f6f7 sum to ddf2 after folding.
        final UnsafeBuffer buffer = new UnsafeBuffer(HexFormat.of().parseHex("0001f203f4f5f6f7"));
        assertEquals(0xDDF2, Ipv4UdpHeaderEncoder.fold(Ipv4UdpHeaderEncoder.sum(buffer, 0, 8)));
        assertEquals(0x220D, Ipv4UdpHeaderEncoder.checksum(Ipv4UdpHeaderEncoder.sum(buffer, 0, 8)));
    }

    @Test
    @Timeout(10)
    void shouldPadAnOddLastByteWithZero()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(HexFormat.of().parseHex("0102ab"));
        assertEquals(0x0102 + 0xAB00, Ipv4UdpHeaderEncoder.sum(buffer, 0, 3));
    }

    @Test
    @Timeout(10)
    void shouldWriteAHeaderWhoseChecksumVerifies()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[28 + 10]);
        final Ipv4UdpHeaderEncoder encoder = new Ipv4UdpHeaderEncoder().wrap(buffer, 0);
        encoder.writeFixedFields(0x7F000001, 4433, 10);
        final long fixed = Ipv4UdpHeaderEncoder.sum(buffer, 0, 20);
        final int source = 0x7F010203;
        encoder.writeSource(source, 5555, 0xBEEF,
            Ipv4UdpHeaderEncoder.checksum(fixed + (source >>> 16) + (source & 0xFFFF) + 0xBEEF), 0);

        final byte[] bytes = buffer.byteArray();
        assertEquals(0xFFFF, FloodBatchTest.fullSum(bytes, 0, 20));
        assertEquals("45000026beef00004011", HexFormat.of().formatHex(bytes, 0, 10));
        assertEquals("7f0102037f000001", HexFormat.of().formatHex(bytes, 12, 20));
        assertEquals("15b3115100120000", HexFormat.of().formatHex(bytes, 20, 28));
    }
}
