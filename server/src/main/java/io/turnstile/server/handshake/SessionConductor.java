package io.turnstile.server.handshake;

import io.turnstile.codec.PeerAddress;
import io.turnstile.nativeio.PeerCommands;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.SystemEpochClock;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.ManyToOneConcurrentLinkedQueue;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * The one agent that owns sessions, in the manner of Aeron's {@code DriverConductor}: it admits verified peers, holds
 * the {@link SessionTable} (the session map, the caps, the counters) and the {@link SessionSlots}, starts each
 * session's thread and releases peers when sessions end. Nothing else changes the table, so nothing locks. It sits
 * beside the datagram path, not on it: once a session is admitted, its worker hands the peer's datagrams to the
 * session's queue itself, through the slot the conductor attached to the peer.
 * <pre>
 *  worker threads (VerifierAgent + HandshakeHandoff)                 session threads (PeerSession, BouncyCastle)
 *    |  VERIFIED records, DATAGRAM records only    ---- datagrams ---&gt; ^ (the fast path: the worker's lookup of the
 *    |  until the worker knows the session's slot                      | peer gives the slot, the slot the transport)
 *    v  ManyToOneRingBuffer (SessionConductorProxy)                    |                     |  events: established,
 *  +-----------------------------------------------------------------------------------------v----- echoed, ended --+
 *  | SessionConductor.doWork(): read the ring -&gt; admit (caps) -&gt; new session, claim a slot, start its thread   |
 *  |                                         -&gt; find the session (SessionLookup) -&gt; offer the early datagram   |
 *  |                            apply session events (ManyToOneConcurrentLinkedQueue) -&gt; count, remove, free slot |
 *  |                            ATTACH (peer, slot) and RELEASE (peer) -&gt; the worker's PeerCommands (kept if full)|
 *  |                            every 10 ms: heard-from marks, hello-wait, handshake and idle deadlines -&gt; expire |
 *  +-----------------------------------------------------------------------------------------------------------------+
 * </pre>
 * BouncyCastle's {@code DTLSServerProtocol.accept} blocks, so each session keeps a thread of its own (a virtual thread
 * by default), made by the conductor from {@link SessionTable.Context#threadFactory()}.
 * <p>
 * <b>Note:</b> run by one thread: in a worker's duty cycle ({@link EchoServer.Threading#SHARED}), by an
 * {@code AgentRunner} of its own, or by an {@code AgentInvoker}; workers are attached before they start.
 */
public final class SessionConductor implements Agent, SessionEvents
{
    /** Default size of the ring from the workers: several hundred full datagrams. */
    public static final int DEFAULT_RING_BYTES = 4 << 20;
    /** Records read from the ring per duty cycle, so events and releases are never starved. */
    public static final int READ_LIMIT = 256;
    /** How often the hello, handshake and idle deadlines are checked. */
    public static final int SWEEP_INTERVAL_MS = 10;

    private final SessionTable table;
    private final SessionTable.Context context;
    private final ManyToOneRingBuffer ring;
    private final ManyToOneConcurrentLinkedQueue<PeerSession> events = new ManyToOneConcurrentLinkedQueue<>();
    private final DatagramPool pool;
    private final SessionSlots slots;
    private final MessageHandler reader = this::onRecord;
    private final PeerAddress recordPeer = new PeerAddress();
    private final PeerKey probe = new PeerKey();
    private final UnsafeBuffer datagramView = new UnsafeBuffer(new byte[0]);
    private final EpochClock clock;
    private volatile WorkerLink[] workers = new WorkerLink[0];
    private long nowMs;
    private long nextSweepMs;

    /**
     * A conductor with a new, empty table.
     *
     * @param table     the table it owns from now on.
     * @param ringBytes size of the ring from the workers, a power of two.
     */
    public SessionConductor(final SessionTable table, final int ringBytes)
    {
        this(table, ringBytes, SystemEpochClock.INSTANCE);
    }

    /**
     * A conductor with a clock of one's choosing.
     *
     * @param table     the table it owns from now on.
     * @param ringBytes size of the ring from the workers, a power of two.
     * @param clock     read once per duty cycle, for the deadlines.
     */
    public SessionConductor(final SessionTable table, final int ringBytes, final EpochClock clock)
    {
        this.clock = Objects.requireNonNull(clock, "clock must not be null");
        this.table = Objects.requireNonNull(table, "table must not be null");
        this.context = table.context();
        this.ring = new ManyToOneRingBuffer(new UnsafeBuffer(
            ByteBuffer.allocateDirect(ringBytes + RingBufferDescriptor.TRAILER_LENGTH)));
        this.pool = new DatagramPool(context.receiveLimit(),
            (int)Math.min(1 << 16, (long)context.maxSessions() * context.queueCapacity()));
        this.slots = new SessionSlots(context.maxSessions());
    }

    /**
     * Attach a worker: its command queue and its output (before the worker starts; any thread).
     *
     * @param commands the worker's command queue.
     * @param output   where the worker's sessions send.
     * @return the worker's link, whose id its records carry.
     */
    public WorkerLink attach(final PeerCommands commands, final PeerOutput output)
    {
        return attach(commands, output, null);
    }

    /**
     * Attach a worker whose output already counts into the given counters.
     *
     * @param commands the worker's command queue.
     * @param output   where the worker's sessions send.
     * @param counters the worker's counters, or null for new ones.
     * @return the worker's link.
     */
    public synchronized WorkerLink attach(
        final PeerCommands commands, final PeerOutput output, final HandoffCounters counters)
    {
        final WorkerLink[] old = workers;
        final WorkerLink link = new WorkerLink(
            old.length, commands, output, null == counters ? new HandoffCounters() : counters);
        final WorkerLink[] grown = Arrays.copyOf(old, old.length + 1);
        grown[old.length] = link;
        workers = grown;
        return link;
    }

    /**
     * A proxy the workers publish through (any number of them may share one).
     *
     * @return a new proxy over this conductor's ring.
     */
    public SessionConductorProxy proxy()
    {
        return new SessionConductorProxy(ring);
    }

    /**
     * One duty cycle: releases kept from earlier cycles, then the workers' records, then the sessions' events.
     *
     * @return work done: 0 tells the idle strategy there was nothing.
     */
    @Override
    public int doWork()
    {
        int work = 0;
        nowMs = clock.time();
        final WorkerLink[] workers = this.workers;
        for (final WorkerLink worker : workers)
        {
            work += worker.retryPending();
        }
        int read = ring.read(reader, READ_LIMIT);
        if (read < READ_LIMIT)
        {
            // One read stops at the end of the ring's buffer; what wrapped round to the start is the second read's.
            read += ring.read(reader, READ_LIMIT - read);
        }
        work += read;
        PeerSession session;
        while (null != (session = events.poll()))
        {
            work++;
            applyEvent(session);
        }
        if (nowMs >= nextSweepMs)
        {
            nextSweepMs = nowMs + SWEEP_INTERVAL_MS;
            work += sweep(nowMs);
        }
        return work;
    }

    /**
     * Expire every session whose deadline for its present phase has passed: the hello wait and the handshake
     * timeout count from admission, the idle timeout from the last datagram delivered (or the handshake's end).
     */
    private int sweep(final long nowMs)
    {
        final SessionTable table = this.table;
        final SessionTable.Context context = this.context;
        int expired = 0;
        for (int i = 0, n = table.sessionCount(); i < n; i++)
        {
            final PeerSession session = table.sessionAt(i);
            final PeerTransport transport = session.transport();
            final int phase = transport.phase();
            final long offered = transport.offered();
            if (offered != session.offeredAtSweep)
            {
                // Delivered by the worker straight to the transport since the last sweep: heard from.
                session.offeredAtSweep = offered;
                session.lastHeardMs = nowMs;
            }
            if (phase == session.expiredPhase)
            {
                continue;
            }
            final boolean due = switch (phase)
            {
                case PeerTransport.ASSEMBLING -> nowMs - session.createdMs() >= context.helloWaitMillis();
                case PeerTransport.HANDSHAKING -> nowMs - session.createdMs() >= context.handshakeTimeoutMillis();
                default -> nowMs - Math.max(session.lastHeardMs, session.createdMs()) >= context.idleTimeoutMillis();
            };
            if (due)
            {
                session.expiredPhase = phase;
                transport.expire(phase);
                expired++;
            }
        }
        return expired;
    }

    private void onRecord(final int type, final MutableDirectBuffer buffer, final int index, final int length)
    {
        final WorkerLink worker = workers[buffer.getInt(index + SessionConductorProxy.WORKER_OFFSET,
            ByteOrder.LITTLE_ENDIAN)];
        final PeerAddress peer = recordPeer.wrap(buffer, index + SessionConductorProxy.PEER_OFFSET);
        if (type == SessionConductorProxy.VERIFIED)
        {
            onVerified(worker, peer, buffer, index, length);
        }
        else
        {
            final int offset = index + SessionConductorProxy.DATAGRAM_OFFSET;
            final int datagramLength = length - SessionConductorProxy.DATAGRAM_OFFSET;
            final PeerSession session = table.lookup().find(peer, buffer, offset, datagramLength);
            if (null == session || session.worker() != worker.id())
            {
                // Its session just ended and the release is on its way (or the peer's session is another worker's).
                worker.counters().onOrphan();
            }
            else
            {
                session.lastHeardMs = nowMs;
                if (!session.transport().offer(buffer, offset, datagramLength))
                {
                    worker.counters().onQueueFull();
                }
            }
        }
    }

    private void onVerified(
        final WorkerLink worker, final PeerAddress peer, final MutableDirectBuffer buffer, final int index,
        final int length)
    {
        probe.set(peer);
        final SessionTable.Admission admission = table.admit(probe);
        if (admission != SessionTable.Admission.OPENED)
        {
            worker.counters().onRefused();
            worker.release(peer);
            return;
        }
        final int datagramLength = length - SessionConductorProxy.VERIFIED_DATAGRAM_OFFSET;
        final byte[] first = new byte[datagramLength];
        buffer.getBytes(index + SessionConductorProxy.VERIFIED_DATAGRAM_OFFSET, first);
        final PeerKey key = probe.copy();
        final PeerTransport transport = new PeerTransport(key, worker.output(), context.queueCapacity(),
            context.receiveLimit(), context.sendLimit(), pool);
        final PeerSession session = new PeerSession(key, worker.id(), transport, first,
            buffer.getLong(index + SessionConductorProxy.RECORD_SEQUENCE_OFFSET, ByteOrder.LITTLE_ENDIAN),
            buffer.getInt(index + SessionConductorProxy.MESSAGE_SEQ_OFFSET, ByteOrder.LITTLE_ENDIAN),
            table.settings(), table.failures(), this);
        table.add(session);
        session.slot = slots.claim(transport);
        if (session.slot >= 0)
        {
            // From now on the worker gives this peer's datagrams to the transport itself.
            worker.attach(peer, session.slot);
        }
        context.threadFactory().newThread(session).start();
    }

    private void applyEvent(final PeerSession session)
    {
        if (session.isEstablished() && !session.countedEstablished)
        {
            // The idle timeout counts from the end of the handshake until the first datagram after it.
            session.lastHeardMs = nowMs;
            table.onEstablished(session);
        }
        if (session.end() != PeerSession.End.NONE && table.remove(session))
        {
            workers[session.worker()].release(session.peer().peer());
            slots.free(session.slot);
            session.slot = -1;
        }
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void onEstablished(final PeerSession session)
    {
        table.countEstablished();
        events.offer(session);
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void onEchoed(final PeerSession session)
    {
        table.onEchoed();
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void onEnded(final PeerSession session)
    {
        events.offer(session);
    }

    /**
     * Close every session and refuse new peers, on the conductor's thread as its runner stops.
     */
    @Override
    public void onClose()
    {
        table.close();
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public String roleName()
    {
        return "turnstile-session-conductor";
    }

    /**
     * The table this conductor owns; read its counters from any thread.
     *
     * @return the table.
     */
    public SessionTable table()
    {
        return table;
    }

    /**
     * The buffers that carry datagrams to sessions.
     *
     * @return the pool.
     */
    public DatagramPool pool()
    {
        return pool;
    }

    /**
     * The live sessions' transports by slot, which the workers deliver to directly.
     *
     * @return the slots.
     */
    public SessionSlots slots()
    {
        return slots;
    }

    /**
     * Every attached worker's link, in the order attached.
     *
     * @return the links.
     */
    public WorkerLink[] workers()
    {
        return workers.clone();
    }
}
