package io.turnstile.verifier;

import io.turnstile.codec.PeerAddress;
import io.turnstile.Captures;
import io.turnstile.codec.HelloVerifyRequestEncoder;
import io.turnstile.cookie.CookieKeys;
import io.turnstile.cookie.FleetMasters;
import io.turnstile.cookie.MacAlgorithm;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The hot path allocates nothing in steady state: the thread's allocated-bytes counter does not move over a million
 * mixed calls (cookie-less, valid cookie, bad cookie, malformed) after warm-up.
 * <p>
 * Up to {@value #WINDOWS} windows of a million calls are measured and the last must be exactly zero: a one-off JIT
 * event (a late tier-up or deoptimisation on this thread) can allocate a few hundred bytes once, seen here about
 * one run in ten, whereas an allocation per call or per cookie would show in every window as megabytes.
 */
class ClientHelloVerifierAllocationTest
{
    private static final long T0 = 1_800_000_000_000L;
    private static final int CALLS = 1_000_000;
    private static final int WINDOWS = 3;

    @ParameterizedTest
    @EnumSource(MacAlgorithm.class)
    @Timeout(120)
    void shouldAllocateNothingOverAMillionMixedCalls(final MacAlgorithm algorithm)
    {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        assertTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());

        final ClientHelloVerifier verifier = new ClientHelloVerifier(new ClientHelloVerifier.Context()
            .cookieKeys(CookieKeys.random(algorithm, 600_000, 60_000, T0)));
        assertNoAllocation(threads, algorithm, verifier, verifier, T0);
    }

    /**
     * The fleet key ring on the hot path: a node holding a staged set of two masters, 1.5 s before an epoch's end
     * (so its ring also holds the next epoch's keys), checks cookies another node made under the staged master.
     *
     * @param algorithm the MAC.
     */
    @ParameterizedTest
    @EnumSource(MacAlgorithm.class)
    @Timeout(120)
    void shouldAllocateNothingCheckingCookiesWithAFleetKeyRing(final MacAlgorithm algorithm)
    {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final byte[] a = "fleet master a, thirty-two bytes".getBytes();
        final byte[] b = "fleet master b, thirty-two bytes".getBytes();
        final long base = T0 + 60_000 - 1_500;
        final CookieKeys keys = CookieKeys.fleet(algorithm, FleetMasters.of(null, a, b), 60_000, 60_000, 2_000, base);
        final ClientHelloVerifier verifier = new ClientHelloVerifier(new ClientHelloVerifier.Context()
            .cookieKeys(keys)
            .futureToleranceMs(2_000));
        final ClientHelloVerifier issuer = new ClientHelloVerifier(new ClientHelloVerifier.Context()
            .cookieKeys(CookieKeys.fleet(algorithm, FleetMasters.single(b), 60_000, 60_000, 2_000, base)));
        assertEquals(6, keys.ring(base).size());
        assertNoAllocation(threads, algorithm, verifier, issuer, base);
    }

    private static void assertNoAllocation(
        final com.sun.management.ThreadMXBean threads,
        final MacAlgorithm algorithm,
        final ClientHelloVerifier verifier,
        final ClientHelloVerifier issuer,
        final long base)
    {
        final UnsafeBuffer address = new UnsafeBuffer(ByteBuffer.allocateDirect(16));
        address.putInt(0, 0x7F000001);
        final PeerAddress peer = Captures.peer(address, 4, 40_000);
        final UnsafeBuffer reply = new UnsafeBuffer(ByteBuffer.allocateDirect(256));

        final byte[] first = Captures.bytes("openssl-dtls12-ch1-nocookie.bin");
        final UnsafeBuffer cookieless = Captures.offHeap(first);
        assertEquals(VerifyOutcome.REPLY,
            issuer.verify(cookieless, 0, first.length, peer, base, reply, 0, 256));
        final byte[] cookie = new byte[reply.getByte(HelloVerifyRequestEncoder.COOKIE_LENGTH_OFFSET)];
        reply.getBytes(HelloVerifyRequestEncoder.COOKIE_OFFSET, cookie);
        final byte[] second = Captures.withCookie(first, cookie);
        final UnsafeBuffer valid = Captures.offHeap(second);
        final UnsafeBuffer invalid = Captures.offHeap(Captures.withCookie(first, flipLast(cookie)));
        final UnsafeBuffer malformed = Captures.offHeap(Captures.bytes("openssl-dtls12-mtu256-ch2-cookie-frag2.bin"));

        final UnsafeBuffer[] datagrams = {cookieless, valid, invalid, malformed};
        final int[] lengths = {first.length, second.length, second.length, malformed.capacity()};
        final VerifyOutcome[] expected = {
            VerifyOutcome.REPLY, VerifyOutcome.VERIFIED, VerifyOutcome.REPLY, VerifyOutcome.DROP};

        long sink = run(verifier, datagrams, lengths, expected, peer, reply, 200_000, base);
        final long overhead = measureOverhead(threads);
        final StringBuilder windows = new StringBuilder();
        long allocated = -1;
        int window = 0;
        while (window < WINDOWS && allocated != 0)
        {
            final long before = threads.getCurrentThreadAllocatedBytes();
            sink += run(verifier, datagrams, lengths, expected, peer, reply, CALLS, base);
            allocated = threads.getCurrentThreadAllocatedBytes() - before - overhead;
            windows.append(allocated).append(' ');
            window++;
        }

        assertEquals(0, allocated, "bytes allocated per window of " + CALLS + " calls with " + algorithm + ": " + windows);
        assertTrue(sink > 0);
        assertEquals((200_000 + (long)window * CALLS) / 4, verifier.counters().verified());
    }

    private static long run(
        final ClientHelloVerifier verifier,
        final UnsafeBuffer[] datagrams,
        final int[] lengths,
        final VerifyOutcome[] expected,
        final PeerAddress peer,
        final UnsafeBuffer reply,
        final int calls,
        final long base)
    {
        long sink = 0;
        for (int i = 0; i < calls; i++)
        {
            final int k = i & 3;
            final VerifyOutcome outcome = verifier.verify(
                datagrams[k], 0, lengths[k], peer, base + (i & 1023), reply, 0, 256);
            if (outcome != expected[k])
            {
                throw new AssertionError("call " + i + ": " + outcome + " expected " + expected[k]);
            }
            sink += verifier.replyLength();
        }
        return sink;
    }

    private static long measureOverhead(final com.sun.management.ThreadMXBean threads)
    {
        final long a = threads.getCurrentThreadAllocatedBytes();
        final long b = threads.getCurrentThreadAllocatedBytes();
        return b - a;
    }

    private static byte[] flipLast(final byte[] cookie)
    {
        final byte[] copy = cookie.clone();
        copy[copy.length - 1] ^= 0x55;
        return copy;
    }
}
