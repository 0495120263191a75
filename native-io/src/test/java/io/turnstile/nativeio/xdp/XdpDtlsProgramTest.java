package io.turnstile.nativeio.xdp;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.nio.ByteBuffer;

import static io.turnstile.nativeio.xdp.EbpfAssembler.XDP_DROP;
import static io.turnstile.nativeio.xdp.EbpfAssembler.XDP_PASS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The program's verdicts on hand-made Ethernet frames, run in the kernel by {@code BPF_PROG_TEST_RUN} (no interface
 * needed), and its assembly for every option without the kernel.
 */
class XdpDtlsProgramTest
{
    private static final int PORT = 4433;
    private static final byte[] SERVER_V4 = {10, 0, 0, 2};
    private static final byte[] CLIENT_V4 = {10, 0, 0, 1};
    private static final byte[] SERVER_V6 = address("fd00::2");
    private static final byte[] CLIENT_V6 = address("fd00::1");

    private XdpFilter filter;

    @AfterEach
    void tearDown()
    {
        if (null != filter)
        {
            filter.close();
        }
    }

    private int run(final byte[] frame)
    {
        return Bpf.progTestRun(filter.program().fd(), frame);
    }

    private void load(final XdpFilter.Context context)
    {
        assumeTrue(BpfTest.privileged(), "needs root and bpf(2)");
        filter = XdpFilter.open(context.port(PORT));
    }

    private static byte[] address(final String name)
    {
        return inet(name).getAddress();
    }

    private static InetAddress inet(final String name)
    {
        try
        {
            return InetAddress.getByName(name);
        }
        catch (final java.net.UnknownHostException ex)
        {
            throw new IllegalArgumentException(ex);
        }
    }

    /** Ethernet + IPv4 (with optionWords 4-byte option words) + UDP + payload, padded to the 60-byte minimum. */
    static byte[] ipv4(
        final byte[] destination, final int port, final byte[] payload, final int optionWords, final int fragment)
    {
        final int ipHeader = 20 + optionWords * 4;
        final int length = 14 + ipHeader + 8 + payload.length;
        final ByteBuffer frame = ByteBuffer.allocate(Math.max(60, length));
        frame.put(new byte[]{2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1}).putShort((short)0x0800);
        frame.put((byte)(0x40 | (5 + optionWords))).put((byte)0).putShort((short)(ipHeader + 8 + payload.length))
            .putShort((short)1).putShort((short)fragment).put((byte)64).put((byte)17).putShort((short)0)
            .put(CLIENT_V4).put(destination);
        for (int i = 0; i < optionWords; i++)
        {
            frame.putInt(0x01010101);
        }
        frame.putShort((short)40000).putShort((short)port).putShort((short)(8 + payload.length)).putShort((short)0)
            .put(payload);
        // Ethernet padding that looks like a DTLS record: the program must go by the UDP length, not the frame.
        while (frame.hasRemaining())
        {
            frame.put((byte)0xfe);
        }
        return frame.array();
    }

    static byte[] ipv4(final byte[] payload)
    {
        return ipv4(SERVER_V4, PORT, payload, 0, 0);
    }

    /** Ethernet + IPv6 + UDP + payload; nextHeader other than 17 puts an 8-byte extension header before UDP. */
    static byte[] ipv6(final byte[] destination, final int port, final byte[] payload, final int nextHeader)
    {
        final int extension = nextHeader == 17 ? 0 : 8;
        final ByteBuffer frame = ByteBuffer.allocate(14 + 40 + extension + 8 + payload.length);
        frame.put(new byte[]{2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1}).putShort((short)0x86dd);
        frame.putInt(0x6000_0000).putShort((short)(extension + 8 + payload.length)).put((byte)nextHeader)
            .put((byte)64).put(CLIENT_V6).put(destination);
        if (extension > 0)
        {
            frame.put((byte)17).put((byte)0).putShort((short)0).putInt(0);
        }
        frame.putShort((short)40000).putShort((short)port).putShort((short)(8 + payload.length)).putShort((short)0)
            .put(payload);
        return frame.array();
    }

    static byte[] ipv6(final byte[] payload)
    {
        return ipv6(SERVER_V6, PORT, payload, 17);
    }

    @Test
    @Timeout(10)
    void shouldAssembleEveryOptionWithoutTheKernel()
    {
        final XdpFilter.Context[] contexts = {
            new XdpFilter.Context().port(PORT),
            new XdpFilter.Context().port(PORT).address(InetAddress.getLoopbackAddress()),
            new XdpFilter.Context().port(PORT).passFirstBytes(FirstByteRange.STUN).helloRateLimit(1000, 10),
        };
        for (final XdpFilter.Context context : contexts)
        {
            final byte[] program = XdpDtlsProgram.assemble(context.conclude(), 3, 4, 5);
            assertEquals(0, program.length % EbpfAssembler.INSTRUCTION_BYTES);
            assertTrue(program.length / 8 < 400, "instructions: " + program.length / 8);
        }
    }

    @Test
    @Timeout(10)
    void shouldDropIpv4DatagramsThatCannotBeDtls()
    {
        load(new XdpFilter.Context());
        final byte[] wrongVersion = Datagrams.record(22, 0, 4);
        wrongVersion[1] = 3;

        assertEquals(XDP_DROP, run(ipv4(new byte[0])));
        assertEquals(XDP_DROP, run(ipv4(Datagrams.filled(12, 22))));
        assertEquals(XDP_DROP, run(ipv4(Datagrams.filled(13, 19))));
        assertEquals(XDP_DROP, run(ipv4(Datagrams.filled(13, 24))));
        assertEquals(XDP_DROP, run(ipv4(Datagrams.filled(13, 26))));
        assertEquals(XDP_DROP, run(ipv4(wrongVersion)));
        assertEquals(XDP_DROP, run(ipv4(SERVER_V4, PORT, Datagrams.filled(2, 0), 3, 0)));

        assertEquals(7, filter.counters().get(XdpCounter.DROPPED_NOT_DTLS));
    }

    @Test
    @Timeout(10)
    void shouldPassEveryDtlsContentTypeAndFirstHellosWhenNoSocketIsRegistered()
    {
        load(new XdpFilter.Context());

        for (final int type : new int[]{20, 21, 22, 23, 25})
        {
            assertEquals(XDP_PASS, run(ipv4(Datagrams.record(type, 1, 1))));
        }
        assertEquals(XDP_PASS, run(ipv4(Datagrams.record(22, 0, 0))));
        assertEquals(XDP_PASS, run(ipv4(Datagrams.laterHelloFragment())));
        assertEquals(XDP_PASS, run(ipv4(Datagrams.clientHello(0, 0))));
        assertEquals(XDP_PASS, run(ipv4(SERVER_V4, PORT, Datagrams.clientHello(20, 0), 2, 0)));
        assertEquals(XDP_PASS, run(ipv6(Datagrams.clientHello(0, 32))));

        assertEquals(7, filter.counters().get(XdpCounter.PASSED_DTLS));
        assertEquals(3, filter.counters().get(XdpCounter.PASSED_HELLO_NO_SOCKET));
    }

    @Test
    @Timeout(10)
    void shouldPassWhatIsNotUdpToTheServedPort()
    {
        load(new XdpFilter.Context());
        final byte[] junk = Datagrams.filled(3, 0);
        final byte[] tcp = ipv4(junk);
        tcp[14 + 9] = 6;
        final byte[] vlan = ipv4(junk);
        vlan[12] = (byte)0x81;
        vlan[13] = 0x00;

        assertEquals(XDP_PASS, run(ipv4(SERVER_V4, PORT + 1, junk, 0, 0)));
        assertEquals(XDP_PASS, run(ipv4(SERVER_V4, PORT, junk, 0, 0x2000)));
        assertEquals(XDP_PASS, run(ipv4(SERVER_V4, PORT, junk, 0, 0x0010)));
        assertEquals(XDP_PASS, run(tcp));
        assertEquals(XDP_PASS, run(vlan));
        assertEquals(XDP_PASS, run(ipv6(SERVER_V6, PORT, junk, 0)));
        assertEquals(XDP_PASS, run(ipv6(SERVER_V6, PORT + 1, junk, 17)));
        assertEquals(XDP_PASS, run(java.util.Arrays.copyOf(ipv4(junk), 14 + 20 + 4)));

        assertEquals(8, filter.counters().get(XdpCounter.PASSED_OTHER));
        assertEquals(0, filter.counters().get(XdpCounter.DROPPED_NOT_DTLS));
    }

    @Test
    @Timeout(10)
    void shouldMatchTheServedIpv4AddressEvenWithItsTopBitSet()
    {
        final byte[] served = {(byte)192, (byte)168, 1, (byte)200};
        load(new XdpFilter.Context().address(inet("192.168.1.200")));
        final byte[] junk = Datagrams.filled(3, 0);

        assertEquals(XDP_DROP, run(ipv4(served, PORT, junk, 0, 0)));
        assertEquals(XDP_PASS, run(ipv4(SERVER_V4, PORT, junk, 0, 0)));
        assertEquals(XDP_PASS, run(ipv6(junk)));
    }

    @Test
    @Timeout(10)
    void shouldMatchTheServedIpv6Address()
    {
        load(new XdpFilter.Context().address(inet("fd00::2")));
        final byte[] junk = Datagrams.filled(3, 0);

        assertEquals(XDP_DROP, run(ipv6(junk)));
        assertEquals(XDP_PASS, run(ipv6(address("fd00::3"), PORT, junk, 17)));
        assertEquals(XDP_PASS, run(ipv4(junk)));
    }

    @Test
    @Timeout(10)
    void shouldServeAnyIpv4AddressOnlyForTheIpv4Wildcard()
    {
        load(new XdpFilter.Context().address(inet("0.0.0.0")));
        final byte[] junk = Datagrams.filled(3, 0);

        assertEquals(XDP_DROP, run(ipv4(CLIENT_V4, PORT, junk, 0, 0)));
        assertEquals(XDP_PASS, run(ipv6(junk)));
    }

    @Test
    @Timeout(10)
    void shouldPassConfiguredFirstBytesWhateverTheirLength()
    {
        load(new XdpFilter.Context()
            .passFirstBytes(FirstByteRange.STUN)
            .passFirstBytes(FirstByteRange.DTLS13_CIPHERTEXT)
            .passFirstBytes(FirstByteRange.RTP_RTCP));

        assertEquals(XDP_PASS, run(ipv4(Datagrams.filled(1, 0x03))));
        assertEquals(XDP_PASS, run(ipv4(Datagrams.filled(30, 0x2f))));
        assertEquals(XDP_PASS, run(ipv6(Datagrams.filled(12, 0xbf))));
        assertEquals(XDP_DROP, run(ipv4(Datagrams.filled(12, 0x04))));
        assertEquals(XDP_DROP, run(ipv4(Datagrams.filled(12, 0xc0))));
        assertEquals(XDP_DROP, run(ipv4(Datagrams.filled(30, 0x40))));
        assertEquals(XDP_PASS, run(ipv4(Datagrams.record(23, 1, 1))));

        assertEquals(3, filter.counters().get(XdpCounter.PASSED_DEMUX));
        assertEquals(3, filter.counters().get(XdpCounter.DROPPED_NOT_DTLS));
    }

    @Test
    @Timeout(10)
    void shouldSpendATokenByMovingTheTheoreticalArrivalTimeOneIntervalOn()
    {
        // 1000 hellos a second, a burst of 5: the interval is 1 ms, the tolerance 4 ms.
        load(new XdpFilter.Context().helloRateLimit(1000, 5));
        final BpfMap buckets = filter.bucketsMap();
        final byte[] hello = ipv4(Datagrams.clientHello(0, 0));
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment tat = arena.allocate(JAVA_LONG);

            // bpf_ktime_get_ns and System.nanoTime are both CLOCK_MONOTONIC on Linux.
            tat.set(JAVA_LONG, 0, System.nanoTime() + 60_000_000_000L);
            buckets.put(0, tat);
            assertEquals(XDP_DROP, run(hello));

            tat.set(JAVA_LONG, 0, 0);
            buckets.put(0, tat);
            final long before = System.nanoTime();
            assertEquals(XDP_PASS, run(hello));
            final long after = System.nanoTime();
            buckets.get(0, tat);
            final long next = tat.get(JAVA_LONG, 0);
            assertTrue(next >= before + 1_000_000 && next <= after + 1_000_000, "tat " + next);

            // A bucket less than the 4 ms tolerance ahead still conforms: the burst. Time only moves on, so the
            // distance at the run is below the 3 ms set here.
            tat.set(JAVA_LONG, 0, System.nanoTime() + 3_000_000);
            buckets.put(0, tat);
            assertEquals(XDP_PASS, run(hello));
        }
        assertEquals(1, filter.counters().get(XdpCounter.DROPPED_RATE_LIMITED));
        assertEquals(2, filter.counters().get(XdpCounter.PASSED_HELLO_NO_SOCKET));
    }

    @Test
    @Timeout(10)
    void shouldLetHellosWithACookieBypassAnEmptyBucket()
    {
        // One token every 1000 s, a burst of one: the first cookie-less hello takes the only token.
        load(new XdpFilter.Context().helloRateLimit(1, 1));
        final byte[] first = ipv4(Datagrams.clientHello(0, 0));

        assertEquals(XDP_PASS, run(first));
        assertEquals(XDP_DROP, run(first));
        assertEquals(XDP_DROP, run(ipv6(Datagrams.clientHello(0, 32))));
        assertEquals(XDP_PASS, run(ipv4(Datagrams.clientHello(1, 0))));
        assertEquals(XDP_PASS, run(ipv6(Datagrams.clientHello(255, 32))));
        // Too short to show a cookie length: counted as cookie-less.
        assertEquals(XDP_DROP, run(ipv4(java.util.Arrays.copyOf(Datagrams.clientHello(8, 0), 40))));

        assertEquals(3, filter.counters().get(XdpCounter.DROPPED_RATE_LIMITED));
        assertEquals(3, filter.counters().get(XdpCounter.PASSED_HELLO_NO_SOCKET));
    }
}
