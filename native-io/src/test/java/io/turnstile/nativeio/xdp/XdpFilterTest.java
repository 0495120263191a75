package io.turnstile.nativeio.xdp;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The filter on a real veth in driver mode, between two namespaces: datagrams from the client namespace, a plain UDP
 * socket on the served port in the server namespace. A datagram the program drops never reaches that socket; one it
 * passes does. Datagrams from one sender arrive in order, so "the first datagram received is the marker sent last"
 * proves that everything sent before it was dropped.
 */
class XdpFilterTest
{
    private static final int PORT = 47_001;
    private static final int OTHER_PORT = 47_002;
    private static final long RECEIVE_TIMEOUT_MS = 3_000;

    private VethNetwork network;
    private XdpFilter filter;
    private DatagramChannel served4;
    private DatagramChannel served6;
    private DatagramChannel other4;
    private TestXsk xsk;

    @BeforeEach
    void setUp()
    {
        network = VethNetwork.create();
        assumeTrue(null != network, "needs root, iproute2 and bpf(2)");
    }

    @AfterEach
    void tearDown() throws IOException
    {
        for (final DatagramChannel channel : Arrays.asList(served4, served6, other4))
        {
            if (null != channel)
            {
                channel.close();
            }
        }
        if (null != filter)
        {
            filter.close();
        }
        if (null != xsk)
        {
            xsk.close();
        }
        if (null != network)
        {
            network.close();
        }
    }

    private void serve(final XdpFilter.Context context) throws Exception
    {
        network.inServer(() ->
        {
            filter = XdpFilter.open(context.port(PORT).mode(XdpMode.DRIVER)).attach(network.serverInterface());
            served4 = bind(StandardProtocolFamily.INET, VethNetwork.SERVER_V4, PORT);
            served6 = bind(StandardProtocolFamily.INET6, VethNetwork.SERVER_V6, PORT);
            other4 = bind(StandardProtocolFamily.INET, VethNetwork.SERVER_V4, OTHER_PORT);
            return null;
        }, 20);
        // Resolve the neighbours before the test sends: the first datagram each way waits for ARP / ND.
        send(VethNetwork.SERVER_V4, OTHER_PORT, List.of(new byte[]{1}));
        assertArrayEquals(new byte[]{1}, receive(other4));
        send(VethNetwork.SERVER_V6, PORT, List.of(Datagrams.record(23, 1, 4)));
        assertArrayEquals(Datagrams.record(23, 1, 4), receive(served6));
    }

    private static DatagramChannel bind(final StandardProtocolFamily family, final String address, final int port)
        throws IOException
    {
        final DatagramChannel channel = DatagramChannel.open(family);
        channel.bind(new InetSocketAddress(InetAddress.getByName(address), port));
        channel.configureBlocking(false);
        return channel;
    }

    private void send(final String address, final int port, final List<byte[]> payloads) throws Exception
    {
        network.inClient(() ->
        {
            final InetAddress to = InetAddress.getByName(address);
            try (DatagramChannel client = DatagramChannel.open(
                to.getAddress().length == 4 ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6))
            {
                for (final byte[] payload : payloads)
                {
                    client.send(ByteBuffer.wrap(payload), new InetSocketAddress(to, port));
                }
            }
            return null;
        }, 20);
    }

    private static byte[] receive(final DatagramChannel channel) throws Exception
    {
        final ByteBuffer buffer = ByteBuffer.allocate(2048);
        final long deadline = System.nanoTime() + RECEIVE_TIMEOUT_MS * 1_000_000;
        while (System.nanoTime() < deadline)
        {
            if (null != channel.receive(buffer))
            {
                buffer.flip();
                final byte[] bytes = new byte[buffer.remaining()];
                buffer.get(bytes);
                return bytes;
            }
            Thread.sleep(1);
        }
        return null;
    }

    private static byte[] receiveNow(final DatagramChannel channel) throws IOException
    {
        final ByteBuffer buffer = ByteBuffer.allocate(2048);
        return null == channel.receive(buffer) ? null : Arrays.copyOf(buffer.array(), buffer.position());
    }

    private long count(final XdpCounter counter)
    {
        return filter.counters().get(counter);
    }

    @Test
    @Timeout(60)
    void shouldDropDatagramsThatCannotBeDtlsInTheKernelAndCountThem() throws Exception
    {
        serve(new XdpFilter.Context());
        final byte[] notDtlsType = Datagrams.record(23, 1, 8);
        notDtlsType[0] = 0x30;
        final byte[] notDtlsVersion = Datagrams.record(22, 0, 8);
        notDtlsVersion[1] = 0x03;
        final byte[] marker = Datagrams.record(23, 1, 16);

        send(VethNetwork.SERVER_V4, PORT,
            List.of(new byte[0], Datagrams.filled(5, 22), Datagrams.filled(12, 22), notDtlsType, notDtlsVersion, marker));

        assertArrayEquals(marker, receive(served4));
        assertNull(receiveNow(served4));
        assertEquals(5, count(XdpCounter.DROPPED_NOT_DTLS));
    }

    @Test
    @Timeout(60)
    void shouldDropNotDtlsOverIpv6Too() throws Exception
    {
        serve(new XdpFilter.Context());
        final byte[] marker = Datagrams.record(21, 1, 2);

        send(VethNetwork.SERVER_V6, PORT, List.of(Datagrams.filled(40, 0x80), Datagrams.filled(3, 22), marker));

        assertArrayEquals(marker, receive(served6));
        assertNull(receiveNow(served6));
        assertEquals(2, count(XdpCounter.DROPPED_NOT_DTLS));
    }

    @Test
    @Timeout(60)
    void shouldPassDtlsRecordsThatAreNotFirstHellosAndOtherPorts() throws Exception
    {
        serve(new XdpFilter.Context());
        final long passedBefore = count(XdpCounter.PASSED_DTLS);
        final List<byte[]> records = List.of(
            Datagrams.record(23, 1, 30),
            Datagrams.record(22, 1, 40),
            Datagrams.record(20, 0, 1),
            Datagrams.record(25, 1, 20),
            Datagrams.laterHelloFragment());

        send(VethNetwork.SERVER_V4, PORT, records);
        send(VethNetwork.SERVER_V4, OTHER_PORT, List.of(new byte[]{7}));

        for (final byte[] record : records)
        {
            assertArrayEquals(record, receive(served4));
        }
        assertArrayEquals(new byte[]{7}, receive(other4));
        assertEquals(records.size(), count(XdpCounter.PASSED_DTLS) - passedBefore);
        assertTrue(count(XdpCounter.PASSED_OTHER) >= 2, filter.counters().toString());
        assertEquals(0, count(XdpCounter.DROPPED_NOT_DTLS));
    }

    @Test
    @Timeout(60)
    void shouldPassAClientHelloWhenNoAfXdpSocketIsRegistered() throws Exception
    {
        serve(new XdpFilter.Context());
        final byte[] hello4 = Datagrams.clientHello(0, 0);
        final byte[] hello6 = Datagrams.clientHello(16, 32);

        send(VethNetwork.SERVER_V4, PORT, List.of(hello4));
        send(VethNetwork.SERVER_V6, PORT, List.of(hello6));

        assertArrayEquals(hello4, receive(served4));
        assertArrayEquals(hello6, receive(served6));
        assertEquals(2, count(XdpCounter.PASSED_HELLO_NO_SOCKET));
        assertEquals(0, count(XdpCounter.REDIRECTED_HELLO));
    }

    @Test
    @Timeout(60)
    void shouldRedirectFirstHellosToTheAfXdpSocketOfTheirQueueAndTheRestToTheKernel() throws Exception
    {
        serve(new XdpFilter.Context());
        xsk = network.inServer(() -> new TestXsk(Bpf.ifIndex(network.serverInterface())), 20);
        filter.registerSocket(0, xsk.fd());
        final byte[] hello4 = Datagrams.clientHello(0, 0);
        final byte[] hello6 = Datagrams.clientHello(32, 8);
        final byte[] handshake = Datagrams.record(22, 1, 60);

        send(VethNetwork.SERVER_V4, PORT, List.of(hello4, handshake));
        send(VethNetwork.SERVER_V6, PORT, List.of(hello6));

        assertArrayEquals(handshake, receive(served4));
        final long deadline = System.nanoTime() + RECEIVE_TIMEOUT_MS * 1_000_000;
        while (xsk.received() < 2 && System.nanoTime() < deadline)
        {
            Thread.sleep(1);
        }
        assertEquals(2, xsk.received());
        final byte[] frame4 = xsk.frame(0);
        final byte[] frame6 = xsk.frame(1);
        assertArrayEquals(hello4, Arrays.copyOfRange(frame4, 14 + 20 + 8, frame4.length));
        assertArrayEquals(hello6, Arrays.copyOfRange(frame6, 14 + 40 + 8, frame6.length));
        assertNull(receiveNow(served4));
        assertNull(receiveNow(served6));
        assertEquals(2, count(XdpCounter.REDIRECTED_HELLO));

        filter.unregisterSocket(0);
        send(VethNetwork.SERVER_V4, PORT, List.of(hello4));

        assertArrayEquals(hello4, receive(served4));
        assertEquals(1, count(XdpCounter.PASSED_HELLO_NO_SOCKET));
        assertEquals(2, xsk.received());
    }

    @Test
    @Timeout(60)
    void shouldRedirectEachHelloToTheSocketOfTheQueueItArrivedOn() throws Exception
    {
        network.close();
        network = VethNetwork.create(2);
        assumeTrue(null != network);
        serve(new XdpFilter.Context().queues(2));
        final TestXsk[] sockets = new TestXsk[2];
        try
        {
            for (int queue = 0; queue < 2; queue++)
            {
                final int q = queue;
                sockets[q] = network.inServer(() -> new TestXsk(Bpf.ifIndex(network.serverInterface()), q), 20);
                filter.registerSocket(q, sockets[q].fd());
            }
            // Thirty flows (a client socket each, so a source port each): the sender hashes them over both queues.
            final int flows = 30;
            for (int i = 0; i < flows; i++)
            {
                send(VethNetwork.SERVER_V4, PORT, List.of(Datagrams.clientHello(0, 0)));
            }
            final long deadline = System.nanoTime() + RECEIVE_TIMEOUT_MS * 1_000_000;
            while (sockets[0].received() + sockets[1].received() < flows && System.nanoTime() < deadline)
            {
                Thread.sleep(1);
            }

            assertEquals(flows, sockets[0].received() + sockets[1].received());
            assertTrue(sockets[0].received() > 0 && sockets[1].received() > 0,
                sockets[0].received() + " and " + sockets[1].received());
            assertEquals(flows, count(XdpCounter.REDIRECTED_HELLO));
            assertNull(receiveNow(served4));
        }
        finally
        {
            for (final TestXsk socket : sockets)
            {
                if (null != socket)
                {
                    socket.close();
                }
            }
        }
    }

    @Test
    @Timeout(60)
    void shouldMatchOnlyTheServedAddressFamilyWhenGivenAnAddress() throws Exception
    {
        serve(new XdpFilter.Context().address(InetAddress.getByName(VethNetwork.SERVER_V4)));
        final byte[] junk = Datagrams.filled(4, 0xff);

        send(VethNetwork.SERVER_V6, PORT, List.of(junk));
        send(VethNetwork.SERVER_V4, PORT, List.of(junk, Datagrams.record(23, 1, 1)));

        assertArrayEquals(junk, receive(served6));
        assertArrayEquals(Datagrams.record(23, 1, 1), receive(served4));
        assertEquals(1, count(XdpCounter.DROPPED_NOT_DTLS));
    }

    @Test
    @Timeout(60)
    void shouldPassConfiguredFirstByteRangesInsteadOfDropping() throws Exception
    {
        serve(new XdpFilter.Context().passFirstBytes(FirstByteRange.STUN).passFirstBytes(FirstByteRange.RTP_RTCP));
        final byte[] stun = Datagrams.filled(20, 0x00);
        final byte[] rtp = Datagrams.filled(12, 0x80);
        final byte[] turn = Datagrams.filled(12, 0x40);
        final byte[] marker = Datagrams.record(23, 1, 1);

        send(VethNetwork.SERVER_V4, PORT, List.of(stun, turn, rtp, marker));

        assertArrayEquals(stun, receive(served4));
        assertArrayEquals(rtp, receive(served4));
        assertArrayEquals(marker, receive(served4));
        assertEquals(2, count(XdpCounter.PASSED_DEMUX));
        assertEquals(1, count(XdpCounter.DROPPED_NOT_DTLS));
    }

    @Test
    @Timeout(60)
    void shouldRateLimitCookielessHellosButNeverHellosWithACookie() throws Exception
    {
        // One token a second and a burst of two: of five back-to-back cookie-less hellos two pass.
        serve(new XdpFilter.Context().helloRateLimit(1, 2));
        final byte[] first = Datagrams.clientHello(0, 0);
        final byte[] withCookie = Datagrams.clientHello(32, 16);
        final byte[] marker = Datagrams.record(23, 1, 1);

        send(VethNetwork.SERVER_V4, PORT, List.of(first, first, first, first, first, withCookie, withCookie, marker));

        assertArrayEquals(first, receive(served4));
        assertArrayEquals(first, receive(served4));
        assertArrayEquals(withCookie, receive(served4));
        assertArrayEquals(withCookie, receive(served4));
        assertArrayEquals(marker, receive(served4));
        assertEquals(3, count(XdpCounter.DROPPED_RATE_LIMITED));
        assertEquals(4, count(XdpCounter.PASSED_HELLO_NO_SOCKET));
    }

    @Test
    @Timeout(60)
    void shouldDetachOnClose() throws Exception
    {
        serve(new XdpFilter.Context());
        assertTrue(filter.isAttached());
        assertTrue(network.serverLinkDetails().contains(XdpFilter.Context.PROGRAM_NAME_DEFAULT));

        filter.close();
        filter = null;

        assertFalse(network.serverLinkDetails().contains("xdp"));
        send(VethNetwork.SERVER_V4, PORT, List.of(Datagrams.filled(3, 0)));
        assertArrayEquals(Datagrams.filled(3, 0), receive(served4));
    }

    @Test
    void shouldNameTheBadValueWhenTheContextIsInvalid()
    {
        final IllegalArgumentException port = assertThrows(IllegalArgumentException.class,
            () -> new XdpFilter.Context().conclude());
        final IllegalArgumentException burst = assertThrows(IllegalArgumentException.class,
            () -> new XdpFilter.Context().port(1).helloRateLimit(100, 0).conclude());

        assertEquals("port must be 1 to 65535, got 0", port.getMessage());
        assertEquals("hello burst must be 1 to 1000000, got 0", burst.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new XdpFilter.Context().port(1).queues(0).conclude());
        assertThrows(IllegalArgumentException.class,
            () -> new XdpFilter.Context().port(1).programName("sixteen_chars_xx").conclude());
    }

    @Test
    @Timeout(60)
    void shouldRefuseASecondAttachment() throws Exception
    {
        serve(new XdpFilter.Context());

        assertThrows(IllegalStateException.class, () -> filter.attach(1));
    }
}
