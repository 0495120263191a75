package io.turnstile.nativeio.xdp;

import io.turnstile.codec.PeerAddress;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The frame codec against frames and replies built by an independent implementation (a short Python script using
 * {@code struct} and its own RFC 1071 sum, in the commit that added this test): 02:00:00:00:00:01 / 10.200.0.1:50000
 * (2001:db8::1 port 40000) sends a 61-byte datagram to 02:00:00:00:00:02 / 10.200.0.2:4433 (2001:db8::2), and the
 * 45-byte reply goes back. Odd lengths on purpose: the checksum pads the last byte.
 */
final class UdpFrameTest
{
    private static final HexFormat HEX = HexFormat.of();
    private static final String RX4 = "020000000002020000000001080045000059123440003f1113ce0ac800010ac80002c350115100" +
        "45c311161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f404142434445464748" +
        "494a4b4c4d4e4f50515200000000";
    private static final String TX4 = "02000000000102000000000208004500004900004000401125120ac800020ac800011151c35000" +
        "35f0c7030a11181f262d343b424950575e656c737a81888f969da4abb2b9c0c7ced5dce3eaf1f8ff060d141b22293037";
    private static final String RX6 = "02000000000202000000000186dd600123450045113c20010db8000000000000000000000001200" +
        "10db80000000000000000000000029c4011510045a43f161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f30313233343" +
        "5363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f505152";
    private static final String TX6 = "02000000000102000000000286dd600000000035114020010db8000000000000000000000002200" +
        "10db800000000000000000000000111519c400035d1f5030a11181f262d343b424950575e656c737a81888f969da4abb2b9c0c7ced5d" +
        "ce3eaf1f8ff060d141b22293037";
    private static final String HELLO = "161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3" +
        "c3d3e3f404142434445464748494a4b4c4d4e4f505152";
    private static final String HVR = "030a11181f262d343b424950575e656c737a81888f969da4abb2b9c0c7ced5dce3eaf1f8ff060d14" +
        "1b22293037";

    private final UdpFrame frame = new UdpFrame();

    @Test
    void shouldFindPayloadAndPeerOfIpv4Frame() throws Exception
    {
        final UnsafeBuffer rx = direct(RX4, 0);
        assertEquals(UdpFrame.VALID, frame.wrap(rx, 0, rx.capacity()));
        assertFalse(frame.isIpv6());
        assertEquals(42, frame.payloadOffset());
        assertEquals(61, frame.payloadLength());
        assertEquals(50000, frame.sourcePort());
        assertEquals(4433, frame.destinationPort());
        assertEquals(42, frame.replyHeadersLength());
        assertArrayEquals(HEX.parseHex(HELLO), bytes(rx, frame.payloadOffset(), frame.payloadLength()));
        assertPeer(new InetSocketAddress(InetAddress.getByName("10.200.0.1"), 50000));
    }

    @Test
    void shouldFindPayloadAndPeerOfIpv6Frame() throws Exception
    {
        final UnsafeBuffer rx = direct(RX6, 0);
        assertEquals(UdpFrame.VALID, frame.wrap(rx, 0, rx.capacity()));
        assertTrue(frame.isIpv6());
        assertEquals(62, frame.payloadOffset());
        assertEquals(61, frame.payloadLength());
        assertEquals(62, frame.replyHeadersLength());
        assertArrayEquals(HEX.parseHex(HELLO), bytes(rx, frame.payloadOffset(), frame.payloadLength()));
        assertPeer(new InetSocketAddress(InetAddress.getByName("2001:db8::1"), 40000));
    }

    @Test
    void shouldFindFrameAtAnOffset()
    {
        final UnsafeBuffer rx = direct(RX4, 100);
        assertEquals(UdpFrame.VALID, frame.wrap(rx, 100, rx.capacity() - 100));
        assertEquals(61, frame.payloadLength());
        assertEquals(50000, frame.sourcePort());
    }

    @Test
    void shouldWriteIpv4ReplyIntoAnotherFrameWithIndependentlyComputedChecksums()
    {
        final UnsafeBuffer rx = direct(RX4, 0);
        assertEquals(UdpFrame.VALID, frame.wrap(rx, 0, rx.capacity()));
        final UnsafeBuffer tx = new UnsafeBuffer(ByteBuffer.allocateDirect(2048));
        tx.putBytes(UdpFrame.IPV6_HEADERS_LENGTH, HEX.parseHex(HVR));

        final int start = frame.writeReply(tx, UdpFrame.IPV6_HEADERS_LENGTH, 45);

        assertEquals(UdpFrame.IPV6_HEADERS_LENGTH - UdpFrame.IPV4_HEADERS_LENGTH, start);
        assertEquals(TX4, HEX.formatHex(bytes(tx, start, 42 + 45)));
    }

    @Test
    void shouldWriteIpv6ReplyIntoAnotherFrameWithIndependentlyComputedChecksums()
    {
        final UnsafeBuffer rx = direct(RX6, 0);
        assertEquals(UdpFrame.VALID, frame.wrap(rx, 0, rx.capacity()));
        final UnsafeBuffer tx = new UnsafeBuffer(ByteBuffer.allocateDirect(2048));
        tx.putBytes(UdpFrame.IPV6_HEADERS_LENGTH, HEX.parseHex(HVR));

        final int start = frame.writeReply(tx, UdpFrame.IPV6_HEADERS_LENGTH, 45);

        assertEquals(0, start);
        assertEquals(TX6, HEX.formatHex(bytes(tx, start, 62 + 45)));
    }

    @Test
    void shouldWriteReplyInPlaceOverTheReceivedFrame()
    {
        for (final String[] pair : new String[][]{{RX4, TX4}, {RX6, TX6}})
        {
            final UnsafeBuffer rx = direct(pair[0], 0);
            assertEquals(UdpFrame.VALID, frame.wrap(rx, 0, rx.capacity()));
            final int payloadOffset = frame.payloadOffset();
            rx.putBytes(payloadOffset, HEX.parseHex(HVR));

            final int start = frame.writeReply(rx, payloadOffset, 45);

            assertEquals(0, start);
            assertEquals(pair[1], HEX.formatHex(bytes(rx, 0, payloadOffset + 45)));
        }
    }

    @Test
    void shouldComputeTheRfc791HeaderChecksumOfAPublishedExample()
    {
        // The IPv4 header worked through in many references (e.g. Wikipedia's "IPv4 header checksum"): 0xB861.
        final UnsafeBuffer header = new UnsafeBuffer(HEX.parseHex("450000730000400040110000c0a80001c0a800c7"));
        assertEquals(0xB861, UdpFrame.checksum(UdpFrame.sum(header, 0, 20, 0)));
        header.putShort(10, (short)0xB861, java.nio.ByteOrder.BIG_ENDIAN);
        assertEquals(0, UdpFrame.checksum(UdpFrame.sum(header, 0, 20, 0)));
    }

    @Test
    void shouldSendAllOnesWhenTheUdpChecksumComputesToZero()
    {
        // Pick a 2-byte payload that makes the computed checksum 0: the reply must carry 0xFFFF (RFC 768).
        final UnsafeBuffer rx = direct(RX4, 0);
        assertEquals(UdpFrame.VALID, frame.wrap(rx, 0, rx.capacity()));
        final UnsafeBuffer tx = new UnsafeBuffer(ByteBuffer.allocateDirect(256));
        tx.putShort(UdpFrame.IPV4_HEADERS_LENGTH, (short)0, java.nio.ByteOrder.BIG_ENDIAN);
        frame.writeReply(tx, UdpFrame.IPV4_HEADERS_LENGTH, 2);
        final int withZero = tx.getShort(40, java.nio.ByteOrder.BIG_ENDIAN) & 0xFFFF;
        // Adding the checksum value itself as payload word brings the one's-complement sum to all ones.
        tx.putShort(UdpFrame.IPV4_HEADERS_LENGTH, (short)withZero, java.nio.ByteOrder.BIG_ENDIAN);
        frame.writeReply(tx, UdpFrame.IPV4_HEADERS_LENGTH, 2);
        assertEquals(0xFFFF, tx.getShort(40, java.nio.ByteOrder.BIG_ENDIAN) & 0xFFFF);
    }

    @Test
    void shouldRefuseFragmentsExtensionHeadersAndOtherProtocols()
    {
        UnsafeBuffer rx = direct(RX4, 0);
        rx.putShort(20, (short)0x2000, java.nio.ByteOrder.BIG_ENDIAN);
        assertEquals(UdpFrame.FRAGMENT, frame.wrap(rx, 0, rx.capacity()), "more fragments");
        rx.putShort(20, (short)0x0010, java.nio.ByteOrder.BIG_ENDIAN);
        assertEquals(UdpFrame.FRAGMENT, frame.wrap(rx, 0, rx.capacity()), "offset");

        rx = direct(RX4, 0);
        rx.putByte(23, (byte)6);
        assertEquals(UdpFrame.NOT_UDP, frame.wrap(rx, 0, rx.capacity()));

        rx = direct(RX6, 0);
        rx.putByte(20, (byte)44);
        assertEquals(UdpFrame.FRAGMENT, frame.wrap(rx, 0, rx.capacity()), "IPv6 fragment header");
        rx.putByte(20, (byte)58);
        assertEquals(UdpFrame.NOT_UDP, frame.wrap(rx, 0, rx.capacity()), "ICMPv6");

        rx = direct(RX4, 0);
        rx.putShort(12, (short)0x8100, java.nio.ByteOrder.BIG_ENDIAN);
        assertEquals(UdpFrame.NOT_IP, frame.wrap(rx, 0, rx.capacity()), "VLAN tag");
        rx = direct(RX4, 0);
        rx.putByte(14, (byte)0x65);
        assertEquals(UdpFrame.NOT_IP, frame.wrap(rx, 0, rx.capacity()), "version 6 in an IPv4 frame");
    }

    @Test
    void shouldRefuseLengthsThatDisagreeWithTheFrame()
    {
        final UnsafeBuffer rx = direct(RX4, 0);
        assertEquals(UdpFrame.BAD_LENGTH, frame.wrap(rx, 0, 14 + 20 + 8 + 10), "IPv4 total length past the frame");
        rx.putShort(38, (short)7, java.nio.ByteOrder.BIG_ENDIAN);
        assertEquals(UdpFrame.BAD_LENGTH, frame.wrap(rx, 0, rx.capacity()), "UDP length below its header");
        rx.putShort(38, (short)70, java.nio.ByteOrder.BIG_ENDIAN);
        assertEquals(UdpFrame.BAD_LENGTH, frame.wrap(rx, 0, rx.capacity()), "UDP length past the IP packet");
        rx.putShort(38, (short)0x45, java.nio.ByteOrder.BIG_ENDIAN);
        rx.putByte(14, (byte)0x44);
        assertEquals(UdpFrame.BAD_LENGTH, frame.wrap(rx, 0, rx.capacity()), "IHL below 5");
        rx.putByte(14, (byte)0x4F);
        assertEquals(UdpFrame.TRUNCATED, frame.wrap(rx, 0, 14 + 60), "IHL 15 past a short frame");
        assertEquals(UdpFrame.TRUNCATED, frame.wrap(rx, 0, 41), "below Ethernet + IPv4 + UDP");

        final UnsafeBuffer rx6 = direct(RX6, 0);
        assertEquals(UdpFrame.TRUNCATED, frame.wrap(rx6, 0, 61));
        assertEquals(UdpFrame.BAD_LENGTH, frame.wrap(rx6, 0, 100), "IPv6 payload length past the frame");
    }

    @Test
    void shouldSkipIpv4OptionsByIhlAndReplyWithoutThem()
    {
        // Insert 4 bytes of options (NOPs) after the 20-byte header: IHL 6, total length + 4.
        final byte[] original = HEX.parseHex(RX4);
        final byte[] withOptions = new byte[original.length + 4];
        System.arraycopy(original, 0, withOptions, 0, 34);
        withOptions[34] = withOptions[35] = withOptions[36] = withOptions[37] = 1;
        System.arraycopy(original, 34, withOptions, 38, original.length - 34);
        withOptions[14] = 0x46;
        withOptions[17] = (byte)(withOptions[17] + 4);
        final UnsafeBuffer rx = new UnsafeBuffer(ByteBuffer.allocateDirect(withOptions.length));
        rx.putBytes(0, withOptions);
        assertEquals(UdpFrame.VALID, frame.wrap(rx, 0, rx.capacity()));
        assertEquals(46, frame.payloadOffset());
        assertEquals(50000, frame.sourcePort());

        final UnsafeBuffer tx = new UnsafeBuffer(ByteBuffer.allocateDirect(256));
        tx.putBytes(UdpFrame.IPV4_HEADERS_LENGTH, HEX.parseHex(HVR));
        assertEquals(0, frame.writeReply(tx, UdpFrame.IPV4_HEADERS_LENGTH, 45));
        assertEquals(TX4, HEX.formatHex(bytes(tx, 0, 42 + 45)));
    }

    @Test
    void shouldNeverReadPastTheFrameOrThrowOnArbitraryBytes()
    {
        final Random random = new Random(11);
        final byte[] seed4 = HEX.parseHex(RX4);
        final byte[] seed6 = HEX.parseHex(RX6);
        for (int i = 0; i < 200_000; i++)
        {
            final byte[] seed = (i & 1) == 0 ? seed4 : seed6;
            final int length = random.nextInt(seed.length + 1);
            final byte[] bytes = new byte[length];
            System.arraycopy(seed, 0, bytes, 0, length);
            for (int flips = random.nextInt(4); flips > 0 && length > 0; flips--)
            {
                bytes[random.nextInt(length)] = (byte)random.nextInt(256);
            }
            // A buffer of exactly the frame's length: a read past it fails Agrona's bounds check.
            final UnsafeBuffer buffer = new UnsafeBuffer(bytes);
            if (frame.wrap(buffer, 0, length) == UdpFrame.VALID)
            {
                assertTrue(frame.payloadOffset() + frame.payloadLength() <= length);
                frame.writePeer(new UnsafeBuffer(new byte[PeerAddress.LENGTH]), 0);
            }
        }
    }

    private void assertPeer(final InetSocketAddress expected)
    {
        final UnsafeBuffer peers = new UnsafeBuffer(new byte[PeerAddress.LENGTH + 3]);
        frame.writePeer(peers, 3);
        assertEquals(expected, new PeerAddress().wrap(peers, 3).toSocketAddress());
    }

    private static UnsafeBuffer direct(final String hex, final int offset)
    {
        final byte[] bytes = HEX.parseHex(hex);
        final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(offset + bytes.length));
        buffer.putBytes(offset, bytes);
        return buffer;
    }

    private static byte[] bytes(final UnsafeBuffer buffer, final int offset, final int length)
    {
        final byte[] bytes = new byte[length];
        buffer.getBytes(offset, bytes);
        return bytes;
    }
}
