package io.turnstile.verifier;

import io.turnstile.codec.ClientHelloDecoder;
import io.turnstile.codec.HelloVerifyRequestEncoder;
import io.turnstile.codec.PeerAddress;
import io.turnstile.cookie.CookieCheck;
import io.turnstile.cookie.CookieGenerator;
import io.turnstile.cookie.CookieKeys;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.util.Objects;

/**
 * The stateless ClientHello verifier, RFC 6347 section 4.2.1: one call per datagram, zero allocation.
 * <p>
 * A cookie-less hello, or one whose cookie does not check out, is answered with a HelloVerifyRequest written into
 * the caller's buffer ({@link VerifyOutcome#REPLY}); a hello whose cookie checks out is {@link VerifyOutcome#VERIFIED}
 * and may start a handshake; anything else is {@link VerifyOutcome#DROP}ped and counted. Bad input never throws,
 * never creates state and is never answered with more bytes than it had.
 * <pre>{@code
 * VerifyOutcome outcome = verifier.verify(datagram, 0, length, peer, nowMs, reply, 0, reply.capacity());
 * switch (outcome)
 * {
 *     case REPLY -> send(reply, 0, verifier.replyLength(), peer);
 *     case VERIFIED -> startHandshake(datagram, verifier.helloOffset(), verifier.helloLength(), peer,
 *         verifier.recordSequenceNumber(), verifier.messageSeq());
 *     case DROP -> { }
 * }
 * }</pre>
 * <b>Note:</b> not thread safe: use one verifier per thread, all sharing one {@link CookieKeys}.
 */
public final class ClientHelloVerifier
{
    private final ClientHelloDecoder hello = new ClientHelloDecoder();
    private final HelloVerifyRequestEncoder encoder = new HelloVerifyRequestEncoder();
    private final VerifierCounters counters;
    private final CookieGenerator cookies;
    private final int maxMessageSeq;
    private final int maxHelloLength;

    private DropReason dropReason;
    private CookieCheck cookieCheck;
    private int replyLength;

    /**
     * A verifier with random keys and every default.
     */
    public ClientHelloVerifier()
    {
        this(new Context());
    }

    /**
     * A verifier.
     *
     * @param context configuration, concluded here.
     */
    public ClientHelloVerifier(final Context context)
    {
        context.conclude();
        this.cookies = new CookieGenerator(context.cookieKeys(), context.maxCookieAgeMs(), context.futureToleranceMs());
        this.maxMessageSeq = context.maxMessageSeq();
        this.maxHelloLength = context.maxHelloLength();
        this.counters = context.counters();
    }

    /**
     * Decide what to do with one datagram.
     *
     * @param datagram      buffer holding the datagram.
     * @param offset        of the datagram.
     * @param length        of the datagram.
     * @param peer          the peer's address and port (an IPv4 peer as IPv4-mapped, so both forms get one cookie).
     * @param nowMs         epoch milliseconds, read once per batch by the caller.
     * @param reply         buffer the HelloVerifyRequest is written into.
     * @param replyOffset   at which to write.
     * @param replyCapacity bytes available at replyOffset.
     * @return the outcome; details through the getters until the next call.
     * @throws NullPointerException when a buffer or the peer is null (API misuse, not bad input).
     */
    public VerifyOutcome verify(
        final DirectBuffer datagram,
        final int offset,
        final int length,
        final PeerAddress peer,
        final long nowMs,
        final MutableDirectBuffer reply,
        final int replyOffset,
        final int replyCapacity)
    {
        Objects.requireNonNull(datagram, "datagram buffer must not be null");
        Objects.requireNonNull(peer, "peer address must not be null");
        Objects.requireNonNull(reply, "reply buffer must not be null");
        dropReason = null;
        cookieCheck = null;
        replyLength = 0;

        final ClientHelloDecoder hello = this.hello;
        if (!hello.wrap(datagram, offset, length).decode())
        {
            return drop(DropReason.of(hello.fault()));
        }
        if (hello.messageSeq() > maxMessageSeq)
        {
            return drop(DropReason.MESSAGE_SEQ_OUT_OF_RANGE);
        }
        if (hello.messageLength() > maxHelloLength)
        {
            // Only a first fragment can claim more than it carries: answering it would invite a peer to hold a
            // handshake's reassembly buffer open for a hello no real client sends.
            return drop(DropReason.HELLO_TOO_LONG);
        }

        if (hello.cookieLength() != 0)
        {
            final CookieCheck check = cookies.verify(hello, peer, nowMs);
            cookieCheck = check;
            if (check.isValid())
            {
                counters.onVerified(check);
                return VerifyOutcome.VERIFIED;
            }
        }

        final int cookieLength = cookies.cookieLength(nowMs);
        final int hvrLength = HelloVerifyRequestEncoder.encodedLength(cookieLength);
        if (hvrLength > length)
        {
            return drop(DropReason.WOULD_AMPLIFY);
        }
        if (hvrLength > replyCapacity)
        {
            return drop(DropReason.REPLY_BUFFER_TOO_SMALL);
        }
        encoder.wrap(reply, replyOffset).encodeHeader(hello.recordSequenceNumber(), cookieLength);
        cookies.generate(hello, peer, nowMs, reply, encoder.cookieOffset());
        replyLength = hvrLength;
        counters.onReply(cookieCheck, hvrLength);
        return VerifyOutcome.REPLY;
    }

    private VerifyOutcome drop(final DropReason reason)
    {
        dropReason = reason;
        counters.onDrop(reason);
        return VerifyOutcome.DROP;
    }

    /**
     * After {@link VerifyOutcome#REPLY}: the length of the HelloVerifyRequest written.
     *
     * @return bytes written at the reply offset; 0 otherwise.
     */
    public int replyLength()
    {
        return replyLength;
    }

    /**
     * After {@link VerifyOutcome#DROP}: why.
     *
     * @return the reason, or null for other outcomes.
     */
    public DropReason dropReason()
    {
        return dropReason;
    }

    /**
     * What the last hello's cookie checked out as.
     *
     * @return the check, or null when the hello had no cookie or was dropped before the check.
     */
    public CookieCheck cookieCheck()
    {
        return cookieCheck;
    }

    /**
     * After {@link VerifyOutcome#VERIFIED}: where the verified hello's record starts in the datagram buffer.
     *
     * @return offset of the ClientHello record.
     */
    public int helloOffset()
    {
        return hello.recordOffset();
    }

    /**
     * After {@link VerifyOutcome#VERIFIED}: length of the verified hello's record, header included.
     *
     * @return length in bytes.
     */
    public int helloLength()
    {
        return hello.recordLength();
    }

    /**
     * The record sequence number of the last hello, which the HVR repeated and the first ServerHello must repeat.
     *
     * @return the 48-bit sequence number.
     */
    public long recordSequenceNumber()
    {
        return hello.recordSequenceNumber();
    }

    /**
     * message_seq of the last hello; the first ServerHello follows it.
     *
     * @return the message sequence.
     */
    public int messageSeq()
    {
        return hello.messageSeq();
    }

    /**
     * After {@link VerifyOutcome#VERIFIED}: the key that verified the cookie.
     *
     * @return key id, 0 to 255.
     */
    public int keyId()
    {
        return cookies.lastKeyId();
    }

    /**
     * After {@link VerifyOutcome#VERIFIED}: whether the hello is only a first fragment, whose tail follows.
     *
     * @return true for a fragment.
     */
    public boolean isFragment()
    {
        return hello.isFragmented();
    }

    /**
     * The decoder over the last datagram: the verified hello's fields after {@link VerifyOutcome#VERIFIED}.
     *
     * @return the decoder; valid until the next call.
     */
    public ClientHelloDecoder hello()
    {
        return hello;
    }

    /**
     * Counts of every outcome, drop reason and cookie check; with published counters, whoever drives the verifier
     * calls {@link VerifierCounters#publish()} once per batch.
     *
     * @return this verifier's counters.
     */
    public VerifierCounters counters()
    {
        return counters;
    }

    /**
     * Configuration of a verifier: fluent setters, then {@link #conclude()} validates and fills the defaults.
     */
    public static final class Context
    {
        /** Default bound on message_seq: a first hello is 0, the cookie hello 1, one more for a bad cookie. */
        public static final int DEFAULT_MAX_MESSAGE_SEQ = 3;
        /**
         * Default bound on a hello's handshake length: real hellos, post-quantum key shares included, stay under
         * 2 KiB; 16 KiB leaves room for large extensions while refusing a fragment that announces megabytes.
         */
        public static final int DEFAULT_MAX_HELLO_LENGTH = 16 * 1024;
        /** Smallest bound a caller may set: a minimal ClientHello body is 39 bytes, a real one never under 64. */
        public static final int MIN_MAX_HELLO_LENGTH = 256;
        /** Largest bound: the handshake length field has 24 bits. */
        public static final int MAX_MAX_HELLO_LENGTH = 0xFF_FFFF;

        private CookieKeys cookieKeys;
        private long maxCookieAgeMs = CookieGenerator.DEFAULT_MAX_AGE_MS;
        private long futureToleranceMs = 0;
        private int maxMessageSeq = DEFAULT_MAX_MESSAGE_SEQ;
        private int maxHelloLength = DEFAULT_MAX_HELLO_LENGTH;
        private VerifierCounters counters;

        /**
         * Validate and fill defaults.
         *
         * @return this.
         * @throws IllegalArgumentException naming the bad value.
         */
        public Context conclude()
        {
            if (cookieKeys == null)
            {
                cookieKeys = CookieKeys.random();
            }
            if (counters == null)
            {
                counters = new VerifierCounters();
            }
            // The cookie generator owns these limits; checked here too so a bad value is named when a server's
            // context concludes, before any verifier is built.
            if (maxCookieAgeMs < CookieGenerator.MIN_MAX_AGE_MS || maxCookieAgeMs > CookieGenerator.MAX_MAX_AGE_MS)
            {
                throw new IllegalArgumentException("maxCookieAgeMs must be " + CookieGenerator.MIN_MAX_AGE_MS + " to " +
                    CookieGenerator.MAX_MAX_AGE_MS + ", got " + maxCookieAgeMs);
            }
            if (futureToleranceMs < 0 || futureToleranceMs > CookieGenerator.MAX_FUTURE_TOLERANCE_MS)
            {
                throw new IllegalArgumentException("futureToleranceMs must be 0 to " +
                    CookieGenerator.MAX_FUTURE_TOLERANCE_MS + ", got " + futureToleranceMs);
            }
            if (maxMessageSeq < 1 || maxMessageSeq > 0xFFFF)
            {
                throw new IllegalArgumentException("maxMessageSeq must be 1 to 65535, got " + maxMessageSeq);
            }
            if (maxHelloLength < MIN_MAX_HELLO_LENGTH || maxHelloLength > MAX_MAX_HELLO_LENGTH)
            {
                throw new IllegalArgumentException("maxHelloLength must be " + MIN_MAX_HELLO_LENGTH + " to " +
                    MAX_MAX_HELLO_LENGTH + ", got " + maxHelloLength);
            }
            return this;
        }

        /**
         * A copy of every setting, e.g. a server's template for one worker's verifier: the key source is shared, as it
         * must be (every worker's cookies verify on every other); the counters are not, each verifier counts its own.
         *
         * @return a new context.
         */
        public Context copy()
        {
            final Context copy = new Context();
            copy.cookieKeys = cookieKeys;
            copy.maxCookieAgeMs = maxCookieAgeMs;
            copy.futureToleranceMs = futureToleranceMs;
            copy.maxMessageSeq = maxMessageSeq;
            copy.maxHelloLength = maxHelloLength;
            return copy;
        }

        /**
         * Where the verifier counts: standalone counts by default, or counters in a {@code CountersManager} (e.g. a
         * server's counters file) published once per batch by {@link VerifierCounters#publish()}.
         *
         * @param counters used by this verifier only.
         * @return this.
         */
        public Context counters(final VerifierCounters counters)
        {
            this.counters = Objects.requireNonNull(counters, "counters must not be null");
            return this;
        }

        /**
         * Where the verifier counts.
         *
         * @return the counters; standalone ones once concluded when left to the default.
         */
        public VerifierCounters counters()
        {
            return counters;
        }

        /**
         * Key source shared by every verifier of a server.
         *
         * @param cookieKeys key source.
         * @return this.
         */
        public Context cookieKeys(final CookieKeys cookieKeys)
        {
            this.cookieKeys = Objects.requireNonNull(cookieKeys, "cookieKeys must not be null");
            return this;
        }

        /**
         * Key source; random keys with the default MAC unless set.
         *
         * @return the key source.
         */
        public CookieKeys cookieKeys()
        {
            return cookieKeys;
        }

        /**
         * Oldest cookie that verifies.
         *
         * @param maxCookieAgeMs 1 s to 1 day; default 60 s.
         * @return this.
         */
        public Context maxCookieAgeMs(final long maxCookieAgeMs)
        {
            this.maxCookieAgeMs = maxCookieAgeMs;
            return this;
        }

        /**
         * Oldest cookie that verifies.
         *
         * @return milliseconds.
         */
        public long maxCookieAgeMs()
        {
            return maxCookieAgeMs;
        }

        /**
         * How far ahead of this server's clock a cookie's timestamp may be: for fleets whose clocks differ.
         *
         * @param futureToleranceMs 0 to 60 s; default 0.
         * @return this.
         */
        public Context futureToleranceMs(final long futureToleranceMs)
        {
            this.futureToleranceMs = futureToleranceMs;
            return this;
        }

        /**
         * How far ahead of this server's clock a cookie's timestamp may be.
         *
         * @return milliseconds.
         */
        public long futureToleranceMs()
        {
            return futureToleranceMs;
        }

        /**
         * Highest message_seq accepted in a hello; hellos above it are dropped.
         *
         * @param maxMessageSeq 1 to 65535; default {@value #DEFAULT_MAX_MESSAGE_SEQ}.
         * @return this.
         */
        public Context maxMessageSeq(final int maxMessageSeq)
        {
            this.maxMessageSeq = maxMessageSeq;
            return this;
        }

        /**
         * Highest message_seq accepted in a hello.
         *
         * @return the bound.
         */
        public int maxMessageSeq()
        {
            return maxMessageSeq;
        }

        /**
         * Longest hello, by its handshake length field, that is answered or verified; a first fragment announcing
         * more is dropped as {@link DropReason#HELLO_TOO_LONG}.
         *
         * @param maxHelloLength {@value #MIN_MAX_HELLO_LENGTH} to {@value #MAX_MAX_HELLO_LENGTH} bytes; default
         *                       {@value #DEFAULT_MAX_HELLO_LENGTH}.
         * @return this.
         */
        public Context maxHelloLength(final int maxHelloLength)
        {
            this.maxHelloLength = maxHelloLength;
            return this;
        }

        /**
         * Longest hello, by its handshake length field, that is answered or verified.
         *
         * @return bytes.
         */
        public int maxHelloLength()
        {
            return maxHelloLength;
        }
    }
}
