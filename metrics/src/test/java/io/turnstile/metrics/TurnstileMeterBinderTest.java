package io.turnstile.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.config.NamingConvention;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.turnstile.nativeio.VerifierServer;
import io.turnstile.status.CounterTypes;
import org.agrona.concurrent.status.AtomicCounter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class TurnstileMeterBinderTest
{
    private static final byte[] TOO_SHORT = { 22, (byte)0xFE, (byte)0xFD, 0, 0 };
    private static final byte[] NOT_HANDSHAKE = { 23, (byte)0xFE, (byte)0xFD, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0 };

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
    }

    private static double sum(final SimpleMeterRegistry registry, final String name)
    {
        return registry.find(name).functionCounters().stream().mapToDouble(FunctionCounter::count).sum();
    }
}
