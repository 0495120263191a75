package io.turnstile.server.handshake;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Every verified peer's {@link PeerSession}, shared by all workers: admits new peers against the caps, finds a peer's
 * session for each of its datagrams without allocating, and counts how sessions end.
 * <p>
 * Caps (a refused peer is dropped and counted; nothing is kept for it, so it can only retry through the verifier):
 * <ul>
 *     <li>{@code maxHandshakes}: handshakes in progress at once, server wide. BouncyCastle's handshake is the
 *     expensive part (ECDHE and a signature); this bounds the CPU verified peers can make the server spend.</li>
 *     <li>{@code maxSessionsPerAddress}: sessions (handshaking or established) from one IPv4 address or one IPv6
 *     /64 (a host is routinely given a whole /64), all ports.</li>
 *     <li>{@code maxSessions}: sessions in all; with {@code queueCapacity * receiveLimit} bytes of queue each, this
 *     bounds the memory sessions hold (plus BouncyCastle's per-connection state, a few KB).</li>
 * </ul>
 * Timeouts: the hello's tail fragments must arrive within {@code helloWaitMillis}; the whole handshake within
 * {@code handshakeTimeoutMillis} (BouncyCastle's own timer); an established session that receives nothing for
 * {@code idleTimeoutMillis} is closed (close_notify sent). Each is enforced by the session's own bounded waits.
 * When a session ends it is removed, counted by {@link PeerSession.End}, and its peer is released to the worker
 * through {@link PeerOutput#release}.
 * <p>
 * Sessions run on virtual threads by default: an established session mostly waits for datagrams, and a platform
 * thread per idle peer would cap sessions at the thread count; the CPU-heavy part is bounded by {@code maxHandshakes}.
 */
public final class SessionTable implements AutoCloseable
{
    /** What {@link #open} did with a verified peer. */
    public enum Admission
    {
        /** A session was started. */
        OPENED,
        /** The peer already has a session (a retransmitted verified hello): nothing started. */
        DUPLICATE,
        /** Refused: {@code maxSessions} reached. */
        REFUSED_SESSIONS,
        /** Refused: {@code maxHandshakes} in progress. */
        REFUSED_HANDSHAKES,
        /** Refused: {@code maxSessionsPerAddress} reached for the peer's address. */
        REFUSED_ADDRESS,
        /** Refused: the table is closed. */
        CLOSED
    }

    private final Context context;
    private final ConcurrentHashMap<PeerKey, PeerSession> sessions = new ConcurrentHashMap<>();
    private final Map<PeerKey, int[]> perAddress = new HashMap<>();
    private final AtomicLong[] ends = new AtomicLong[PeerSession.End.values().length];
    private final AtomicLong[] admissions = new AtomicLong[Admission.values().length];
    private final AtomicLong established = new AtomicLong();
    private final AtomicLong echoed = new AtomicLong();
    private final AtomicLong releaseRefused = new AtomicLong();
    private final HandshakeFailures failures;
    private int handshakes;
    private boolean closed;

    /**
     * A table.
     *
     * @param context configuration, concluded here.
     */
    public SessionTable(final Context context)
    {
        this.context = context.conclude();
        this.failures = new HandshakeFailures(this.context.failureLog());
        for (int i = 0; i < ends.length; i++)
        {
            ends[i] = new AtomicLong();
        }
        for (int i = 0; i < admissions.length; i++)
        {
            admissions[i] = new AtomicLong();
        }
    }

    /**
     * Admit a verified peer and start its session (worker thread).
     *
     * @param probe    the peer; copied if a session is made, so a reused probe key is fine.
     * @param datagram the datagram holding the verified hello, copied.
     * @param offset   of the datagram.
     * @param length   of the datagram.
     * @param output   the worker's outbox, for the session's sends and its release.
     * @return what was done.
     */
    public Admission open(
        final PeerKey probe, final byte[] datagram, final int offset, final int length, final PeerOutput output)
    {
        final Admission admission;
        PeerSession session = null;
        synchronized (this)
        {
            admission = admit(probe);
            if (admission == Admission.OPENED)
            {
                final PeerKey peer = probe.copy();
                final byte[] first = new byte[length];
                System.arraycopy(datagram, offset, first, 0, length);
                final PeerTransport transport = new PeerTransport(
                    peer, output, context.queueCapacity(), context.receiveLimit(), context.sendLimit());
                session = new PeerSession(this, peer, transport, first);
                sessions.put(peer, session);
                perAddress.computeIfAbsent(session.address(), (key) -> new int[1])[0]++;
                handshakes++;
            }
        }
        admissions[admission.ordinal()].incrementAndGet();
        if (null != session)
        {
            context.threadFactory().newThread(session).start();
        }
        return admission;
    }

    private Admission admit(final PeerKey probe)
    {
        if (closed)
        {
            return Admission.CLOSED;
        }
        if (sessions.containsKey(probe))
        {
            return Admission.DUPLICATE;
        }
        if (sessions.size() >= context.maxSessions())
        {
            return Admission.REFUSED_SESSIONS;
        }
        if (handshakes >= context.maxHandshakes())
        {
            return Admission.REFUSED_HANDSHAKES;
        }
        final int[] count = perAddress.get(probe.addressOnly());
        if (null != count && count[0] >= context.maxSessionsPerAddress())
        {
            return Admission.REFUSED_ADDRESS;
        }
        return Admission.OPENED;
    }

    /**
     * The peer's session, looked up without allocating.
     *
     * @param probe the peer.
     * @return its session, or null.
     */
    public PeerSession session(final PeerKey probe)
    {
        return sessions.get(probe);
    }

    void onEstablished(final PeerSession session)
    {
        synchronized (this)
        {
            handshakes--;
        }
        established.incrementAndGet();
    }

    void onEchoed()
    {
        echoed.incrementAndGet();
    }

    void remove(final PeerSession session, final PeerSession.End end)
    {
        synchronized (this)
        {
            if (!sessions.remove(session.peer(), session))
            {
                return;
            }
            if (!session.isEstablished())
            {
                handshakes--;
            }
            final int[] count = perAddress.get(session.address());
            if (null != count && --count[0] == 0)
            {
                perAddress.remove(session.address());
            }
        }
        session.transport().close();
        ends[end.ordinal()].incrementAndGet();
        if (!session.transport().output().release(session.peer()))
        {
            releaseRefused.incrementAndGet();
        }
    }

    /**
     * Close every session and refuse new ones; returns once the sessions have been told (they end on their threads).
     */
    @Override
    public void close()
    {
        final List<PeerSession> live;
        synchronized (this)
        {
            closed = true;
            live = new ArrayList<>(sessions.values());
        }
        for (final PeerSession session : live)
        {
            session.close();
        }
    }

    /**
     * Whether {@link #close()} was called.
     *
     * @return true once closed.
     */
    public synchronized boolean isClosed()
    {
        return closed;
    }

    /**
     * Sessions now in the table, handshaking or established.
     *
     * @return the count.
     */
    public int liveSessions()
    {
        return sessions.size();
    }

    /**
     * Handshakes in progress.
     *
     * @return the count.
     */
    public synchronized int handshakesInProgress()
    {
        return handshakes;
    }

    /**
     * Peer addresses that have at least one session.
     *
     * @return the count.
     */
    public synchronized int liveAddresses()
    {
        return perAddress.size();
    }

    /**
     * How many peers {@link #open} answered this way.
     *
     * @param admission the answer.
     * @return the count ({@link Admission#OPENED} is sessions created).
     */
    public long admissions(final Admission admission)
    {
        return admissions[admission.ordinal()].get();
    }

    /**
     * Sessions created.
     *
     * @return the count.
     */
    public long created()
    {
        return admissions(Admission.OPENED);
    }

    /**
     * Handshakes completed.
     *
     * @return the count.
     */
    public long completed()
    {
        return established.get();
    }

    /**
     * Peers refused by a cap (sessions, handshakes, per address).
     *
     * @return the count.
     */
    public long refusedByCap()
    {
        return admissions(Admission.REFUSED_SESSIONS) + admissions(Admission.REFUSED_HANDSHAKES) +
            admissions(Admission.REFUSED_ADDRESS);
    }

    /**
     * Sessions that ended this way.
     *
     * @param end how.
     * @return the count.
     */
    public long ended(final PeerSession.End end)
    {
        return ends[end.ordinal()].get();
    }

    /**
     * Sessions whose handshake failed or whose hello was refused.
     *
     * @return the count.
     */
    public long failed()
    {
        return ended(PeerSession.End.HANDSHAKE_FAILED) + ended(PeerSession.End.HELLO_REFUSED);
    }

    /**
     * Sessions that timed out: hello wait, handshake, or idle.
     *
     * @return the count.
     */
    public long timedOut()
    {
        return ended(PeerSession.End.HELLO_TIMED_OUT) + ended(PeerSession.End.HANDSHAKE_TIMED_OUT) +
            ended(PeerSession.End.IDLE_TIMED_OUT);
    }

    /**
     * Why handshakes failed: by fatal alert, timeout or other. The alert counts and {@code other} add up to
     * {@link #failed()}; {@code timeout} counts the hello and handshake timeouts of {@link #timedOut()} (not idle).
     *
     * @return the failure counters, shared by every session.
     */
    public HandshakeFailures failures()
    {
        return failures;
    }

    /**
     * Application-data records echoed.
     *
     * @return the count.
     */
    public long echoed()
    {
        return echoed.get();
    }

    /**
     * Releases the worker's outbox refused (full); the worker then releases the peer itself when it next hears from
     * it and finds no session.
     *
     * @return the count.
     */
    public long releaseRefused()
    {
        return releaseRefused.get();
    }

    /**
     * The concluded configuration.
     *
     * @return the context.
     */
    public Context context()
    {
        return context;
    }

    /**
     * Configuration of a {@link SessionTable}: fluent setters, then {@link #conclude()} validates and fills defaults.
     */
    public static final class Context
    {
        /** Default cap on concurrent handshakes. */
        public static final int DEFAULT_MAX_HANDSHAKES = 256;
        /** Default cap on sessions. */
        public static final int DEFAULT_MAX_SESSIONS = 10_000;
        /** Default cap on sessions per IP address. */
        public static final int DEFAULT_MAX_SESSIONS_PER_ADDRESS = 64;
        /** Default handshake timeout. */
        public static final int DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;
        /** Default idle timeout of an established session. */
        public static final int DEFAULT_IDLE_TIMEOUT_MS = 30_000;
        /** Default wait for a fragmented hello's tail. */
        public static final int DEFAULT_HELLO_WAIT_MS = 3_000;
        /** Default datagrams queued per peer. */
        public static final int DEFAULT_QUEUE_CAPACITY = 32;
        /** Default largest datagram accepted from a peer: an Ethernet MTU less the IPv4 and UDP headers. */
        public static final int DEFAULT_RECEIVE_LIMIT = 1500 - 28;
        /** Default largest datagram sent: an Ethernet MTU less the IPv6 and UDP headers, so it fits either family. */
        public static final int DEFAULT_SEND_LIMIT = 1500 - 48;

        private ServerCredentials credentials;
        private VerifiedRequestFactory requestFactory;
        private ThreadFactory threadFactory;
        private int maxHandshakes = DEFAULT_MAX_HANDSHAKES;
        private int maxSessions = DEFAULT_MAX_SESSIONS;
        private int maxSessionsPerAddress = DEFAULT_MAX_SESSIONS_PER_ADDRESS;
        private int handshakeTimeoutMillis = DEFAULT_HANDSHAKE_TIMEOUT_MS;
        private int idleTimeoutMillis = DEFAULT_IDLE_TIMEOUT_MS;
        private int helloWaitMillis = DEFAULT_HELLO_WAIT_MS;
        private int queueCapacity = DEFAULT_QUEUE_CAPACITY;
        private int receiveLimit = DEFAULT_RECEIVE_LIMIT;
        private int sendLimit = DEFAULT_SEND_LIMIT;
        private boolean requireSecureRenegotiation;
        private Consumer<String> failureLog;

        /**
         * Defaults everywhere; credentials must be set.
         */
        public Context()
        {
        }

        /**
         * Validate and fill defaults.
         *
         * @return this.
         * @throws IllegalArgumentException or NullPointerException naming the bad value.
         */
        public Context conclude()
        {
            Objects.requireNonNull(credentials, "credentials must be set: a certificate or a PSK");
            requireRange("maxHandshakes", maxHandshakes, 1, 1_000_000);
            requireRange("maxSessions", maxSessions, 1, 10_000_000);
            requireRange("maxSessionsPerAddress", maxSessionsPerAddress, 1, 10_000_000);
            requireRange("handshakeTimeoutMillis", handshakeTimeoutMillis, 100, 600_000);
            requireRange("idleTimeoutMillis", idleTimeoutMillis, 100, 86_400_000);
            requireRange("helloWaitMillis", helloWaitMillis, 10, handshakeTimeoutMillis);
            requireRange("queueCapacity", queueCapacity, 1, 4096);
            requireRange("receiveLimit", receiveLimit, 256, 65_507);
            requireRange("sendLimit", sendLimit, 256, 65_507);
            if (null == requestFactory)
            {
                requestFactory = new VerifiedRequestFactory();
            }
            if (null == threadFactory)
            {
                threadFactory = Thread.ofVirtual().name("turnstile-session-", 0).factory();
            }
            if (null == failureLog)
            {
                failureLog = System.err::println;
            }
            return this;
        }

        private static void requireRange(final String name, final int value, final int min, final int max)
        {
            if (value < min || value > max)
            {
                throw new IllegalArgumentException(name + " must be " + min + " to " + max + ", got " + value);
            }
        }

        /**
         * What the server proves itself with.
         *
         * @param credentials certificate or PSK.
         * @return this.
         */
        public Context credentials(final ServerCredentials credentials)
        {
            this.credentials = credentials;
            return this;
        }

        /**
         * What the server proves itself with.
         *
         * @return the credentials.
         */
        public ServerCredentials credentials()
        {
            return credentials;
        }

        /**
         * Builds BouncyCastle's requests from verified hellos.
         *
         * @param requestFactory default a new one.
         * @return this.
         */
        public Context requestFactory(final VerifiedRequestFactory requestFactory)
        {
            this.requestFactory = requestFactory;
            return this;
        }

        /**
         * Builds BouncyCastle's requests.
         *
         * @return the factory.
         */
        public VerifiedRequestFactory requestFactory()
        {
            return requestFactory;
        }

        /**
         * Makes the thread each session runs on.
         *
         * @param threadFactory default virtual threads named {@code turnstile-session-N}.
         * @return this.
         */
        public Context threadFactory(final ThreadFactory threadFactory)
        {
            this.threadFactory = threadFactory;
            return this;
        }

        /**
         * Makes session threads.
         *
         * @return the factory.
         */
        public ThreadFactory threadFactory()
        {
            return threadFactory;
        }

        /**
         * Cap on handshakes in progress, server wide.
         *
         * @param maxHandshakes default {@value #DEFAULT_MAX_HANDSHAKES}.
         * @return this.
         */
        public Context maxHandshakes(final int maxHandshakes)
        {
            this.maxHandshakes = maxHandshakes;
            return this;
        }

        /**
         * Cap on handshakes in progress.
         *
         * @return the cap.
         */
        public int maxHandshakes()
        {
            return maxHandshakes;
        }

        /**
         * Cap on sessions, handshaking or established.
         *
         * @param maxSessions default {@value #DEFAULT_MAX_SESSIONS}.
         * @return this.
         */
        public Context maxSessions(final int maxSessions)
        {
            this.maxSessions = maxSessions;
            return this;
        }

        /**
         * Cap on sessions.
         *
         * @return the cap.
         */
        public int maxSessions()
        {
            return maxSessions;
        }

        /**
         * Cap on sessions from one IP address.
         *
         * @param maxSessionsPerAddress default {@value #DEFAULT_MAX_SESSIONS_PER_ADDRESS}.
         * @return this.
         */
        public Context maxSessionsPerAddress(final int maxSessionsPerAddress)
        {
            this.maxSessionsPerAddress = maxSessionsPerAddress;
            return this;
        }

        /**
         * Cap on sessions from one IP address.
         *
         * @return the cap.
         */
        public int maxSessionsPerAddress()
        {
            return maxSessionsPerAddress;
        }

        /**
         * Time from verification to a completed handshake.
         *
         * @param handshakeTimeoutMillis default {@value #DEFAULT_HANDSHAKE_TIMEOUT_MS}.
         * @return this.
         */
        public Context handshakeTimeoutMillis(final int handshakeTimeoutMillis)
        {
            this.handshakeTimeoutMillis = handshakeTimeoutMillis;
            return this;
        }

        /**
         * Time from verification to a completed handshake.
         *
         * @return milliseconds.
         */
        public int handshakeTimeoutMillis()
        {
            return handshakeTimeoutMillis;
        }

        /**
         * Time an established session may receive nothing before it is closed.
         *
         * @param idleTimeoutMillis default {@value #DEFAULT_IDLE_TIMEOUT_MS}.
         * @return this.
         */
        public Context idleTimeoutMillis(final int idleTimeoutMillis)
        {
            this.idleTimeoutMillis = idleTimeoutMillis;
            return this;
        }

        /**
         * Idle timeout.
         *
         * @return milliseconds.
         */
        public int idleTimeoutMillis()
        {
            return idleTimeoutMillis;
        }

        /**
         * Time to wait for the tail fragments of a fragmented verified hello.
         *
         * @param helloWaitMillis default {@value #DEFAULT_HELLO_WAIT_MS}, at most the handshake timeout.
         * @return this.
         */
        public Context helloWaitMillis(final int helloWaitMillis)
        {
            this.helloWaitMillis = helloWaitMillis;
            return this;
        }

        /**
         * Wait for a hello's tail fragments.
         *
         * @return milliseconds.
         */
        public int helloWaitMillis()
        {
            return helloWaitMillis;
        }

        /**
         * Datagrams queued per peer before the worker drops.
         *
         * @param queueCapacity default {@value #DEFAULT_QUEUE_CAPACITY}.
         * @return this.
         */
        public Context queueCapacity(final int queueCapacity)
        {
            this.queueCapacity = queueCapacity;
            return this;
        }

        /**
         * Datagrams queued per peer.
         *
         * @return the capacity.
         */
        public int queueCapacity()
        {
            return queueCapacity;
        }

        /**
         * Largest datagram accepted from a peer; longer ones are dropped by the worker.
         *
         * @param receiveLimit default {@value #DEFAULT_RECEIVE_LIMIT}.
         * @return this.
         */
        public Context receiveLimit(final int receiveLimit)
        {
            this.receiveLimit = receiveLimit;
            return this;
        }

        /**
         * Largest datagram accepted from a peer.
         *
         * @return bytes.
         */
        public int receiveLimit()
        {
            return receiveLimit;
        }

        /**
         * Largest datagram BouncyCastle may send; it fragments handshake messages to fit.
         *
         * @param sendLimit default {@value #DEFAULT_SEND_LIMIT}.
         * @return this.
         */
        public Context sendLimit(final int sendLimit)
        {
            this.sendLimit = sendLimit;
            return this;
        }

        /**
         * Largest datagram sent.
         *
         * @return bytes.
         */
        public int sendLimit()
        {
            return sendLimit;
        }

        /**
         * Refuse clients that send neither TLS_EMPTY_RENEGOTIATION_INFO_SCSV nor renegotiation_info (RFC 5746), as
         * BouncyCastle does by default. Off by default: BouncyCastle's DTLS server never renegotiates, so the
         * indication protects nothing here, and RFC 5746 section 3.6 lets a server continue without it; some clients
         * (Debian's wolfSSL 5.5.4) never send it.
         *
         * @param requireSecureRenegotiation true for the strict rule (handshake_failure); default false.
         * @return this.
         */
        public Context requireSecureRenegotiation(final boolean requireSecureRenegotiation)
        {
            this.requireSecureRenegotiation = requireSecureRenegotiation;
            return this;
        }

        /**
         * Whether clients must indicate secure renegotiation support.
         *
         * @return true for the strict rule.
         */
        public boolean requireSecureRenegotiation()
        {
            return requireSecureRenegotiation;
        }

        /**
         * Where each distinct handshake failure is written once (see {@link HandshakeFailures}).
         *
         * @param failureLog a line sink that must not throw; default {@code System.err::println}.
         * @return this.
         */
        public Context failureLog(final Consumer<String> failureLog)
        {
            this.failureLog = failureLog;
            return this;
        }

        /**
         * Where each distinct handshake failure is written once.
         *
         * @return the sink.
         */
        public Consumer<String> failureLog()
        {
            return failureLog;
        }
    }
}
