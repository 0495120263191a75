package io.turnstile.fuzz;

import io.turnstile.cookie.CookieKeys;
import io.turnstile.cookie.GeneratorParameters;
import io.turnstile.cookie.MacAlgorithm;
import io.turnstile.fuzz.harness.Captures;
import io.turnstile.fuzz.harness.Hellos;
import io.turnstile.codec.PeerAddress;
import io.turnstile.nativeio.AcceptedPeers;
import io.turnstile.nativeio.InMemoryBatchSocket;
import io.turnstile.nativeio.Outbox;
import io.turnstile.nativeio.VerifierAgent;
import io.turnstile.nativeio.WorkerCounter;
import io.turnstile.verifier.ClientHelloVerifier;
import io.turnstile.verifier.VerifyOutcome;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.function.IntConsumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Neither the verifier nor the worker keeps anything per source: after a million distinct sources (IPv4 and IPv6
 * addresses, ports) have sent cookie-less hellos, and one in sixteen the hello carrying its cookie, the live heap holds
 * no more objects and bytes than it did after the warm-up. Live objects are counted by the JVM's own class histogram
 * (the {@code GC.class_histogram} diagnostic command, which collects first), so a per-source object of any size would
 * show as about a million instances.
 */
class RetainedHeapTest
{
    private static final long NOW_MS = 1_800_000_000_000L;
    private static final int WARM_UP_SOURCES = 100_000;
    private static final int SOURCES = 1_000_000;
    /** Far below one object per source, far above what the JIT, class loading or the JMX call itself leave. */
    private static final long MAX_NEW_INSTANCES = 10_000;
    private static final long MAX_NEW_BYTES = 1024 * 1024;
    private static final int BATCH = 32;

    private final CookieKeys keys = CookieKeys.fixed(new GeneratorParameters(MacAlgorithm.AES_CMAC, new byte[16]));
    private final ClientHelloVerifier issuer = new ClientHelloVerifier(new ClientHelloVerifier.Context().cookieKeys(keys));
    private final UnsafeBuffer issuerReply = new UnsafeBuffer(ByteBuffer.allocateDirect(256));
    private final UnsafeBuffer address = new UnsafeBuffer(ByteBuffer.allocateDirect(16));
    private final UnsafeBuffer peerBytes = new UnsafeBuffer(ByteBuffer.allocateDirect(PeerAddress.LENGTH));
    private final PeerAddress peer = new PeerAddress().wrap(peerBytes, 0);
    private final byte[] hello = Captures.load("openssl-dtls12-ch1-nocookie.bin");
    private final UnsafeBuffer cookieless = new UnsafeBuffer(ByteBuffer.allocateDirect(hello.length));
    private final UnsafeBuffer withCookie;
    private final int cookieAt;

    RetainedHeapTest()
    {
        cookieless.putBytes(0, hello);
        final HelloOracle.Hello parsed = new HelloOracle().parse(hello);
        final int cookieLength = cookieFor(0).capacity();
        final byte[] template = Hellos.withCookie(hello, parsed, new byte[cookieLength]);
        withCookie = new UnsafeBuffer(ByteBuffer.allocateDirect(template.length));
        withCookie.putBytes(0, template);
        cookieAt = parsed.cookieAt();
    }

    @Test
    @Timeout(180)
    void shouldRetainNothingPerSourceInTheVerifier()
    {
        final ClientHelloVerifier verifier = new ClientHelloVerifier(new ClientHelloVerifier.Context().cookieKeys(keys));
        final UnsafeBuffer reply = new UnsafeBuffer(ByteBuffer.allocateDirect(256));
        final long[] outcomes = new long[VerifyOutcome.values().length];
        final IntConsumer oneSource = i ->
        {
            source(i);
            outcomes[verifier.verify(cookieless, 0, cookieless.capacity(), peer, NOW_MS, reply, 0, 256).ordinal()]++;
            if ((i & 15) == 0)
            {
                putCookie(i);
                source(i);
                outcomes[verifier.verify(withCookie, 0, withCookie.capacity(), peer, NOW_MS, reply, 0, 256).ordinal()]++;
            }
        };

        final Histogram before = Histogram.afterWarmUp(() -> run(oneSource, 0, WARM_UP_SOURCES));
        run(oneSource, WARM_UP_SOURCES, WARM_UP_SOURCES + SOURCES);
        final Histogram after = Histogram.take();

        final long total = WARM_UP_SOURCES + SOURCES;
        assertEquals(total, outcomes[VerifyOutcome.REPLY.ordinal()], "every cookie-less hello answered");
        assertEquals((total + 15) / 16, outcomes[VerifyOutcome.VERIFIED.ordinal()], "every cookie verified");
        after.assertNoGrowthSince(before, SOURCES);
    }

    @Test
    @Timeout(180)
    void shouldRetainNothingPerSourceInTheWorker()
    {
        final long[] sent = new long[1];
        final InMemoryBatchSocket socket = new InMemoryBatchSocket(BATCH, 512,
            (payload, length, destination, receiveSlot) -> sent[0]++);
        final AcceptedPeers peers = new AcceptedPeers(1024);
        final long[] peerDatagrams = new long[1];
        final CountersManager countersManager = new CountersManager(
            new UnsafeBuffer(ByteBuffer.allocateDirect(64 * 1024)),
            new UnsafeBuffer(ByteBuffer.allocateDirect(16 * 1024)));
        final AtomicCounter[] counters = WorkerCounter.allocate(countersManager, 0);
        final VerifierAgent agent = new VerifierAgent(new VerifierAgent.Context()
            .sockets(() -> socket)
            .verifier(new ClientHelloVerifier(new ClientHelloVerifier.Context().cookieKeys(keys)))
            .clock(() -> NOW_MS)
            .counters(counters)
            .acceptedPeers(peers)
            .peerHandler((datagram, length, source, value) -> peerDatagrams[0]++)
            .handler((datagram, length, source, verifier) -> peers.add(source))
            .outbox(new Outbox(64 * 1024, 512)));
        agent.onStart();
        final IntConsumer oneSource = i ->
        {
            source(i);
            offer(socket, agent, cookieless);
            if ((i & 15) == 0)
            {
                putCookie(i);
                source(i);
                offer(socket, agent, withCookie);
                // The peer, accepted if the set had room, sends again: that datagram bypasses the verifier.
                offer(socket, agent, cookieless);
            }
            if ((i & 4095) == 4095)
            {
                peers.clear();
            }
        };

        final Histogram before = Histogram.afterWarmUp(() -> run(oneSource, 0, WARM_UP_SOURCES));
        run(oneSource, WARM_UP_SOURCES, WARM_UP_SOURCES + SOURCES);
        agent.doWork();
        final Histogram after = Histogram.take();

        final long total = WARM_UP_SOURCES + SOURCES;
        final long received = counters[WorkerCounter.RECEIVED.ordinal()].get();
        assertEquals(total + 2 * ((total + 15) / 16), received, "every datagram received");
        assertEquals(received, counters[WorkerCounter.REPLIES.ordinal()].get() +
            counters[WorkerCounter.VERIFIED.ordinal()].get() + counters[WorkerCounter.DROPPED.ordinal()].get() +
            counters[WorkerCounter.PEER_DATAGRAMS.ordinal()].get());
        assertTrue(peerDatagrams[0] > 0 && counters[WorkerCounter.VERIFIED.ordinal()].get() > 0,
            "the verified and the accepted-peer paths both ran");
        assertEquals(counters[WorkerCounter.REPLIES.ordinal()].get(), sent[0]);
        after.assertNoGrowthSince(before, SOURCES);
        agent.onClose();
    }

    private static void run(final IntConsumer oneSource, final int from, final int to)
    {
        for (int i = from; i < to; i++)
        {
            oneSource.accept(i);
        }
    }

    private void offer(final InMemoryBatchSocket socket, final VerifierAgent agent, final UnsafeBuffer datagram)
    {
        if (!socket.offer(datagram, 0, datagram.capacity(), peer))
        {
            agent.doWork();
            assertTrue(socket.offer(datagram, 0, datagram.capacity(), peer));
        }
    }

    /**
     * Point the peer at source i: IPv4 for even i, IPv6 for odd, every one distinct.
     */
    private void source(final int i)
    {
        if ((i & 1) == 0)
        {
            address.putInt(0, 0x0A00_0000 | (i >>> 1));
            PeerAddress.encodeIpv4(peerBytes, 0, address, 0, port(i));
            return;
        }
        address.putLong(0, 0x2001_0DB8_0000_0000L);
        address.putLong(8, i);
        PeerAddress.encodeIpv6(peerBytes, 0, address, 0, port(i));
    }

    private static int port(final int i)
    {
        return 1024 + (i * 7919 & 0x7FFF);
    }

    private void putCookie(final int i)
    {
        final UnsafeBuffer cookie = cookieFor(i);
        withCookie.putBytes(cookieAt, cookie, 0, cookie.capacity());
    }

    private UnsafeBuffer cookieFor(final int i)
    {
        source(i);
        assertEquals(VerifyOutcome.REPLY,
            issuer.verify(cookieless, 0, cookieless.capacity(), peer, NOW_MS, issuerReply, 0, 256));
        return new UnsafeBuffer(issuerReply, 28, issuer.replyLength() - 28);
    }

    /**
     * Live instances and bytes from the JVM's class histogram, taken after a full collection.
     */
    private record Histogram(long instances, long bytes)
    {
        static Histogram afterWarmUp(final Runnable warmUp)
        {
            warmUp.run();
            // A first histogram settles whatever the first JMX call loads, so the second one is the baseline.
            take();
            return take();
        }

        static Histogram take()
        {
            try
            {
                final String histogram = (String)ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                    new Object[]{new String[0]}, new String[]{String[].class.getName()});
                final String[] lines = histogram.strip().split("\n");
                final String[] total = lines[lines.length - 1].trim().split("\\s+");
                assertEquals("Total", total[0], histogram);
                return new Histogram(Long.parseLong(total[1]), Long.parseLong(total[2]));
            }
            catch (final Exception ex)
            {
                throw new AssertionError("cannot read the class histogram", ex);
            }
        }

        void assertNoGrowthSince(final Histogram before, final int sources)
        {
            assertTrue(instances - before.instances < MAX_NEW_INSTANCES && bytes - before.bytes < MAX_NEW_BYTES,
                "live heap grew from " + before + " to " + this + " over " + sources + " distinct sources");
        }
    }
}
