package io.turnstile.bench;

import io.turnstile.codec.DatagramClass;
import io.turnstile.codec.PeerAddress;
import io.turnstile.cookie.CookieCheck;
import io.turnstile.cookie.CookieGenerator;
import io.turnstile.cookie.CookieKeys;
import io.turnstile.cookie.GeneratorParameters;
import io.turnstile.cookie.MacAlgorithm;
import io.turnstile.cookie.PrecomputedHmac;
import io.turnstile.tools.Captures;
import io.turnstile.verifier.ClientHelloVerifier;
import io.turnstile.verifier.DropReason;
import io.turnstile.verifier.VerifierCounters;
import io.turnstile.verifier.VerifyOutcome;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * Turnstile's {@link ClientHelloVerifier}, one datagram per operation, on a real OpenSSL 3.0 DTLS 1.2 ClientHello
 * ({@code openssl-dtls12-ch1-nocookie.bin}, 205 bytes):
 * <ul>
 *     <li>{@link #hvr()}: the cookie-less hello, answered with a HelloVerifyRequest ({@link VerifyOutcome#REPLY});</li>
 *     <li>{@link #verified()}: the client's second hello ({@code openssl-dtls12-ch2-cookie.bin}) carrying the cookie
 *     Turnstile itself wrote for the first, spliced in ({@link VerifyOutcome#VERIFIED});</li>
 *     <li>{@link #malformed()}: the first hello cut in the middle of its extensions, with consistent record and
 *     handshake lengths, so that the whole body is walked before the drop ({@link VerifyOutcome#DROP}).</li>
 * </ul>
 * Datagrams, address and reply live off-heap in {@link UnsafeBuffer}s, the clock is fixed and the key does not
 * rotate, so every invocation does the same work. The setup checks each outcome and throws otherwise, and the
 * teardown checks the counters, so that a broken setup never measures a constant.
 * <p>
 * BouncyCastle's {@code DTLSVerifier} on the same inputs is {@link BouncyCastleVerifierBenchmark}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(value = 2, jvmArgsAppend = {
    "--enable-native-access=ALL-UNNAMED", "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED"})
@State(Scope.Thread)
public class VerifierBenchmark
{
    /** The fixed clock: 2026-01-01T00:00:00Z. */
    static final long NOW_MS = 1_767_225_600_000L;
    /** The peer: 127.0.0.1. */
    static final byte[] ADDRESS = {127, 0, 0, 1};
    /** The peer's UDP port. */
    static final int PORT = 40_000;
    /** The first hello: cookie-less. */
    static final String FIRST_HELLO = "openssl-dtls12-ch1-nocookie.bin";
    /** The second hello: carrying the capture responder's 32-byte cookie, replaced by the benchmark's. */
    static final String SECOND_HELLO = "openssl-dtls12-ch2-cookie.bin";

    /** The cookie MAC. */
    @Param({"AES_CMAC", "HMAC_SHA256", "HMAC_SHA1"})
    public MacAlgorithm mac;

    private ClientHelloVerifier verifier;
    private PeerAddress peer;
    private UnsafeBuffer reply;
    private UnsafeBuffer hello;
    private int helloLength;
    private UnsafeBuffer cookieHello;
    private int cookieHelloLength;
    private UnsafeBuffer malformedHello;
    private int malformedLength;
    private DropReason malformedReason;

    /**
     * Build the verifier and the three datagrams, and check each gets the outcome its benchmark expects.
     */
    @Setup(Level.Trial)
    public void setup()
    {
        final byte[] secret = new byte[mac.keyLength()];
        for (int i = 0; i < secret.length; i++)
        {
            secret[i] = (byte)(0x5A ^ (i * 29));
        }
        if (mac != MacAlgorithm.AES_CMAC && !PrecomputedHmac.isSupported(mac))
        {
            System.err.println("Note: " + mac + " runs on the DigestHmac fallback: this JVM's digest layout is not " +
                "the one PrecomputedHmac expects");
        }
        verifier = new ClientHelloVerifier(
            new ClientHelloVerifier.Context().cookieKeys(CookieKeys.fixed(new GeneratorParameters(mac, secret))));
        final UnsafeBuffer peerBytes = new UnsafeBuffer(ByteBuffer.allocateDirect(PeerAddress.LENGTH));
        PeerAddress.encodeIpv4(peerBytes, 0, Captures.offHeap(ADDRESS), 0, PORT);
        peer = new PeerAddress().wrap(peerBytes, 0);
        reply = new UnsafeBuffer(ByteBuffer.allocateDirect(1500));

        final byte[] first = Captures.load(FIRST_HELLO);
        hello = Captures.offHeap(first);
        helloLength = first.length;

        final int expectedCookieLength = CookieGenerator.HEADER_LENGTH +
            Math.min(mac.macLength(), CookieGenerator.MAX_COOKIE_LENGTH - CookieGenerator.HEADER_LENGTH);
        expect(VerifyOutcome.REPLY, verifyOnce(hello, helloLength), "cookie-less hello");
        final byte[] hvr = new byte[verifier.replyLength()];
        reply.getBytes(0, hvr);
        final byte[] cookie = Captures.hvrCookie(hvr, hvr.length);
        if (cookie.length != expectedCookieLength)
        {
            throw new IllegalStateException(
                mac + " cookie is " + cookie.length + " bytes, expected " + expectedCookieLength);
        }

        final byte[] second = Captures.withCookie(Captures.load(SECOND_HELLO), cookie);
        cookieHello = Captures.offHeap(second);
        cookieHelloLength = second.length;
        expect(VerifyOutcome.VERIFIED, verifyOnce(cookieHello, cookieHelloLength), "hello with Turnstile's cookie");
        if (verifier.cookieCheck() != CookieCheck.VALID)
        {
            throw new IllegalStateException("cookie checked out as " + verifier.cookieCheck());
        }

        final byte[] truncated = Captures.truncatedInExtensions(first);
        malformedHello = Captures.offHeap(truncated);
        malformedLength = truncated.length;
        expect(VerifyOutcome.DROP, verifyOnce(malformedHello, malformedLength), "hello truncated in its extensions");
        malformedReason = verifier.dropReason();
        if (malformedReason != DropReason.MALFORMED_CLIENT_HELLO)
        {
            throw new IllegalStateException("truncated hello dropped for " + malformedReason +
                ", not at its extensions: it would not measure a walk of the whole body");
        }
    }

    /**
     * Check that nothing but the expected outcomes happened while measuring.
     */
    @TearDown(Level.Trial)
    public void checkCounters()
    {
        final VerifierCounters counters = verifier.counters();
        if (counters.dropped() != counters.dropped(malformedReason) ||
            counters.verified() != counters.cookieChecks(CookieCheck.VALID) ||
            counters.datagrams() != counters.verified() + counters.replies() + counters.dropped())
        {
            throw new IllegalStateException("unexpected outcomes while measuring: " + counters);
        }
    }

    /**
     * A cookie-less hello: decode, MAC the bound fields, write a HelloVerifyRequest.
     *
     * @return the length of the HelloVerifyRequest written.
     */
    @Benchmark
    public int hvr()
    {
        verifier.verify(hello, 0, helloLength, peer, NOW_MS, reply, 0, reply.capacity());
        return verifier.replyLength();
    }

    /**
     * The flood path on a demultiplexed port (RFC 7983, issue 13): the worker classifies the first byte as the
     * {@code VerifierAgent} does with a {@code DemuxHandler}, finds DTLS, and answers as {@link #hvr()}: the
     * difference between the two is what demultiplexing costs a spoofed hello.
     *
     * @return the reply's length, or -1 when the datagram is not DTLS.
     */
    @Benchmark
    public int hvrDemultiplexed()
    {
        final DatagramClass type = DatagramClass.of(hello.getByte(0));
        if (type != DatagramClass.DTLS && type != DatagramClass.UNASSIGNED)
        {
            return -1;
        }
        verifier.verify(hello, 0, helloLength, peer, NOW_MS, reply, 0, reply.capacity());
        return verifier.replyLength();
    }

    /**
     * A hello with a valid cookie: decode, MAC the bound fields, compare.
     *
     * @return the outcome.
     */
    @Benchmark
    public VerifyOutcome verified()
    {
        return verifier.verify(
            cookieHello, 0, cookieHelloLength, peer, NOW_MS, reply, 0, reply.capacity());
    }

    /**
     * A hello truncated in its extensions: decode the whole body, then drop.
     *
     * @return the outcome.
     */
    @Benchmark
    public VerifyOutcome malformed()
    {
        return verifier.verify(
            malformedHello, 0, malformedLength, peer, NOW_MS, reply, 0, reply.capacity());
    }

    private VerifyOutcome verifyOnce(final UnsafeBuffer datagram, final int length)
    {
        return verifier.verify(datagram, 0, length, peer, NOW_MS, reply, 0, reply.capacity());
    }

    private void expect(final VerifyOutcome expected, final VerifyOutcome actual, final String what)
    {
        if (actual != expected)
        {
            throw new IllegalStateException(what + " with " + mac + ": expected " + expected + ", got " + actual +
                " (drop reason " + verifier.dropReason() + ", cookie check " + verifier.cookieCheck() + ")");
        }
    }
}
