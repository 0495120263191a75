package io.turnstile.bench;

import io.turnstile.tools.Captures;
import org.bouncycastle.tls.DTLSRequest;
import org.bouncycastle.tls.DTLSVerifier;
import org.bouncycastle.tls.DatagramSender;
import org.bouncycastle.tls.crypto.TlsCrypto;
import org.bouncycastle.tls.crypto.impl.bc.BcTlsCrypto;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCryptoProvider;
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

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * The baseline: BouncyCastle's {@link DTLSVerifier} (bctls 1.84, HMAC-SHA256 cookies) on the same datagrams as
 * {@link VerifierBenchmark}, with the same peer (its client id is Turnstile's address then port):
 * <ul>
 *     <li>{@link #hvr()}: {@code verifyRequest} on the cookie-less hello; the HelloVerifyRequest goes to a
 *     {@link DatagramSender} that only records its length;</li>
 *     <li>{@link #verified()}: the client's second hello carrying the cookie this very verifier sent for the first,
 *     spliced in; {@code verifyRequest} returns a {@link DTLSRequest};</li>
 *     <li>{@link #malformed()}: the first hello cut in the middle of its extensions, lengths fixed up; dropped.</li>
 * </ul>
 * {@code crypto} picks BouncyCastle's lightweight {@link BcTlsCrypto} or the JCA-backed {@code JcaTlsCrypto} (whose
 * HMAC is the JDK's). The setup and the teardown check every outcome and throw otherwise.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(value = 2, jvmArgsAppend = {
    "--enable-native-access=ALL-UNNAMED", "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED"})
@State(Scope.Thread)
public class BouncyCastleVerifierBenchmark
{
    /** The TLS crypto provider: {@code BC} for BcTlsCrypto, {@code JCA} for JcaTlsCrypto. */
    @Param({"BC", "JCA"})
    public String crypto;

    private final RecordingSender sender = new RecordingSender();
    private DTLSVerifier verifier;
    private byte[] clientId;
    private byte[] hello;
    private byte[] cookieHello;
    private byte[] malformedHello;

    /**
     * Build the verifier and the three datagrams, and check each gets the outcome its benchmark expects.
     */
    @Setup(Level.Trial)
    public void setup()
    {
        final TlsCrypto tlsCrypto = switch (crypto)
        {
            case "BC" -> new BcTlsCrypto(new SecureRandom());
            case "JCA" -> new JcaTlsCryptoProvider().create(new SecureRandom());
            default -> throw new IllegalArgumentException("crypto must be BC or JCA, got " + crypto);
        };
        verifier = new DTLSVerifier(tlsCrypto);
        clientId = Captures.clientId(VerifierBenchmark.ADDRESS, VerifierBenchmark.PORT);
        hello = Captures.load(VerifierBenchmark.FIRST_HELLO);
        malformedHello = Captures.truncatedInExtensions(hello);

        sender.keepCopy = true;
        check(hello, false, true, "cookie-less hello");
        final byte[] cookie = Captures.hvrCookie(sender.copy, sender.length);
        sender.keepCopy = false;
        cookieHello = Captures.withCookie(Captures.load(VerifierBenchmark.SECOND_HELLO), cookie);
        checkAll();
    }

    /**
     * Check again that each datagram still gets its outcome: the verifier keeps a MAC whose state must not leak.
     */
    @TearDown(Level.Trial)
    public void tearDown()
    {
        checkAll();
    }

    /**
     * A cookie-less hello: parse, MAC, send a HelloVerifyRequest.
     *
     * @return the length of the HelloVerifyRequest sent.
     */
    @Benchmark
    public int hvr()
    {
        verifier.verifyRequest(clientId, hello, 0, hello.length, sender);
        return sender.length;
    }

    /**
     * A hello with BouncyCastle's valid cookie: parse, MAC, compare.
     *
     * @return the request, non-null.
     */
    @Benchmark
    public DTLSRequest verified()
    {
        return verifier.verifyRequest(clientId, cookieHello, 0, cookieHello.length, sender);
    }

    /**
     * A hello truncated in its extensions: parse, fail, drop.
     *
     * @return null.
     */
    @Benchmark
    public DTLSRequest malformed()
    {
        return verifier.verifyRequest(clientId, malformedHello, 0, malformedHello.length, sender);
    }

    private void checkAll()
    {
        check(hello, false, true, "cookie-less hello");
        check(cookieHello, true, false, "hello with BouncyCastle's cookie");
        check(malformedHello, false, false, "hello truncated in its extensions");
    }

    private void check(final byte[] datagram, final boolean request, final boolean reply, final String what)
    {
        final long sentBefore = sender.sent;
        final DTLSRequest result = verifier.verifyRequest(clientId, datagram, 0, datagram.length, sender);
        final boolean replied = sender.sent != sentBefore;
        if ((result != null) != request || replied != reply)
        {
            throw new IllegalStateException(what + " with " + crypto + ": expected " +
                (request ? "a request" : "no request") + (reply ? " and a HelloVerifyRequest" : " and no reply") +
                ", got " + (result != null ? "a request" : "no request") + (replied ? " and a reply" : " and no reply"));
        }
    }

    /**
     * Stands in for the socket: records the length of what BouncyCastle sends, and a copy only while set up.
     */
    static final class RecordingSender implements DatagramSender
    {
        int length;
        long sent;
        boolean keepCopy;
        byte[] copy;

        /**
         * {@inheritDoc}
         */
        public int getSendLimit()
        {
            return 1500;
        }

        /**
         * {@inheritDoc}
         */
        public void send(final byte[] buf, final int off, final int len)
        {
            length = len;
            sent++;
            if (keepCopy)
            {
                copy = Arrays.copyOfRange(buf, off, off + len);
            }
        }
    }
}
