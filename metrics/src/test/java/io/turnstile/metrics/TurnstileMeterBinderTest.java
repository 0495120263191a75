package io.turnstile.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.config.NamingConvention;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.turnstile.codec.DatagramClass;
import io.turnstile.nativeio.DemuxCounters;
import io.turnstile.nativeio.VerifierServer;
import io.turnstile.nativeio.xdp.VethNetwork;
import io.turnstile.nativeio.xdp.XdpCounter;
import io.turnstile.nativeio.xdp.XskCounter;
import io.turnstile.status.CounterTypes;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class TurnstileMeterBinderTest
{
    private static final byte[] TOO_SHORT = { 22, (byte)0xFE, (byte)0xFD, 0, 0 };
    private static final byte[] NOT_HANDSHAKE = { 23, (byte)0xFE, (byte)0xFD, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0 };
    /** A STUN binding request (RFC 5389): first byte 0, the demultiplexer's STUN class (RFC 7983). */
    private static final byte[] STUN_BINDING_REQUEST =
        HexFormat.of().parseHex("000100002112a442" + "0102030405060708090a0b0c");
    private static final int XDP_PORT = 4433;

    @Test
    @Timeout(30)
    void shouldExposeEveryCounterOfARunningServerWithPrometheusStyleNames() throws Exception
    {
        final InetAddress loopback = InetAddress.getByName("127.0.0.1");
        final VerifierServer server = new VerifierServer(
            new VerifierServer.Context().bindAddress(loopback).workers(2).batchSize(8).spareCounters(2));
        final SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (DatagramChannel client = DatagramChannel.open())
        {
            final AtomicCounter echoed = CounterTypes.newCounter(
                server.countersManager(), CounterTypes.RECORDS_ECHOED, "records echoed", CounterTypes.SERVER_WIDE);
            new TurnstileMeterBinder(server, Tags.of("server", "test")).bindTo(registry);
            server.start();
            final InetSocketAddress address = new InetSocketAddress(loopback, server.localPort());
            client.send(ByteBuffer.wrap(TOO_SHORT), address);
            client.send(ByteBuffer.wrap(TOO_SHORT), address);
            client.send(ByteBuffer.wrap(NOT_HANDSHAKE), address);
            echoed.increment();

            final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (sum(registry, "turnstile.datagrams.received") < 3)
            {
                if (System.nanoTime() - deadlineNs > 0)
                {
                    fail("the datagrams never showed");
                }
                Thread.sleep(10);
            }

            final int[] counters = new int[1];
            server.countersReader().forEach((id, typeId, key, label) -> counters[0]++);
            assertEquals(counters[0], registry.getMeters().size(), "one meter per counter");
            for (final Meter meter : registry.getMeters())
            {
                assertEquals("test", meter.getId().getTag("server"), meter.getId().toString());
            }
            assertEquals(2, registry.find("turnstile.datagrams.received").functionCounters().size(), "per worker");
            assertEquals(3, sum(registry, "turnstile.datagrams.dropped"));
            assertEquals(3, sum(registry, "turnstile.verifier.dropped"));
            assertEquals(2, registry.find("turnstile.drops").tag("reason", "record_too_short").functionCounters()
                .stream().mapToDouble(FunctionCounter::count).sum());
            assertEquals(1, registry.find("turnstile.drops").tag("reason", "not_handshake").functionCounters()
                .stream().mapToDouble(FunctionCounter::count).sum());
            assertEquals(0, registry.get("turnstile.cookie.checks").tags("result", "bad_mac", "worker", "1")
                .functionCounter().count());
            assertEquals(0, registry.get("turnstile.errors").functionCounter().count());
            assertEquals(1, registry.get("turnstile.session.records.echoed").functionCounter().count(),
                "a session counter allocated through the hook shows up");
            assertEquals("bytes", registry.get("turnstile.verifier.reply.bytes").tag("worker", "0")
                .functionCounter().getId().getBaseUnit());

            final Meter.Id received = registry.get("turnstile.datagrams.received").tag("worker", "0")
                .functionCounter().getId();
            assertEquals("turnstile_datagrams_received", received.getConventionName(NamingConvention.snakeCase),
                "Prometheus adds _total to a counter's snake-case name");
        }
        finally
        {
            server.close();
        }
        assertEquals(3, sum(registry, "turnstile.datagrams.received"), "scraping after close reads the final values");
    }

    @Test
    @Timeout(30)
    void shouldNameTheDemultiplexersCountersByClass() throws Exception
    {
        final InetAddress loopback = InetAddress.getByName("127.0.0.1");
        final UnsafeBuffer response = new UnsafeBuffer(new byte[STUN_BINDING_REQUEST.length]);
        final VerifierServer server = new VerifierServer(new VerifierServer.Context().bindAddress(loopback).workers(1)
            .batchSize(8).agentConfigurator((id, agent) -> agent.demuxHandler((type, datagram, length, peer, reply) ->
            {
                response.putBytes(0, datagram, 0, length);
                reply.send(response, 0, length);
            })));
        final SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (DatagramChannel client = DatagramChannel.open())
        {
            new TurnstileMeterBinder(server).bindTo(registry);
            server.start();
            client.send(ByteBuffer.wrap(STUN_BINDING_REQUEST), new InetSocketAddress(loopback, server.localPort()));
            client.receive(ByteBuffer.allocate(64));
            awaitCondition(() -> sum(registry, "turnstile.demux.replies") == 1, () -> "the reply never showed");

            assertEquals(1, registry.get("turnstile.demux.datagrams").tags("class", "stun", "worker", "0")
                .functionCounter().count());
            assertEquals(0, registry.get("turnstile.demux.datagrams").tags("class", "rtp_rtcp", "worker", "0")
                .functionCounter().count());
            assertEquals(DemuxCounters.LENGTH - 2, registry.find("turnstile.demux.datagrams").functionCounters().size(),
                "one per class handed to the handler: not dtls, not unassigned");
            assertEquals(0,
                registry.get("turnstile.demux.replies.refused").tag("worker", "0").functionCounter().count());
            assertTrue(registry.find("turnstile.counter").meters().isEmpty(), "nothing left to the generic meter");
        }
        finally
        {
            server.close();
        }
    }

    /**
     * A server with {@code xdpInterface} in a namespace of the test's own behind a veth pair, a client in another:
     * junk is dropped in the kernel, a ClientHello is redirected to the AF_XDP socket and answered through it, and the
     * meters show all of it. Root only (it loads an XDP program and makes namespaces); skipped without.
     */
    @Test
    @Timeout(60)
    void shouldExposeTheAfXdpSocketAndXdpProgramCountersOfAServerOnAVeth() throws Exception
    {
        assumeTrue("root".equals(System.getProperty("user.name")) && System.getProperty("os.name").startsWith("Linux"),
            "needs root on Linux: namespaces, a veth pair and an XDP program");
        final VethNetwork network = VethNetwork.create();
        assertNotNull(network, "root, but no namespaces, veth pair or bpf(2) here");
        final SimpleMeterRegistry registry = new SimpleMeterRegistry();
        VerifierServer server = null;
        try (network)
        {
            final VerifierServer.Context context = new VerifierServer.Context()
                .bindAddress(InetAddress.getByName(VethNetwork.SERVER_V4)).port(XDP_PORT).workers(1).batchSize(8)
                .xdpInterface(network.serverInterface());
            // The worker threads start() makes inherit the namespace of the thread that calls it.
            server = network.inServer(() -> new VerifierServer(context).start(), 20);
            new TurnstileMeterBinder(server, Tags.of("server", "xdp")).bindTo(registry);

            final byte[] hello = Files.readAllBytes(
                Path.of("..", "core", "src", "test", "resources", "corpus", "openssl-dtls12-ch1-nocookie.bin"));
            final int answer = network.inClient(() ->
            {
                try (DatagramSocket client = new DatagramSocket(new InetSocketAddress(VethNetwork.CLIENT_V4, 0)))
                {
                    final InetSocketAddress to = new InetSocketAddress(VethNetwork.SERVER_V4, XDP_PORT);
                    final byte[] junk = "not-dtls".getBytes(StandardCharsets.US_ASCII);
                    for (int i = 0; i < 3; i++)
                    {
                        client.send(new DatagramPacket(junk, junk.length, to));
                    }
                    client.send(new DatagramPacket(hello, hello.length, to));
                    client.setSoTimeout(10_000);
                    final DatagramPacket reply = new DatagramPacket(new byte[512], 512);
                    client.receive(reply);
                    return reply.getData()[13] & 0xFF;
                }
            }, 20);
            assertEquals(3, answer, "a HelloVerifyRequest (handshake type 3) came back");

            final VerifierServer running = server;
            awaitCondition(() -> sum(registry, "turnstile.xdp.socket.tx") >= 1 &&
                verdict(registry, XdpCounter.DROPPED_NOT_DTLS) >= 3, () -> "the xdp meters: " + xdpMeters(registry));
            assertEquals(1, registry.get("turnstile.xdp.socket.rx").tags("worker", "0", "server", "xdp")
                .functionCounter().count(), "the ClientHello, through the AF_XDP socket");
            assertEquals(3, verdict(registry, XdpCounter.DROPPED_NOT_DTLS), "the junk, dropped in the kernel");
            assertEquals(1, verdict(registry, XdpCounter.REDIRECTED_HELLO));
            assertEquals(0, verdict(registry, XdpCounter.DROPPED_RATE_LIMITED));
            assertEquals(1, sum(registry, "turnstile.hello.verify.requests"));
            assertEquals(0, sum(registry, "turnstile.xdp.socket.malformed"));

            for (final XskCounter counter : XskCounter.values())
            {
                final String name = "turnstile.xdp.socket." + counter.name().toLowerCase(Locale.ROOT).replace('_', '.');
                assertEquals(1, registry.find(name).tag("worker", "0").functionCounters().size(), name);
            }
            assertEquals(XdpCounter.COUNT, registry.find("turnstile.xdp.program.verdicts").functionCounters().size());
            for (final FunctionCounter verdict : registry.find("turnstile.xdp.program.verdicts").functionCounters())
            {
                assertNull(verdict.getId().getTag("worker"), "server wide: " + verdict.getId());
            }
            final int[] counters = new int[1];
            running.countersReader().forEach((id, typeId, key, label) -> counters[0]++);
            assertEquals(counters[0], registry.getMeters().size(), "one meter per counter");
            assertTrue(registry.find("turnstile.counter").meters().isEmpty(), "nothing left to the generic meter");

            server.close();
            assertEquals(1, verdict(registry, XdpCounter.REDIRECTED_HELLO), "the final count, after close");
            assertEquals(3, verdict(registry, XdpCounter.DROPPED_NOT_DTLS), "the final count, after close");
        }
        finally
        {
            if (null != server)
            {
                server.close();
            }
        }
    }

    @Test
    void shouldNameEveryKnownTypeIdAndLeaveTheRestToTheGenericMeter()
    {
        assertEquals("turnstile.datagrams.received", TurnstileMeterBinder.name(4001));
        assertEquals("turnstile.datagrams.sent", TurnstileMeterBinder.name(4012));
        assertEquals("turnstile.verifier.reply.bytes", TurnstileMeterBinder.name(4103));
        assertEquals("turnstile.drops", TurnstileMeterBinder.name(CounterTypes.DROP_REASON_FIRST));
        assertEquals("turnstile.cookie.checks", TurnstileMeterBinder.name(CounterTypes.COOKIE_CHECK_FIRST));
        assertEquals("turnstile.handshake.failures", TurnstileMeterBinder.name(CounterTypes.ALERT_FIRST + 40));
        assertEquals("turnstile.sessions.live", TurnstileMeterBinder.name(CounterTypes.SESSIONS_LIVE));
        assertEquals(null, TurnstileMeterBinder.name(CounterTypes.XDP_FIRST));
        assertTrue(TurnstileMeterBinder.name(CounterTypes.ERRORS).startsWith(TurnstileMeterBinder.PREFIX));
        assertEquals(Tags.of("reason", "record_too_short"),
            TurnstileMeterBinder.kindTags(CounterTypes.DROP_REASON_FIRST));
        assertEquals(Tags.empty(), TurnstileMeterBinder.kindTags(4001));
    }

    @Test
    void shouldNameTheXdpAndDemultiplexerTypeIds()
    {
        assertEquals("turnstile.xdp.socket.rx", TurnstileMeterBinder.name(XskCounter.RX.typeId()));
        assertEquals("turnstile.xdp.socket.ring.full", TurnstileMeterBinder.name(XskCounter.RING_FULL.typeId()));
        assertEquals("turnstile.xdp.socket.kick.busy", TurnstileMeterBinder.name(XskCounter.KICK_BUSY.typeId()));
        assertEquals(Tags.empty(), TurnstileMeterBinder.kindTags(XskCounter.TX.typeId()), "the name says it");
        for (final XdpCounter counter : XdpCounter.values())
        {
            final int typeId = VerifierServer.xdpProgramTypeId(counter);
            assertEquals("turnstile.xdp.program.verdicts", TurnstileMeterBinder.name(typeId));
            assertEquals(Tags.of("verdict", counter.label()), TurnstileMeterBinder.kindTags(typeId));
        }
        assertEquals(null, TurnstileMeterBinder.name(CounterTypes.XDP_FIRST + VerifierServer.XDP_PROGRAM_OFFSET +
            XdpCounter.COUNT), "past the last verdict");

        final int stun = CounterTypes.DEMUX_FIRST + DatagramClass.STUN.ordinal();
        assertEquals("turnstile.demux.datagrams", TurnstileMeterBinder.name(stun));
        assertEquals(Tags.of("class", "stun"), TurnstileMeterBinder.kindTags(stun));
        assertEquals(Tags.of("class", "turn_channel"),
            TurnstileMeterBinder.kindTags(CounterTypes.DEMUX_FIRST + DatagramClass.TURN_CHANNEL.ordinal()));
        assertEquals(null, TurnstileMeterBinder.name(CounterTypes.DEMUX_FIRST + DatagramClass.DTLS.ordinal()),
            "never allocated: the verifier's own class");
        assertEquals("turnstile.demux.replies",
            TurnstileMeterBinder.name(CounterTypes.DEMUX_FIRST + DemuxCounters.REPLIES_OFFSET));
        assertEquals("turnstile.demux.replies.refused",
            TurnstileMeterBinder.name(CounterTypes.DEMUX_FIRST + DemuxCounters.REPLIES_REFUSED_OFFSET));
    }

    private static double verdict(final SimpleMeterRegistry registry, final XdpCounter counter)
    {
        return registry.get("turnstile.xdp.program.verdicts").tag("verdict", counter.label()).functionCounter().count();
    }

    private static String xdpMeters(final SimpleMeterRegistry registry)
    {
        final StringBuilder text = new StringBuilder();
        for (final Meter meter : registry.getMeters())
        {
            if (meter.getId().getName().startsWith("turnstile.xdp.") && meter instanceof FunctionCounter counter)
            {
                text.append(counter.getId()).append('=').append(counter.count()).append(' ');
            }
        }
        return text.toString();
    }

    private static void awaitCondition(final BooleanSupplier condition, final Supplier<String> message) throws Exception
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() - deadlineNs > 0)
            {
                fail(message.get());
            }
            Thread.sleep(10);
        }
    }

    private static double sum(final SimpleMeterRegistry registry, final String name)
    {
        return registry.find(name).functionCounters().stream().mapToDouble(FunctionCounter::count).sum();
    }
}
