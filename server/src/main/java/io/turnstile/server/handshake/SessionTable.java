package io.turnstile.server.handshake;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadFactory;
import java.util.function.Consumer;

/**
 * Every verified peer's {@link PeerSession}, owned by the {@link SessionConductor}: it admits new peers against the
 * caps, finds a peer's session for each of its datagrams without allocating (through a {@link SessionLookup}), and
 * counts how sessions end. Only the conductor thread changes it, so it takes no lock; the getters read
 * {@link SessionCounters} and may be called from any thread.
 * <p>
 * Caps (a refused peer is dropped and counted; nothing is kept for it, so it can only retry through the verifier):
 * <ul>
 *     <li>{@code maxHandshakes}: handshakes in progress at once, server wide. BouncyCastle's handshake is the
 *     expensive part (ECDHE and a signature); this bounds the CPU verified peers can make the server spend.</li>
 *     <li>{@code maxSessionsPerAddress}: sessions (handshaking or established) from one IPv4 address or one IPv6
 *     /64 (a host is routinely given a whole /64), all ports.</li>
 *     <li>{@code maxSessions}: sessions in all; each holds at most {@code queueCapacity} pooled datagrams of
 *     {@code receiveLimit} bytes (plus BouncyCastle's per-connection state, a few KB).</li>
 * </ul>
 * Timeouts: the hello's tail fragments must arrive within {@code helloWaitMillis}; the whole handshake within
 * {@code handshakeTimeoutMillis}; an established session that receives nothing for {@code idleTimeoutMillis} is
 * closed (close_notify sent). The conductor keeps the deadlines and sweeps them every
 * {@value SessionConductor#SWEEP_INTERVAL_MS} ms; the sessions' own bounded waits are a backstop
 * ({@link PeerSession#BACKSTOP_MS} later). When a session ends the conductor removes it here, counts it by {@link PeerSession.End}, and releases
 * its peer through the worker's command queue.
 * <p>
 * Sessions run on virtual threads by default: an established session mostly waits for datagrams, and a platform
 * thread per idle peer would cap sessions at the thread count; the CPU-heavy part is bounded by {@code maxHandshakes}.
 */
public final class SessionTable
{
    /** What admission did with a verified peer. */
    public enum Admission
    {
        /** A session was started. */
        OPENED,
        /** The peer already has a session (through another worker): nothing started. */
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
    private final SessionLookup lookup;
    private final Map<PeerKey, int[]> perAddress = new HashMap<>();
    private final SessionCounters counters = new SessionCounters();
    private final HandshakeFailures failures;
    private final SessionSettings settings;
    private PeerSession[] live = new PeerSession[16];
    private int liveCount;
    private int handshakes;
    private volatile boolean closed;

    /**
     * A table whose sessions are found by their peer's address.
     *
     * @param context configuration, concluded here.
     */
    public SessionTable(final Context context)
    {
        this(context, new AddressSessionLookup());
    }

    /**
     * A table with a lookup of its own choosing.
     *
     * @param context configuration, concluded here.
     * @param lookup  how sessions are found.
     */
    public SessionTable(final Context context, final SessionLookup lookup)
    {
        this.context = context.conclude();
        this.lookup = Objects.requireNonNull(lookup, "lookup must not be null");
        this.failures = new HandshakeFailures(this.context.failureLog());
        this.settings = new SessionSettings(this.context.credentials(), this.context.serverFactory(),
            this.context.sessionHandler(), this.context.requestFactory(),
            this.context.helloWaitMillis(), this.context.handshakeTimeoutMillis(), this.context.idleTimeoutMillis(),
            this.context.requireSecureRenegotiation());
    }

    /**
     * Decide whether a verified peer may have a session (conductor thread); counts the answer, except
     * {@link Admission#OPENED}, which {@link #add} counts.
     *
     * @param peer the peer.
     * @return what to do.
     */
    Admission admit(final PeerKey peer)
    {
        final Admission admission = decide(peer);
        if (admission != Admission.OPENED)
        {
            counters.onAdmission(admission);
        }
        return admission;
    }

    private Admission decide(final PeerKey peer)
    {
        if (closed)
        {
            return Admission.CLOSED;
        }
        if (null != lookup.findByPeer(peer))
        {
            return Admission.DUPLICATE;
        }
        if (lookup.size() >= context.maxSessions())
        {
            return Admission.REFUSED_SESSIONS;
        }
        if (handshakes >= context.maxHandshakes())
        {
            return Admission.REFUSED_HANDSHAKES;
        }
        final int[] count = perAddress.get(peer.addressOnly());
        if (null != count && count[0] >= context.maxSessionsPerAddress())
        {
            return Admission.REFUSED_ADDRESS;
        }
        return Admission.OPENED;
    }

    /**
     * Hold an admitted session (conductor thread).
     *
     * @param session a session {@link #admit} allowed.
     */
    void add(final PeerSession session)
    {
        lookup.add(session);
        if (liveCount == live.length)
        {
            live = java.util.Arrays.copyOf(live, liveCount * 2);
        }
        session.tableIndex = liveCount;
        live[liveCount++] = session;
        perAddress.computeIfAbsent(session.address(), (key) -> new int[1])[0]++;
        handshakes++;
        counters.onAdmission(Admission.OPENED);
        publishGauges();
    }

    /**
     * A session's handshake completed (conductor thread): it no longer counts against the handshake cap.
     *
     * @param session the session, still held.
     */
    void onEstablished(final PeerSession session)
    {
        if (!session.countedEstablished)
        {
            session.countedEstablished = true;
            handshakes--;
            publishGauges();
        }
    }

    /**
     * Forget an ended session and count how it ended (conductor thread).
     *
     * @param session the session.
     * @return false when it was not held (already removed).
     */
    boolean remove(final PeerSession session)
    {
        if (!lookup.remove(session))
        {
            return false;
        }
        // Swap the last live session into this one's slot: the array stays dense, removal is O(1).
        final PeerSession last = live[--liveCount];
        live[session.tableIndex] = last;
        last.tableIndex = session.tableIndex;
        live[liveCount] = null;
        session.tableIndex = -1;
        if (!session.countedEstablished)
        {
            handshakes--;
        }
        final int[] count = perAddress.get(session.address());
        if (null != count && --count[0] == 0)
        {
            perAddress.remove(session.address());
        }
        counters.onEnded(session.end());
        publishGauges();
        return true;
    }

    private void publishGauges()
    {
        counters.gauges(lookup.size(), handshakes, perAddress.size());
    }

    /**
     * The session a datagram belongs to (conductor thread), without allocating.
     *
     * @param probe the peer the datagram came from.
     * @return its session, or null.
     */
    PeerSession session(final PeerKey probe)
    {
        return lookup.findByPeer(probe);
    }

    /**
     * Sessions held, for the conductor's timers (conductor thread).
     *
     * @return the count; {@link #sessionAt} takes 0 to this less one.
     */
    int sessionCount()
    {
        return liveCount;
    }

    /**
     * A held session by position, so the conductor can walk them without an iterator (conductor thread).
     *
     * @param index 0 to {@link #sessionCount()} less one.
     * @return the session.
     */
    PeerSession sessionAt(final int index)
    {
        return live[index];
    }

    /**
     * How sessions are found.
     *
     * @return the lookup.
     */
    SessionLookup lookup()
    {
        return lookup;
    }

    /**
     * Close every session and refuse new ones (conductor thread, when it closes); the sessions end on their threads.
     */
    void close()
    {
        closed = true;
        for (int i = 0; i < liveCount; i++)
        {
            live[i].close();
        }
    }

    /**
     * Whether the table was closed.
     *
     * @return true once closed.
     */
    public boolean isClosed()
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
        return counters.liveSessions();
    }

    /**
     * Handshakes in progress.
     *
     * @return the count.
     */
    public int handshakesInProgress()
    {
        return counters.handshakes();
    }

    /**
     * Peer addresses that have at least one session.
     *
     * @return the count.
     */
    public int liveAddresses()
    {
        return counters.liveAddresses();
    }

    /**
     * How many verified peers admission answered this way.
     *
     * @param admission the answer.
     * @return the count ({@link Admission#OPENED} is sessions created).
     */
    public long admissions(final Admission admission)
    {
        return counters.admissions(admission);
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
        return counters.established();
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
        return counters.ended(end);
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
        return counters.echoed();
    }

    void onEchoed()
    {
        counters.onEchoed();
    }

    void countEstablished()
    {
        counters.onEstablished();
    }

    /**
     * What every session is given of the configuration.
     *
     * @return the settings.
     */
    public SessionSettings settings()
    {
        return settings;
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
        private TlsServerFactory serverFactory;
        private SessionHandler sessionHandler;
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
            if (null == credentials && null == serverFactory)
            {
                throw new NullPointerException(
                    "credentials (a certificate or a PSK) or a serverFactory (the application's own server) must be set");
            }
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
         * The application's own handshake server, made per verified peer, instead of the credentials' echo server.
         *
         * @param serverFactory default null: {@link #credentials()}' server.
         * @return this.
         */
        public Context serverFactory(final TlsServerFactory serverFactory)
        {
            this.serverFactory = serverFactory;
            return this;
        }

        /**
         * The application's own handshake server.
         *
         * @return the factory, or null.
         */
        public TlsServerFactory serverFactory()
        {
            return serverFactory;
        }

        /**
         * What runs once a handshake completes, and is told when one fails.
         *
         * @param sessionHandler default null: the echo loop.
         * @return this.
         */
        public Context sessionHandler(final SessionHandler sessionHandler)
        {
            this.sessionHandler = sessionHandler;
            return this;
        }

        /**
         * What runs once a handshake completes.
         *
         * @return the handler, or null for the echo loop.
         */
        public SessionHandler sessionHandler()
        {
            return sessionHandler;
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
         * Makes the thread each session runs on; the conductor starts it.
         * <p>
         * <b>Note:</b> waking a virtual thread (when a datagram arrives for its session) allocates in the JDK's
         * scheduler on the conductor's thread, a few dozen bytes; platform threads wake without allocating but hold a
         * stack each, so they suit a few busy sessions, virtual threads many mostly idle ones.
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
