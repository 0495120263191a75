package io.turnstile.tools.flood;

import io.turnstile.codec.ClientHelloDecoder;
import io.turnstile.nativeio.LibC;
import io.turnstile.tools.Captures;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Bounded floods at a plain UDP socket on 127.0.0.1: what arrives is what a server would see. Raw-mode tests skip
 * where raw sockets cannot be opened (not Linux, not root).
 */
class SpoofedFloodTest
{
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final int PACKETS = 20_000;

    @Test
    @Timeout(60)
    void shouldSpoofSourcesFromThePrefixAndSinkPortsWithAFreshRandomEachInRawMode()
    {
        assumeTrue(FloodTests.rawSocketsAvailable(), "raw sockets need Linux and root or CAP_NET_RAW");
        final Ipv4Cidr prefix = Ipv4Cidr.parse("127.3.0.0/16");
        try (FloodTests.Receiver receiver = new FloodTests.Receiver();
            SinkSockets sinks = SinkSockets.open(8))
        {
            final FloodReport report = new SpoofedFlood(context(receiver)
                .mode(SpoofedFlood.Mode.RAW).sources(prefix.toString()).sinks(sinks).rate(100_000)).run();

            assertEquals("raw", report.mode());
            assertEquals(PACKETS, report.sent());
            assertEquals("packets", report.stoppedBy());
            assertEquals(0, report.errors());
            assertEquals(8, report.sinkPorts());
            assertEquals(PACKETS * 205L, report.bytes());

            final List<FloodTests.Datagram> received = receiver.drain(PACKETS);
            assertTrue(received.size() >= PACKETS / 2, "most packets arrive: " + received.size());
            final Set<Integer> sinkPorts = new HashSet<>();
            Arrays.stream(sinks.ports()).forEach(sinkPorts::add);
            final Set<Integer> sources = new HashSet<>();
            final Set<Integer> portsSeen = new HashSet<>();
            for (final FloodTests.Datagram datagram : received)
            {
                final int source = Ipv4Cidr.toInt(datagram.source());
                assertTrue(prefix.isUsable(source, Ipv4Cidr.toInt(LOOPBACK)), "source " + datagram.source());
                assertTrue(sinkPorts.contains(datagram.port()), "source port " + datagram.port() + " is a sink's");
                sources.add(source);
                portsSeen.add(datagram.port());
            }
            assertTrue(sources.size() > received.size() / 2, "sources vary: " + sources.size() + " distinct");
            assertTrue(portsSeen.size() > 1, "source ports vary");
            assertHellosWithDistinctRandoms(received);
        }
    }

    @Test
    @Timeout(60)
    void shouldSendFromManyBoundAddressesInUdpMode()
    {
        assumeTrue(LibC.isAvailable());
        final Ipv4Cidr prefix = Ipv4Cidr.parse("127.4.0.0/16");
        try (FloodTests.Receiver receiver = new FloodTests.Receiver())
        {
            final FloodReport report = new SpoofedFlood(context(receiver)
                .mode(SpoofedFlood.Mode.UDP).sources(prefix.toString()).udpSockets(64).rate(100_000)).run();

            assertEquals("udp", report.mode());
            assertEquals(PACKETS, report.sent());
            assertEquals("packets", report.stoppedBy());
            assertEquals(64, report.sourceCount());

            final List<FloodTests.Datagram> received = receiver.drain(PACKETS);
            assertTrue(received.size() >= PACKETS / 2, "most packets arrive: " + received.size());
            final Set<Integer> sources = new HashSet<>();
            for (final FloodTests.Datagram datagram : received)
            {
                final int source = Ipv4Cidr.toInt(datagram.source());
                assertTrue(prefix.isUsable(source, Ipv4Cidr.toInt(LOOPBACK)), "source " + datagram.source());
                sources.add(source);
            }
            assertTrue(sources.size() > 32 && sources.size() <= 64, "round robin over 64 sockets: " + sources.size());
            assertHellosWithDistinctRandoms(received);
        }
    }

    @Test
    @Timeout(30)
    void shouldStopExactlyAtThePacketBoundWhateverTheBatch()
    {
        assumeTrue(LibC.isAvailable());
        try (FloodTests.Receiver receiver = new FloodTests.Receiver())
        {
            final FloodReport report = new SpoofedFlood(context(receiver)
                .mode(SpoofedFlood.Mode.UDP).udpSockets(4).batchSize(7).maxPackets(100)).run();

            assertEquals(100, report.sent());
            assertEquals("packets", report.stoppedBy());
            assertEquals(100, receiver.drain(100).size());
        }
    }

    @Test
    @Timeout(30)
    void shouldStopAtTheDurationBound()
    {
        assumeTrue(LibC.isAvailable());
        try (FloodTests.Receiver receiver = new FloodTests.Receiver())
        {
            final long durationNs = TimeUnit.MILLISECONDS.toNanos(300);
            final FloodReport report = new SpoofedFlood(context(receiver)
                .mode(SpoofedFlood.Mode.UDP).udpSockets(4).rate(1_000).maxPackets(1_000_000)
                .durationNs(durationNs)).run();

            assertEquals("duration", report.stoppedBy());
            assertTrue(report.durationNs() >= durationNs, "ran to the bound");
            // Paced at 1000 pps, 300 ms cannot hold more than 300 packets plus the batch started last.
            assertTrue(report.sent() <= 300 + 32, "paced: " + report.sent());
            assertTrue(report.sent() > 0);
        }
    }

    @Test
    @Timeout(30)
    void shouldNeverSendFasterThanTheTargetRate()
    {
        assumeTrue(LibC.isAvailable());
        try (FloodTests.Receiver receiver = new FloodTests.Receiver())
        {
            final FloodReport report = new SpoofedFlood(context(receiver)
                .mode(SpoofedFlood.Mode.UDP).udpSockets(4).rate(20_000).maxPackets(4_000).batchSize(20)).run();

            assertEquals(4_000, report.sent());
            // The pacing sends packet n no earlier than n / rate after the start: a floor, however fast the machine.
            assertTrue(report.durationNs() >= TimeUnit.MILLISECONDS.toNanos(199 - 1), "took " + report.durationNs());
            assertTrue(report.pps() <= 20_000 * 1.01, "pps " + report.pps());
        }
    }

    @Test
    @Timeout(30)
    void shouldStopWhenAsked() throws InterruptedException
    {
        assumeTrue(LibC.isAvailable());
        try (FloodTests.Receiver receiver = new FloodTests.Receiver())
        {
            final SpoofedFlood flood = new SpoofedFlood(context(receiver)
                .mode(SpoofedFlood.Mode.UDP).udpSockets(4).rate(10_000).maxPackets(1_000_000)
                .durationNs(TimeUnit.SECONDS.toNanos(20)));
            final FloodReport[] report = new FloodReport[1];
            final Thread thread = new Thread(() -> report[0] = flood.run());
            thread.start();
            while (flood.sent() < 100)
            {
                Thread.sleep(5);
            }
            flood.stop();
            thread.join(10_000);

            assertEquals("stop", report[0].stoppedBy());
            assertEquals(flood.sent(), report[0].sent());
        }
    }

    @Test
    @Timeout(30)
    void shouldRefuseUnboundedOrOffLoopbackFloodsNamingTheValue()
    {
        assertRefused("duration", context().durationNs(TimeUnit.SECONDS.toNanos(601)));
        assertRefused("duration", context().durationNs(0));
        assertRefused("maxPackets", context().maxPackets(0));
        assertRefused("maxPackets", context().maxPackets(SpoofedFlood.Context.MAX_PACKETS + 1));
        assertRefused("rate", context().rate(-1));
        assertRefused("batchSize", context().batchSize(0));
        assertRefused("targetPort", context().targetPort(0));
        assertRefused("sinkPorts", context().sinkPorts(-1));
        assertRefused("no capture", context().template("missing.bin"));
        assertRefused("not a well-formed ClientHello",
            context().template("openssl-dtls12-mtu256-ch2-cookie-frag2.bin"));
        assertRefused("no usable address", context().sources("127.0.0.255/32"));
        assertRefused("no usable address", context().sources("127.0.0.1/32"));
        if (!SpoofedFlood.inOwnNetworkNamespace())
        {
            assertRefused("127.0.0.0/8", context().sources("10.0.0.0/8"));
            assertRefused("127.0.0.0/8", new SpoofedFlood.Context()
                .targetAddress(Ipv4Cidr.parseAddress("192.0.2.1", "test")).targetPort(4433));
        }
        final SpoofedFlood.Context concluded = context().conclude();
        assertThrows(IllegalStateException.class, () -> concluded.rate(5));
    }

    @Test
    @Timeout(30)
    void shouldFailClearlyOrFallBackWhenRawSocketsAreRefused()
    {
        assumeTrue(LibC.isAvailable());
        assumeTrue(!FloodTests.rawSocketsAvailable(), "only where raw sockets are refused (not root)");
        try (FloodTests.Receiver receiver = new FloodTests.Receiver())
        {
            final IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> new SpoofedFlood(context(receiver).maxPackets(10)).run());
            assertTrue(refused.getMessage().contains("CAP_NET_RAW"), refused.getMessage());

            final FloodReport report = new SpoofedFlood(context(receiver).fallbackToUdp(true).maxPackets(10)).run();
            assertEquals("udp", report.mode());
            assertTrue(report.notice().contains("fell back"));
        }
    }

    private static void assertHellosWithDistinctRandoms(final List<FloodTests.Datagram> received)
    {
        final byte[] template = Captures.hello(Captures.DEFAULT_HELLO);
        final ClientHelloDecoder decoder = new ClientHelloDecoder();
        final Set<ByteBuffer> randoms = new HashSet<>();
        for (final FloodTests.Datagram datagram : received)
        {
            final byte[] payload = datagram.payload();
            assertTrue(decoder.wrap(new UnsafeBuffer(payload), 0, payload.length).decode(),
                "decodes: " + decoder.fault());
            assertEquals(0, decoder.cookieLength());
            final int at = decoder.randomOffset();
            randoms.add(ByteBuffer.wrap(Arrays.copyOfRange(payload, at, at + 32)));
            System.arraycopy(template, at, payload, at, 32);
            assertArrayEquals(template, payload, "the capture but for its random");
        }
        assertEquals(received.size(), randoms.size(), "every random differs");
    }

    private static void assertRefused(final String named, final SpoofedFlood.Context context)
    {
        final IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, context::conclude);
        assertTrue(refused.getMessage().contains(named), refused.getMessage());
    }

    private static SpoofedFlood.Context context()
    {
        return new SpoofedFlood.Context().targetAddress(LOOPBACK).targetPort(4433);
    }

    private static SpoofedFlood.Context context(final FloodTests.Receiver receiver)
    {
        return new SpoofedFlood.Context()
            .targetAddress(LOOPBACK)
            .targetPort(receiver.port())
            .maxPackets(PACKETS)
            .durationNs(TimeUnit.SECONDS.toNanos(20))
            .notice(line -> { });
    }
}
