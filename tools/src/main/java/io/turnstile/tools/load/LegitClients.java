package io.turnstile.tools.load;

import io.turnstile.codec.ClientHelloDecoder;
import io.turnstile.codec.ClientHelloEncoder;
import io.turnstile.codec.HelloVerifyRequestDecoder;
import io.turnstile.tools.Captures;
import io.turnstile.tools.Cli;
import org.HdrHistogram.Histogram;
import org.agrona.concurrent.UnsafeBuffer;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * A load of legitimate DTLS clients, each doing the cookie exchange of RFC 6347 section 4.2.1 from its own fresh UDP
 * port of a separate source address while a flood runs, with the latency of every exchange in an HdrHistogram.
 * <p>
 * One attempt:
 * <ol>
 *     <li>open a socket bound to {@link Context#bindAddress(InetAddress)} on a fresh ephemeral port, connected to the
 *     target
 *     (so only the server's replies arrive, and an ICMP port unreachable surfaces);</li>
 *     <li>send the first hello, built from a real capture with a fresh random: record sequence number 0,
 *     message_seq 0;</li>
 *     <li>wait for the HelloVerifyRequest, retransmitting the hello on timeout like a real client (RFC 6347 section
 *     4.2.4.1: a new record sequence number per retransmission, the timer doubled each time); parse the HVR fully
 *     and check it echoes the record sequence number of a hello sent;</li>
 *     <li>send the hello again with the cookie: record sequence number 1 (after one first hello), message_seq 1;</li>
 *     <li>with {@link Context#handshake(boolean)}: wait for a ServerHello (first record a handshake of type 2),
 *     retransmitting the cookie hello on timeout, then send a fatal user_canceled alert so the server can drop the
 *     handshake it started. Without it the attempt succeeds once the cookie hello is sent: the client cannot see a
 *     stateless verifier accept a cookie, so the server's {@code verified} counter is the cross-check.</li>
 * </ol>
 * A fresh port per attempt matters when a handshake follows: the server keeps a session per address and port once
 * verified, so a reused port would reach that session, not the verifier.
 * <p>
 * One thread, one NIO {@link Selector}: this is the measuring side, not the hot path, and is bounded by
 * {@link Context#concurrency(int)} sockets open at once. Attempts start at {@link Context#rate(int)} per second (or as
 * fast as the concurrency allows), for {@link Context#durationMs(long)} or {@link Context#maxAttempts(long)}, whichever
 * comes first; the attempts still in flight then run to their end, bounded by their retransmission timers.
 */
public final class LegitClients
{
    private static final long HIGHEST_TRACKABLE_US = TimeUnit.SECONDS.toMicros(120);
    private static final long INTERVAL_NS = TimeUnit.SECONDS.toNanos(1);
    private static final int MAX_DATAGRAM = 65_536;
    private static final int ALERT_LENGTH = 15;

    private final Context context;
    private final byte[] template;
    private final UnsafeBuffer templateBuffer;
    private final ClientHelloEncoder encoder = new ClientHelloEncoder();
    private final SplittableRandom random;
    private final ByteBuffer receiveBuffer = ByteBuffer.allocateDirect(MAX_DATAGRAM);
    private final UnsafeBuffer received = new UnsafeBuffer(receiveBuffer);
    private final HelloVerifyRequestDecoder parser = new HelloVerifyRequestDecoder();
    private final ByteBuffer alert = ByteBuffer.allocate(ALERT_LENGTH);

    private final Histogram hvrLatencyUs = new Histogram(HIGHEST_TRACKABLE_US, 3);
    private final Histogram serverHelloLatencyUs = new Histogram(HIGHEST_TRACKABLE_US, 3);
    private final Histogram intervalHvrLatencyUs = new Histogram(HIGHEST_TRACKABLE_US, 3);
    private final EnumMap<AttemptFailure, Long> failures = new EnumMap<>(AttemptFailure.class);
    private final EnumMap<HelloVerifyRequestDecoder.Failure, Long> malformedReplies =
        new EnumMap<>(HelloVerifyRequestDecoder.Failure.class);
    private final List<LegitClientsReport.Interval> intervals = new ArrayList<>();

    private long attempts;
    private long succeeded;
    private long retransmits;
    private long helloBytesSent;
    private long replyBytesReceived;
    private long hvrsReceived;
    private long hvrBytesReceived;
    private long intervalStarted;
    private long intervalSucceeded;
    private long intervalFailed;
    private long intervalRetransmits;

    /**
     * A load; nothing is opened until {@link #run()}.
     *
     * @param context configuration, concluded here.
     */
    public LegitClients(final Context context)
    {
        this.context = context.conclude();
        this.template = template(context.template);
        this.templateBuffer = new UnsafeBuffer(template);
        this.random = new SplittableRandom(context.seed);
    }

    /**
     * Run the load to its end: the duration or attempt budget, then the drain of attempts in flight.
     *
     * @return what was measured.
     * @throws IOException when the selector cannot be opened (socket failures are counted per attempt instead).
     */
    public LegitClientsReport run() throws IOException
    {
        final Context context = this.context;
        final Attempt[] slots = new Attempt[context.concurrency];
        for (int i = 0; i < slots.length; i++)
        {
            slots[i] = new Attempt(template.length + 256);
        }
        final long periodNs = context.rate == 0 ? 0 : TimeUnit.SECONDS.toNanos(1) / context.rate;
        final long startEpochMs = System.currentTimeMillis();
        final long startNs = System.nanoTime();
        final long endNs = startNs + TimeUnit.MILLISECONDS.toNanos(context.durationMs);
        long nextStartNs = startNs;
        long nextIntervalNs = startNs + INTERVAL_NS;
        int inFlight = 0;

        try (Selector selector = Selector.open())
        {
            while (true)
            {
                long nowNs = System.nanoTime();
                final boolean starting = nowNs < endNs && attempts < context.maxAttempts;
                if (starting)
                {
                    for (int i = 0; i < slots.length && attempts < context.maxAttempts; i++)
                    {
                        if (!slots[i].active && nowNs - nextStartNs >= 0)
                        {
                            if (start(slots[i], selector, nowNs))
                            {
                                inFlight++;
                            }
                            // A slipped schedule (all slots busy) restarts from now instead of bursting to catch up.
                            nextStartNs = Math.max(nextStartNs + periodNs, nowNs - periodNs);
                        }
                    }
                }
                else if (inFlight == 0)
                {
                    break;
                }

                long wakeNs = starting ? Math.min(endNs, nextIntervalNs) : nextIntervalNs;
                if (starting && inFlight < slots.length)
                {
                    wakeNs = Math.min(wakeNs, nextStartNs);
                }
                for (final Attempt slot : slots)
                {
                    if (slot.active)
                    {
                        wakeNs = Math.min(wakeNs, slot.deadlineNs);
                    }
                }
                final long waitMs = TimeUnit.NANOSECONDS.toMillis(wakeNs - nowNs);
                if (waitMs > 0)
                {
                    selector.select(waitMs);
                }
                else
                {
                    selector.selectNow();
                }

                nowNs = System.nanoTime();
                final Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
                while (keys.hasNext())
                {
                    final SelectionKey key = keys.next();
                    keys.remove();
                    final Attempt attempt = (Attempt)key.attachment();
                    if (attempt.active && key.isValid() && key.isReadable() && onReadable(attempt, nowNs))
                    {
                        inFlight--;
                    }
                }
                for (final Attempt slot : slots)
                {
                    if (slot.active && nowNs - slot.deadlineNs >= 0 && onTimeout(slot, nowNs))
                    {
                        inFlight--;
                    }
                }
                if (nowNs - nextIntervalNs >= 0)
                {
                    closeInterval(nowNs - startNs);
                    nextIntervalNs += INTERVAL_NS;
                }
            }
        }
        finally
        {
            for (final Attempt slot : slots)
            {
                slot.close();
            }
        }
        final long durationNs = System.nanoTime() - startNs;
        if (intervalStarted + intervalSucceeded + intervalFailed + intervalRetransmits > 0)
        {
            closeInterval(durationNs);
        }

        return new LegitClientsReport(
            context.handshake ?
                LegitClientsReport.SERVER_HELLO_RECEIVED : LegitClientsReport.HVR_AND_COOKIE_HELLO_SENT,
            context.target.getAddress().getHostAddress() + ":" + context.target.getPort(),
            context.bindAddress.getHostAddress(),
            context.template,
            startEpochMs,
            durationNs,
            attempts,
            succeeded,
            failures,
            malformedReplies,
            retransmits,
            helloBytesSent,
            replyBytesReceived,
            hvrsReceived,
            hvrBytesReceived,
            hvrLatencyUs,
            serverHelloLatencyUs,
            intervals);
    }

    private boolean start(final Attempt attempt, final Selector selector, final long nowNs)
    {
        attempts++;
        intervalStarted++;
        attempt.reset();
        random.nextBytes(attempt.clientRandom.byteArray());
        try
        {
            final DatagramChannel channel = DatagramChannel.open(
                context.bindAddress instanceof Inet6Address ?
                StandardProtocolFamily.INET6 : StandardProtocolFamily.INET);
            attempt.channel = channel;
            channel.bind(new InetSocketAddress(context.bindAddress, 0));
            channel.connect(context.target);
            channel.configureBlocking(false);
            channel.register(selector, SelectionKey.OP_READ, attempt);
            attempt.active = true;
            attempt.state = State.AWAIT_HVR;
            attempt.firstSendNs = nowNs;
            attempt.datagram.putBytes(0, template);
            attempt.length = template.length;
            encoder.wrap(attempt.datagram, 0).random(attempt.clientRandom, 0)
                .recordSequenceNumber(attempt.nextRecordSeq++);
            send(attempt, nowNs, context.retransmitTimeoutMs);
            return true;
        }
        catch (final IOException | RuntimeException ex)
        {
            failOn(attempt, ex);
            return false;
        }
    }

    private void send(final Attempt attempt, final long nowNs, final long timeoutMs) throws IOException
    {
        helloBytesSent += attempt.channel.write(attempt.datagram.byteBuffer().clear().limit(attempt.length));
        attempt.timeoutMs = timeoutMs;
        attempt.deadlineNs = nowNs + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    }

    /**
     * @return true when the attempt ended.
     */
    private boolean onReadable(final Attempt attempt, final long nowNs)
    {
        try
        {
            while (attempt.active)
            {
                receiveBuffer.clear();
                final int length = attempt.channel.read(receiveBuffer);
                if (length <= 0)
                {
                    return false;
                }
                replyBytesReceived += length;
                if (onReply(attempt, length, nowNs))
                {
                    return true;
                }
            }
            return !attempt.active;
        }
        catch (final IOException | RuntimeException ex)
        {
            failOn(attempt, ex);
            return true;
        }
    }

    /**
     * @return true when the attempt ended.
     */
    private boolean onReply(final Attempt attempt, final int length, final long nowNs) throws IOException
    {
        final HelloVerifyRequestDecoder parser = this.parser.wrap(received, 0, length);
        final boolean parsed = parser.decode();
        if (attempt.state == State.AWAIT_HVR)
        {
            if (!parsed || parser.isServerHello())
            {
                malformedReplies.merge(
                    parsed ? HelloVerifyRequestDecoder.Failure.UNEXPECTED_MESSAGE : parser.failure(), 1L, Long::sum);
                fail(attempt, AttemptFailure.MALFORMED_HVR);
                return true;
            }
            if (parser.recordSequenceNumber() >= attempt.nextRecordSeq)
            {
                fail(attempt, AttemptFailure.HVR_WRONG_SEQUENCE);
                return true;
            }
            hvrsReceived++;
            hvrBytesReceived += length;
            final long latencyUs = latencyUs(attempt, nowNs);
            hvrLatencyUs.recordValue(latencyUs);
            intervalHvrLatencyUs.recordValue(latencyUs);

            attempt.cookieHelloFirstSeq = attempt.nextRecordSeq;
            attempt.retransmits = 0; // a new flight: its own timer and retransmission budget, as a real client
            attempt.length = encoder.wrap(attempt.datagram, 0).spliceCookie(
                templateBuffer, 0, template.length, received, parser.cookieOffset(), parser.cookieLength());
            encoder.random(attempt.clientRandom, 0).recordSequenceNumber(attempt.nextRecordSeq++).messageSeq(1);
            send(attempt, nowNs, context.retransmitTimeoutMs);
            if (!context.handshake)
            {
                succeed(attempt);
                return true;
            }
            attempt.state = State.AWAIT_SERVER_HELLO;
            return false;
        }

        if (parsed && parser.isServerHello())
        {
            serverHelloLatencyUs.recordValue(latencyUs(attempt, nowNs));
            sendUserCanceled(attempt);
            succeed(attempt);
            return true;
        }
        if (parsed && parser.recordSequenceNumber() < attempt.cookieHelloFirstSeq)
        {
            return false; // a late HVR for a retransmitted first hello: a real client ignores it too
        }
        if (parsed)
        {
            fail(attempt, AttemptFailure.COOKIE_REJECTED);
            return true;
        }
        malformedReplies.merge(parser.failure(), 1L, Long::sum);
        return false; // not a ServerHello flight start: later records of the flight, or noise; the timer decides
    }

    /**
     * A fatal user_canceled alert (RFC 5246 section 7.2) in epoch 0, so that the server can end the handshake this
     * load started and will not finish, instead of retransmitting its flight to a closed port.
     */
    private void sendUserCanceled(final Attempt attempt)
    {
        final ByteBuffer alert = this.alert;
        alert.clear();
        alert.put((byte)21).putShort((short)0xFEFD).putShort((short)0);
        alert.putShort((short)0).putInt((int)attempt.nextRecordSeq++);
        alert.putShort((short)2).put((byte)2).put((byte)90);
        alert.flip();
        try
        {
            attempt.channel.write(alert);
        }
        catch (final IOException ignore)
        {
            // best effort: the server's handshake times out by itself otherwise
        }
    }

    /**
     * @return true when the attempt ended.
     */
    private boolean onTimeout(final Attempt attempt, final long nowNs)
    {
        if (attempt.retransmits >= context.maxRetransmits)
        {
            fail(attempt, attempt.state == State.AWAIT_HVR ?
                AttemptFailure.HVR_TIMEOUT : AttemptFailure.SERVER_HELLO_TIMEOUT);
            return true;
        }
        attempt.retransmits++;
        retransmits++;
        intervalRetransmits++;
        encoder.wrap(attempt.datagram, 0).recordSequenceNumber(attempt.nextRecordSeq++);
        try
        {
            send(attempt, nowNs, Math.min(attempt.timeoutMs * 2, 60_000));
            return false;
        }
        catch (final IOException | RuntimeException ex)
        {
            failOn(attempt, ex);
            return true;
        }
    }

    /**
     * The capture the hellos are built from: a cookie-less, single unfragmented record, the first flight of a real
     * client, whose random, record sequence number and message_seq each attempt rewrites.
     */
    static byte[] template(final String nameOrPath)
    {
        final byte[] hello = Captures.hello(nameOrPath);
        final ClientHelloDecoder decoder = new ClientHelloDecoder().wrap(new UnsafeBuffer(hello), 0, hello.length);
        decoder.decode();
        if (decoder.isFragmented() || decoder.recordLength() != hello.length)
        {
            throw new IllegalArgumentException("template " + nameOrPath + " must be one unfragmented record, got " +
                "record of " + decoder.recordLength() + " bytes in a datagram of " + hello.length +
                (decoder.isFragmented() ? " (fragmented)" : ""));
        }
        if (decoder.cookieLength() != 0)
        {
            throw new IllegalArgumentException("template " + nameOrPath + " must be a first hello without a " +
                "cookie, has " + decoder.cookieLength() + " cookie bytes");
        }
        return hello;
    }

    private static long latencyUs(final Attempt attempt, final long nowNs)
    {
        return Math.min(HIGHEST_TRACKABLE_US, Math.max(0, TimeUnit.NANOSECONDS.toMicros(nowNs - attempt.firstSendNs)));
    }

    private void succeed(final Attempt attempt)
    {
        succeeded++;
        intervalSucceeded++;
        attempt.close();
    }

    private void fail(final Attempt attempt, final AttemptFailure reason)
    {
        failures.merge(reason, 1L, Long::sum);
        intervalFailed++;
        attempt.close();
    }

    private void failOn(final Attempt attempt, final Exception ex)
    {
        fail(attempt,
            ex instanceof PortUnreachableException ? AttemptFailure.PORT_UNREACHABLE : AttemptFailure.IO_ERROR);
    }

    private void closeInterval(final long elapsedNs)
    {
        final Histogram latency = intervalHvrLatencyUs;
        final boolean empty = latency.getTotalCount() == 0;
        intervals.add(new LegitClientsReport.Interval(
            elapsedNs / 1e9, intervalStarted, intervalSucceeded, intervalFailed, intervalRetransmits,
            empty ? 0 : latency.getValueAtPercentile(50), empty ? 0 : latency.getValueAtPercentile(99),
            empty ? 0 : latency.getMaxValue()));
        latency.reset();
        intervalStarted = 0;
        intervalSucceeded = 0;
        intervalFailed = 0;
        intervalRetransmits = 0;
    }

    private enum State
    {
        AWAIT_HVR,
        AWAIT_SERVER_HELLO
    }

    /**
     * One client slot: reused from attempt to attempt, with a new socket each time.
     */
    private static final class Attempt
    {
        final UnsafeBuffer clientRandom = new UnsafeBuffer(new byte[32]);
        final UnsafeBuffer datagram;
        int length;
        DatagramChannel channel;
        boolean active;
        State state;
        long nextRecordSeq;
        long cookieHelloFirstSeq;
        long firstSendNs;
        long deadlineNs;
        long timeoutMs;
        int retransmits;

        Attempt(final int capacity)
        {
            datagram = new UnsafeBuffer(ByteBuffer.allocateDirect(capacity));
        }

        void reset()
        {
            active = false;
            state = State.AWAIT_HVR;
            nextRecordSeq = 0;
            cookieHelloFirstSeq = 0;
            retransmits = 0;
        }

        void close()
        {
            active = false;
            final DatagramChannel channel = this.channel;
            this.channel = null;
            if (channel != null)
            {
                try
                {
                    channel.close();
                }
                catch (final IOException ignore)
                {
                    // closing a UDP socket does not fail in a way that matters to the measurement
                }
            }
        }
    }

    /**
     * Configuration of a load, and its command line ({@code @Option}s, parsed by picocli in {@link LegitClientsMain}):
     * fluent setters, then {@link #conclude()} validates and fills the defaults.
     */
    public static final class Context
    {
        /** Default retransmission timeout: 1 s, as RFC 6347 section 4.2.4.1 recommends for a first flight. */
        public static final long DEFAULT_RETRANSMIT_TIMEOUT_MS = 1000;
        /** Default retransmissions before an attempt fails. */
        public static final int DEFAULT_MAX_RETRANSMITS = 2;
        /** Default attempts started per second. */
        public static final int DEFAULT_RATE = 100;
        /** Default sockets open at once. */
        public static final int DEFAULT_CONCURRENCY = 16;
        /** Default duration. */
        public static final long DEFAULT_DURATION_MS = 10_000;
        /** Default attempt budget. */
        public static final long DEFAULT_MAX_ATTEMPTS = 1_000_000;

        @Option(names = "--target", required = true, paramLabel = "HOST:PORT", converter = HostPort.class,
            description = "The server: HOST:PORT, [V6]:PORT or V6:PORT.")
        private InetSocketAddress target;
        @Option(names = "--bind", paramLabel = "ADDRESS", description = "Clients' source address (default: the " +
            "target's for a loopback target).")
        private InetAddress bindAddress;
        @Option(names = "--rate", paramLabel = "N", description = "Attempts started per second, 0 for as fast as " +
            "the concurrency allows (default 100).")
        private int rate = DEFAULT_RATE;
        @Option(names = "--concurrency", paramLabel = "N", description = "Sockets open at once (default 16).")
        private int concurrency = DEFAULT_CONCURRENCY;
        private long durationMs = DEFAULT_DURATION_MS;
        @Option(names = "--attempts", paramLabel = "N", description = "Attempts at most (default 1M).")
        private long maxAttempts = DEFAULT_MAX_ATTEMPTS;
        @Option(names = "--timeout-ms", paramLabel = "MS", description = "First retransmission timeout, doubling " +
            "(default 1000).")
        private long retransmitTimeoutMs = DEFAULT_RETRANSMIT_TIMEOUT_MS;
        @Option(names = "--retransmits", paramLabel = "N", description = "Retransmissions before a timeout " +
            "(default 2).")
        private int maxRetransmits = DEFAULT_MAX_RETRANSMITS;
        @Option(names = "--handshake", description = "Success is a ServerHello (a server with serve --echo).")
        private boolean handshake;
        @Option(names = "--template", paramLabel = "NAME|FILE", description = "The first hello (default " +
            Captures.DEFAULT_HELLO + ").")
        private String template = Captures.DEFAULT_HELLO;
        @Option(names = "--seed", paramLabel = "N", description = "Seed of the client randoms (default: the clock).")
        private long seed = System.nanoTime();

        @Option(names = "--duration", paramLabel = "SECONDS", description = "How long attempts start (default 10).")
        private void durationSeconds(final double seconds)
        {
            durationMs = Math.round(seconds * 1000);
        }

        /**
         * Validate and fill defaults.
         *
         * @return this.
         * @throws IllegalArgumentException naming the bad value.
         */
        public Context conclude()
        {
            if (target == null)
            {
                throw new IllegalArgumentException("target must be set");
            }
            if (target.isUnresolved())
            {
                throw new IllegalArgumentException("target " + target + " does not resolve");
            }
            if (bindAddress == null)
            {
                if (!target.getAddress().isLoopbackAddress())
                {
                    throw new IllegalArgumentException("bindAddress must be set for a non-loopback target " + target);
                }
                bindAddress = target.getAddress();
            }
            if (bindAddress.getAddress().length != target.getAddress().getAddress().length)
            {
                throw new IllegalArgumentException("bindAddress " + bindAddress.getHostAddress() +
                    " and target " + target + " are of different address families");
            }
            if (rate < 0 || rate > 1_000_000)
            {
                throw new IllegalArgumentException("rate must be 0 (as fast as concurrency allows) to 1000000, got " +
                    rate);
            }
            if (concurrency < 1 || concurrency > 10_000)
            {
                throw new IllegalArgumentException("concurrency must be 1 to 10000, got " + concurrency);
            }
            if (durationMs < 1 || durationMs > TimeUnit.HOURS.toMillis(24))
            {
                throw new IllegalArgumentException("durationMs must be 1 to 86400000, got " + durationMs);
            }
            if (maxAttempts < 1)
            {
                throw new IllegalArgumentException("maxAttempts must be at least 1, got " + maxAttempts);
            }
            if (retransmitTimeoutMs < 1 || retransmitTimeoutMs > 60_000)
            {
                throw new IllegalArgumentException(
                    "retransmitTimeoutMs must be 1 to 60000, got " + retransmitTimeoutMs);
            }
            if (maxRetransmits < 0 || maxRetransmits > 10)
            {
                throw new IllegalArgumentException("maxRetransmits must be 0 to 10, got " + maxRetransmits);
            }
            Objects.requireNonNull(template, "template must not be null");
            return this;
        }

        /**
         * The server to exchange cookies with.
         *
         * @param target address and port.
         * @return this.
         */
        public Context target(final InetSocketAddress target)
        {
            this.target = target;
            return this;
        }

        /**
         * The clients' source address, e.g. 127.0.0.2 to keep them apart from a flood, or the client namespace's.
         *
         * @param bindAddress local address; default the target's own address for a loopback target.
         * @return this.
         */
        public Context bindAddress(final InetAddress bindAddress)
        {
            this.bindAddress = bindAddress;
            return this;
        }

        /**
         * The capture the hellos are built from: a corpus name or a file path.
         *
         * @param template default {@value Captures#DEFAULT_HELLO}.
         * @return this.
         */
        public Context template(final String template)
        {
            this.template = template;
            return this;
        }

        /**
         * Attempts started per second.
         *
         * @param rate 0 for as fast as the concurrency allows; default {@value #DEFAULT_RATE}.
         * @return this.
         */
        public Context rate(final int rate)
        {
            this.rate = rate;
            return this;
        }

        /**
         * Attempts in flight at once, each with its own socket.
         *
         * @param concurrency 1 to 10000; default {@value #DEFAULT_CONCURRENCY}.
         * @return this.
         */
        public Context concurrency(final int concurrency)
        {
            this.concurrency = concurrency;
            return this;
        }

        /**
         * How long attempts are started for; those in flight at the end still finish.
         *
         * @param durationMs default {@value #DEFAULT_DURATION_MS}.
         * @return this.
         */
        public Context durationMs(final long durationMs)
        {
            this.durationMs = durationMs;
            return this;
        }

        /**
         * Attempts at most.
         *
         * @param maxAttempts default {@value #DEFAULT_MAX_ATTEMPTS}.
         * @return this.
         */
        public Context maxAttempts(final long maxAttempts)
        {
            this.maxAttempts = maxAttempts;
            return this;
        }

        /**
         * First retransmission timeout; it doubles after each retransmission.
         *
         * @param retransmitTimeoutMs 1 to 60000; default {@value #DEFAULT_RETRANSMIT_TIMEOUT_MS} like a real client.
         * @return this.
         */
        public Context retransmitTimeoutMs(final long retransmitTimeoutMs)
        {
            this.retransmitTimeoutMs = retransmitTimeoutMs;
            return this;
        }

        /**
         * Retransmissions of a hello before the attempt fails by timeout.
         *
         * @param maxRetransmits 0 to 10; default {@value #DEFAULT_MAX_RETRANSMITS}.
         * @return this.
         */
        public Context maxRetransmits(final int maxRetransmits)
        {
            this.maxRetransmits = maxRetransmits;
            return this;
        }

        /**
         * Whether the server has a handshake behind its verifier ({@code serve --echo}): success is then a
         * ServerHello in reply to the cookie hello.
         *
         * @param handshake default false.
         * @return this.
         */
        public Context handshake(final boolean handshake)
        {
            this.handshake = handshake;
            return this;
        }

        /**
         * Seed of the client randoms: only to make a run repeatable, nothing here is security relevant.
         *
         * @param seed default the start time.
         * @return this.
         */
        public Context seed(final long seed)
        {
            this.seed = seed;
            return this;
        }

        /**
         * picocli's converter for {@code --target}.
         */
        static final class HostPort implements CommandLine.ITypeConverter<InetSocketAddress>
        {
            /**
             * {@inheritDoc}
             */
            @Override
            public InetSocketAddress convert(final String value)
            {
                return Cli.hostPort("--target", value);
            }
        }
    }
}
