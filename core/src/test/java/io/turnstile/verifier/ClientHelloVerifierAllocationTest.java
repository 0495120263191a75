package io.turnstile.verifier;

import io.turnstile.codec.PeerAddress;
import io.turnstile.Captures;
import io.turnstile.codec.HelloVerifyRequestEncoder;
import io.turnstile.cookie.CookieKeys;
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
        final UnsafeBuffer address = new UnsafeBuffer(ByteBuffer.allocateDirect(16));
        address.putInt(0, 0x7F000001);
        final PeerAddress peer = Captures.peer(address, 4, 40_000);
        final UnsafeBuffer reply = new UnsafeBuffer(ByteBuffer.allocateDirect(256));

        final byte[] first = Captures.bytes("openssl-dtls12-ch1-nocookie.bin");
        final UnsafeBuffer cookieless = Captures.offHeap(first);
        assertEquals(VerifyOutcome.REPLY,
            verifier.verify(cookieless, 0, first.length, peer, T0, reply, 0, 256));
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

        long sink = run(verifier, datagrams, lengths, expected, peer, reply, 200_000);
        final long overhead = measureOverhead(threads);
        final StringBuilder windows = new StringBuilder();
        long allocated = -1;
        int window = 0;
        while (window < WINDOWS && allocated != 0)
        {
            final long before = threads.getCurrentThreadAllocatedBytes();
            sink += run(verifier, datagrams, lengths, expected, peer, reply, CALLS);
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
        final int calls)
    {
        long sink = 0;
        for (int i = 0; i < calls; i++)
        {
            final int k = i & 3;
            final VerifyOutcome outcome = verifier.verify(
                datagrams[k], 0, lengths[k], peer, T0 + (i & 1023), reply, 0, 256);
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
