package io.turnstile.bench.pps;

import io.turnstile.cookie.CookieKeys;
import io.turnstile.nativeio.LibC;
import io.turnstile.nativeio.WorkerCounter;
import io.turnstile.tools.flood.SpoofedFlood;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The harness's flood, {@link SpoofedFlood} started in the background: it stops by itself at its packet budget,
 * Turnstile answers every hello it receives and drops none (they are real hellos), the report names the mode that ran,
 * and targets off loopback are refused.
 */
class PpsFloodTest
{
    @ParameterizedTest(name = "{0}")
    @EnumSource(SpoofedFlood.Mode.class)
    @Timeout(60)
    void shouldStopAtItsPacketBudgetWithHellosTurnstileAnswers(final SpoofedFlood.Mode mode)
        throws InterruptedException
    {
        assumeTrue(LibC.isAvailable());
        final CountersManager countersManager = new CountersManager(
            new UnsafeBuffer(ByteBuffer.allocateDirect(64 * 1024)),
            new UnsafeBuffer(ByteBuffer.allocateDirect(16 * 1024)));
        final AtomicCounter[] counters = WorkerCounter.allocate(countersManager, 0);
        final InetAddress loopback = InetAddress.getLoopbackAddress();
        final long packets = 5_000;
        try (Responder responder = Responders.create("turnstile", new Responder.Context(
            CookieKeys.random(), counters, loopback, 0, 32, -1, 0, false)))
        {
            final int port = responder.start();
            try (SpoofedFlood flood = new SpoofedFlood(new SpoofedFlood.Context()
                .targetAddress(loopback).targetPort(port).mode(mode).fallbackToUdp(true).rate(50_000)
                .durationNs(30_000_000_000L).maxPackets(packets).udpSockets(16)).start())
            {
                while (!flood.isDone())
                {
                    Thread.sleep(5);
                }
                assertNull(flood.failure());
                assertEquals(packets, flood.sent());
                assertNotNull(flood.report());
                assertEquals("packets", flood.report().stoppedBy());
                assertTrue(SpoofedFlood.Mode.UDP == mode ? "udp".equals(flood.report().mode()) :
                    List.of("raw", "udp").contains(flood.report().mode()), flood.report().mode());
            }
            final long deadline = System.nanoTime() + 5_000_000_000L;
            while (counters[WorkerCounter.RECEIVED.ordinal()].get() < packets && System.nanoTime() < deadline)
            {
                Thread.sleep(5);
            }
        }
        final long received = counters[WorkerCounter.RECEIVED.ordinal()].get();
        assertTrue(received > 0, "the responder received the flood");
        assertEquals(received, counters[WorkerCounter.REPLIES.ordinal()].get(), "every hello received is answered");
        assertEquals(0, counters[WorkerCounter.DROPPED.ordinal()].get(), "no hello is malformed");
    }

    @Test
    void shouldRefuseATargetOffLoopback() throws Exception
    {
        assumeTrue(!SpoofedFlood.inOwnNetworkNamespace(), "a namespace of its own may flood its own topology");
        final SpoofedFlood.Context context = new SpoofedFlood.Context()
            .targetAddress(InetAddress.getByName("192.0.2.1")).targetPort(4433);
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, context::conclude);
        assertTrue(ex.getMessage().contains("192.0.2.1"), ex.getMessage());
    }
}
