package io.turnstile.nativeio;

import io.turnstile.codec.DatagramClass;
import io.turnstile.codec.PeerAddress;
import io.turnstile.verifier.ClientHelloVerifier;
import io.turnstile.verifier.VerifierCounters;
import io.turnstile.verifier.VerifyOutcome;
import org.agrona.LangUtil;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.SystemEpochClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;

import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * One verifier worker: an Agrona {@link Agent} that owns a {@link BatchSocket} and a {@link ClientHelloVerifier}, and
 * in each duty cycle receives a batch, verifies every datagram in place, stages the HelloVerifyRequests straight into
 * send slots and flushes them with one system call.
 * <pre>
 *   doWork():  nowMs = clock.time()            once per batch: cookies need millisecond time, not per packet
 *              n = socket.receive()            recvmmsg: up to batchSize datagrams, 0 on EAGAIN
 *              for each datagram i:
 *                  demux handler and first byte not DTLS (RFC 7983)?
 *                                           -> yes       handed to the {@link DemuxHandler}, counted by class
 *                  source i accepted?       -> yes       handed to the {@link PeerDatagramHandler}, not verified
 *                  verify(slot i, source i) -> REPLY     HVR written into send slot, staged to source i
 *                                           -> VERIFIED  handed to the {@link VerifiedHelloHandler}
 *                                           -> DROP      counted by the verifier
 *              outbox.drain(batchSize)         even when nothing arrived: other threads' datagrams staged
 *              socket.flush()                  sendmmsg: every staged reply
 *              counters += batch totals        one release-add per counter per batch, the verifier's
 *                                              drop reasons and cookie checks included (VerifierCounters.publish)
 *              sharedAgent.doWork()            if one is set (e.g. the session conductor, shared threading mode)
 *              commands.drain(acceptedPeers)   even when nothing arrived: releases and accepts decided elsewhere,
 *                                              applied before the next receive's lookups
 * </pre>
 * A server runs one agent per core, each with its own SO_REUSEPORT socket and verifier, all sharing one
 * {@link io.turnstile.cookie.CookieKeys}; drive it with an {@code AgentRunner} and an idle strategy, or with an
 * {@code AgentInvoker} on a thread of your own (as the tests do).
 * <p>
 * With an {@link AcceptedPeers} set, every datagram's source is looked up first (no allocation): datagrams from a
 * peer the application accepted, typically from its {@link VerifiedHelloHandler}, skip the verifier and go to the
 * {@link PeerDatagramHandler}. With an {@link Outbox}, other threads send through the worker's socket; with
 * {@link PeerCommands}, the thread that owns the peers' sessions releases (or accepts) them. The worker drains at
 * most {@link BatchSocket#batchSize()} messages of each per cycle, so neither can starve the receive side. Without
 * them the cycle is exactly the verifier loop above.
 * <p>
 * With a {@link DemuxHandler} (one port for STUN, DTLS and media, RFC 7983 with RFC 9443's ranges), each datagram's
 * first byte is classified first ({@link DatagramClass}): STUN, ZRTP, TURN channel, QUIC and RTP/RTCP go to the
 * handler, which may answer through the worker's send slots ({@link DatagramReply}); DTLS and the unassigned 4..15
 * go on as without one. Without a handler nothing is classified: such datagrams reach the verifier, which drops and
 * counts them by reason as it always did.
 * <p>
 * <b>Note:</b> the socket is opened in {@link #onStart()} and closed in {@link #onClose()}, on the agent's thread,
 * because {@link MmsgBatchSocket} is confined to the thread that opens it.
 */
public final class VerifierAgent implements Agent
{
    private final Supplier<? extends BatchSocket> sockets;
    private final ClientHelloVerifier verifier;
    private final EpochClock clock;
    private final VerifiedHelloHandler handler;
    private final AcceptedPeers acceptedPeers;
    private final PeerDatagramHandler peerHandler;
    private final Outbox outbox;
    private final PeerCommands commands;
    private final Agent sharedAgent;
    private final DemuxHandler demuxHandler;
    private final DemuxCounters demuxCounters;
    private final long[] demuxed = new long[DatagramClass.values().length];
    private final DatagramReply demuxReply = new DatagramReply();
    private final AtomicCounter[] counters;
    private final VerifierCounters verifierCounters;
    private final int cpu;
    private final String roleName;

    private BatchSocket socket;
    private UnsafeBuffer overflowReply;
    private long publishedSent;
    private long publishedSendFailed;
    private long publishedSendWouldBlock;
    private long publishedReceiveTruncated;
    private long publishedDemuxReplies;
    private long publishedDemuxRefused;

    /**
     * A worker, not yet started.
     *
     * @param context configuration, concluded here.
     */
    public VerifierAgent(final Context context)
    {
        context.conclude();
        this.sockets = context.sockets();
        this.verifier = context.verifier();
        this.clock = context.clock();
        this.handler = context.handler();
        this.acceptedPeers = context.acceptedPeers();
        this.peerHandler = context.peerHandler();
        this.outbox = context.outbox();
        this.commands = context.commands();
        this.sharedAgent = context.sharedAgent();
        this.demuxHandler = context.demuxHandler();
        this.demuxCounters = context.demuxCounters();
        this.counters = context.counters();
        this.verifierCounters = verifier.counters();
        this.cpu = context.cpu();
        this.roleName = "turnstile-verifier-" + context.workerId();
    }

    /**
     * Pin the thread if asked, then open the socket on it.
     *
     * @throws NativeIoException when pinning or opening the socket fails.
     */
    @Override
    public void onStart()
    {
        if (cpu >= 0 && LibC.isAvailable())
        {
            final int errno = LibC.pinCurrentThread(cpu);
            if (errno != 0)
            {
                throw new NativeIoException("sched_setaffinity cpu " + cpu, errno);
            }
        }
        socket = Objects.requireNonNull(sockets.get(), "socket factory returned null");
        if (null != outbox && outbox.maxPayloadLength() > socket.slotBytes())
        {
            socket.close();
            throw new IllegalStateException("outbox takes payloads up to " + outbox.maxPayloadLength() +
                " bytes but the socket's slots are " + socket.slotBytes() + ": build it with new Outbox(capacity, " +
                socket.slotBytes() + ")");
        }
        overflowReply = new UnsafeBuffer(ByteBuffer.allocateDirect(socket.slotBytes()));
        if (null != sharedAgent)
        {
            sharedAgent.onStart();
        }
    }

    /**
     * One duty cycle.
     *
     * @return datagrams received, plus outbox messages taken, plus datagrams sent: 0 tells the idle strategy there
     *         was nothing to do.
     */
    @Override
    public int doWork()
    {
        int work = receiveVerifyAndSend();
        final Agent sharedAgent = this.sharedAgent;
        if (null != sharedAgent)
        {
            try
            {
                work += sharedAgent.doWork();
            }
            catch (final Exception ex)
            {
                // To the runner's error handler, as the worker's own failures go.
                LangUtil.rethrowUnchecked(ex);
            }
        }
        final PeerCommands commands = this.commands;
        // Last in the cycle, so a release takes effect before the next receive's lookups.
        return null == commands ? work : work + commands.drain(acceptedPeers, socket.batchSize());
    }

    /**
     * The receive, verify and send part of the cycle. A method of its own, kept out of {@link #doWork()} by
     * {@link LibC#JIT_FLAGS} ({@code dontinline}), so the JIT compiles it on its own budget: the command queue's and a
     * shared agent's code cannot crowd out the escape analysis that keeps the FFM calls of the receive and flush
     * paths allocation-free.
     */
    private int receiveVerifyAndSend()
    {
        final BatchSocket socket = this.socket;
        final int received = socket.receive();
        if (received == 0)
        {
            final int drained = null == outbox ? 0 : drainOutbox(socket);
            if (socket.sendQueued() == 0)
            {
                return drained;
            }
            // Replies left queued by an earlier EAGAIN go out as soon as the kernel has room; the socket's
            // EAGAIN and refusal counts are published now, not at the next datagram, which may be long coming.
            final int sent = socket.flush();
            publish(0, 0, 0, 0, 0);
            return drained + sent;
        }

        final ClientHelloVerifier verifier = this.verifier;
        final long nowMs = clock.time();
        final int slotBytes = socket.slotBytes();
        int verified = 0;
        int replies = 0;
        int dropped = 0;
        int queueFull = 0;
        int peerDatagrams = 0;
        final AcceptedPeers acceptedPeers = this.acceptedPeers;
        final DemuxHandler demuxHandler = this.demuxHandler;
        for (int i = 0; i < received; i++)
        {
            final ReceivedDatagram datagram = socket.received(i);
            if (null != demuxHandler && demultiplex(demuxHandler, socket, datagram, i))
            {
                continue;
            }
            final PeerAddress peer = datagram.peer();
            final int value = null == acceptedPeers ? AcceptedPeers.ABSENT : acceptedPeers.valueOf(peer);
            if (value != AcceptedPeers.ABSENT)
            {
                peerDatagrams++;
                peerHandler.onPeerDatagram(datagram.buffer(), datagram.length(), peer, value);
                continue;
            }
            int slot = socket.nextSendSlot();
            if (slot < 0)
            {
                socket.flush();
                slot = socket.nextSendSlot();
            }
            final UnsafeBuffer reply = slot < 0 ? overflowReply : socket.sendBuffer(slot);
            final VerifyOutcome outcome =
                verifier.verify(datagram.buffer(), 0, datagram.length(), peer, nowMs, reply, 0, slotBytes);
            if (outcome == VerifyOutcome.REPLY)
            {
                if (slot < 0)
                {
                    queueFull++;
                }
                else
                {
                    socket.stageReply(slot, verifier.replyLength(), i);
                    replies++;
                }
            }
            else if (outcome == VerifyOutcome.VERIFIED)
            {
                verified++;
                handler.onVerified(datagram.buffer(), datagram.length(), peer, verifier);
            }
            else
            {
                dropped++;
            }
        }
        if (peerDatagrams > 0)
        {
            counters[WorkerCounter.PEER_DATAGRAMS.ordinal()].getAndAddRelease(peerDatagrams);
        }
        final int drained = null == outbox ? 0 : drainOutbox(socket);
        final int sent = socket.flush();
        publish(received, verified, replies, dropped, queueFull);
        return received + drained + sent;
    }

    /**
     * RFC 7983 / RFC 9443: one byte decides; everything but DTLS and the unassigned range is the handler's.
     */
    private boolean demultiplex(
        final DemuxHandler demuxHandler, final BatchSocket socket, final ReceivedDatagram datagram, final int index)
    {
        final int length = datagram.length();
        if (length == 0)
        {
            return false;
        }
        final DirectBuffer buffer = datagram.buffer();
        final DatagramClass type = DatagramClass.of(buffer.getByte(0));
        if (type == DatagramClass.DTLS || type == DatagramClass.UNASSIGNED)
        {
            return false;
        }
        demuxed[type.ordinal()]++;
        demuxReply.wrap(socket, index);
        demuxHandler.onDatagram(type, buffer, length, datagram.peer(), demuxReply);
        return true;
    }

    private int drainOutbox(final BatchSocket socket)
    {
        final Outbox outbox = this.outbox;
        final int drained = outbox.drain(socket, socket.batchSize());
        add(counters[WorkerCounter.OUTBOX_SENT.ordinal()], outbox.lastDrainSent());
        return drained;
    }

    private void publish(final int received, final int verified, final int replies, final int dropped, final int full)
    {
        final AtomicCounter[] counters = this.counters;
        if (received > 0)
        {
            counters[WorkerCounter.RECEIVED.ordinal()].getAndAddRelease(received);
            counters[WorkerCounter.BATCHES.ordinal()].getAndAddRelease(1);
        }
        add(counters[WorkerCounter.VERIFIED.ordinal()], verified);
        add(counters[WorkerCounter.REPLIES.ordinal()], replies);
        add(counters[WorkerCounter.DROPPED.ordinal()], dropped);
        add(counters[WorkerCounter.REPLY_QUEUE_FULL.ordinal()], full);

        final BatchSocket socket = this.socket;
        final long sent = socket.sent();
        add(counters[WorkerCounter.SENT.ordinal()], sent - publishedSent);
        publishedSent = sent;
        final long sendFailed = socket.sendFailed();
        add(counters[WorkerCounter.SEND_FAILED.ordinal()], sendFailed - publishedSendFailed);
        publishedSendFailed = sendFailed;
        final long sendWouldBlock = socket.sendWouldBlock();
        add(counters[WorkerCounter.SEND_WOULD_BLOCK.ordinal()], sendWouldBlock - publishedSendWouldBlock);
        publishedSendWouldBlock = sendWouldBlock;
        final long receiveTruncated = socket.receiveTruncated();
        add(counters[WorkerCounter.RECEIVE_TRUNCATED.ordinal()], receiveTruncated - publishedReceiveTruncated);
        publishedReceiveTruncated = receiveTruncated;

        // The verifier counted this batch in plain fields; published counters get it now, in one add each.
        verifierCounters.publish();
        if (null != demuxCounters)
        {
            final long demuxReplies = demuxReply.sent();
            final long demuxRefused = demuxReply.refused();
            demuxCounters.add(demuxed, demuxReplies - publishedDemuxReplies, demuxRefused - publishedDemuxRefused);
            publishedDemuxReplies = demuxReplies;
            publishedDemuxRefused = demuxRefused;
        }
    }

    private static void add(final AtomicCounter counter, final long delta)
    {
        if (delta != 0)
        {
            counter.getAndAddRelease(delta);
        }
    }

    /**
     * Wait until the socket has something to receive, for an idle strategy that sleeps in the kernel
     * ({@link SocketIdleStrategy}); on the agent's thread, between duty cycles.
     * <p>
     * Returns at once, after a spin hint, while replies are queued but not yet sent (the kernel had no room): those
     * are flushed by the next duty cycle, not after a timeout. Before the socket is open it parks for the timeout.
     *
     * @param timeoutMs how long to wait at most, milliseconds.
     */
    public void awaitWork(final int timeoutMs)
    {
        final BatchSocket socket = this.socket;
        if (null == socket)
        {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(timeoutMs));
        }
        else if (socket.sendQueued() > 0)
        {
            Thread.onSpinWait();
        }
        else
        {
            socket.awaitReceive(timeoutMs);
        }
    }

    /**
     * Close the socket on the agent's thread; replies still queued are discarded.
     */
    @Override
    public void onClose()
    {
        try
        {
            if (null != sharedAgent)
            {
                sharedAgent.onClose();
            }
        }
        finally
        {
            if (null != socket)
            {
                socket.close();
            }
        }
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public String roleName()
    {
        return roleName;
    }

    /**
     * The socket, once {@link #onStart()} has opened it: to learn an ephemeral port.
     *
     * @return the socket, or null before start.
     */
    public BatchSocket socket()
    {
        return socket;
    }

    /**
     * Configuration of a {@link VerifierAgent}: fluent setters, then {@link #conclude()} validates and fills defaults.
     */
    public static final class Context
    {
        private int workerId;
        private Supplier<? extends BatchSocket> sockets;
        private ClientHelloVerifier verifier;
        private AtomicCounter[] counters;
        private EpochClock clock;
        private VerifiedHelloHandler handler;
        private AcceptedPeers acceptedPeers;
        private PeerDatagramHandler peerHandler;
        private Outbox outbox;
        private PeerCommands commands;
        private Agent sharedAgent;
        private int slotBytes;
        private DemuxHandler demuxHandler;
        private DemuxCounters demuxCounters;
        private int cpu = -1;

        /**
         * Nothing set: the socket factory, verifier and counters must be before {@link #conclude()}.
         */
        public Context()
        {
        }

        /**
         * Validate and fill defaults.
         *
         * @return this.
         * @throws IllegalArgumentException or NullPointerException naming what is missing or wrong.
         */
        public Context conclude()
        {
            Objects.requireNonNull(sockets, "sockets (a BatchSocket factory) must be set");
            Objects.requireNonNull(verifier, "verifier must be set: one per worker, all sharing one CookieKeys");
            Objects.requireNonNull(counters, "counters must be set: WorkerCounter.allocate(countersManager, id)");
            if (counters.length != WorkerCounter.values().length)
            {
                throw new IllegalArgumentException("counters must hold one AtomicCounter per WorkerCounter, got " +
                    counters.length);
            }
            if (workerId < 0)
            {
                throw new IllegalArgumentException("workerId must be 0 or more, got " + workerId);
            }
            if (cpu < -1 || cpu >= LibC.CPU_SET_BYTES * 8)
            {
                throw new IllegalArgumentException("cpu must be -1 (no pinning) to 1023, got " + cpu);
            }
            if (null == clock)
            {
                clock = SystemEpochClock.INSTANCE;
            }
            if (null == handler)
            {
                handler = VerifiedHelloHandler.NONE;
            }
            if (null != demuxHandler && null == demuxCounters)
            {
                throw new IllegalArgumentException("demuxCounters must be set with a demuxHandler: " +
                    "DemuxCounters.allocate(countersManager, workerId) (VerifierServer does it)");
            }
            if ((null == acceptedPeers) != (null == peerHandler))
            {
                throw new IllegalArgumentException("acceptedPeers and peerHandler go together: acceptedPeers=" +
                    acceptedPeers + ", peerHandler=" + peerHandler);
            }
            if (null != commands && null == acceptedPeers)
            {
                throw new IllegalArgumentException("commands change the worker's acceptedPeers: set both");
            }
            if (null != outbox && slotBytes > 0 && outbox.maxPayloadLength() > slotBytes)
            {
                // Caught here, where the server is built, not in onStart() on the worker's thread after start().
                throw new IllegalArgumentException("outbox takes payloads up to " + outbox.maxPayloadLength() +
                    " bytes but the socket's slots are " + slotBytes + ": build it with new Outbox(capacity, " +
                    slotBytes + ")");
            }
            return this;
        }

        /**
         * Which worker this is, for its role name and counter labels.
         *
         * @param workerId 0 or more; default 0.
         * @return this.
         */
        public Context workerId(final int workerId)
        {
            this.workerId = workerId;
            return this;
        }

        /**
         * Which worker this is.
         *
         * @return the id.
         */
        public int workerId()
        {
            return workerId;
        }

        /**
         * Opens the worker's socket on the agent's thread, e.g. {@code () -> BatchSockets.open(context)}.
         *
         * @param sockets factory called once in {@link VerifierAgent#onStart()}.
         * @return this.
         */
        public Context sockets(final Supplier<? extends BatchSocket> sockets)
        {
            this.sockets = sockets;
            return this;
        }

        /**
         * Opens the worker's socket.
         *
         * @return the factory.
         */
        public Supplier<? extends BatchSocket> sockets()
        {
            return sockets;
        }

        /**
         * The worker's own verifier: verifiers are not thread safe. Its {@link VerifierCounters} are published once
         * per batch: give it counters in the server's {@code CountersManager}
         * ({@code new VerifierCounters(countersManager, workerId)}) for another thread or process to read them.
         *
         * @param verifier used only by this worker.
         * @return this.
         */
        public Context verifier(final ClientHelloVerifier verifier)
        {
            this.verifier = verifier;
            return this;
        }

        /**
         * The worker's verifier.
         *
         * @return the verifier.
         */
        public ClientHelloVerifier verifier()
        {
            return verifier;
        }

        /**
         * Counters the worker adds its batch totals to.
         *
         * @param counters from {@link WorkerCounter#allocate}.
         * @return this.
         */
        public Context counters(final AtomicCounter[] counters)
        {
            this.counters = counters;
            return this;
        }

        /**
         * Counters the worker adds to.
         *
         * @return one per {@link WorkerCounter}, by ordinal.
         */
        public AtomicCounter[] counters()
        {
            return counters;
        }

        /**
         * Epoch-millisecond clock for cookie timestamps, read once per batch.
         *
         * @param clock default {@link SystemEpochClock}.
         * @return this.
         */
        public Context clock(final EpochClock clock)
        {
            this.clock = clock;
            return this;
        }

        /**
         * Epoch-millisecond clock.
         *
         * @return the clock.
         */
        public EpochClock clock()
        {
            return clock;
        }

        /**
         * Told of every verified hello.
         *
         * @param handler default {@link VerifiedHelloHandler#NONE}.
         * @return this.
         */
        public Context handler(final VerifiedHelloHandler handler)
        {
            this.handler = handler;
            return this;
        }

        /**
         * Told of every verified hello.
         *
         * @return the handler.
         */
        public VerifiedHelloHandler handler()
        {
            return handler;
        }

        /**
         * The peers whose datagrams bypass the verifier and go to the {@link #peerHandler(PeerDatagramHandler)}.
         *
         * @param acceptedPeers used only by this worker; default null, every datagram is verified.
         * @return this.
         */
        public Context acceptedPeers(final AcceptedPeers acceptedPeers)
        {
            this.acceptedPeers = acceptedPeers;
            return this;
        }

        /**
         * The peers whose datagrams bypass the verifier.
         *
         * @return the set, or null.
         */
        public AcceptedPeers acceptedPeers()
        {
            return acceptedPeers;
        }

        /**
         * Told of every datagram from an accepted peer; required with {@link #acceptedPeers(AcceptedPeers)}.
         *
         * @param peerHandler default null.
         * @return this.
         */
        public Context peerHandler(final PeerDatagramHandler peerHandler)
        {
            this.peerHandler = peerHandler;
            return this;
        }

        /**
         * Told of every datagram from an accepted peer.
         *
         * @return the handler, or null.
         */
        public PeerDatagramHandler peerHandler()
        {
            return peerHandler;
        }

        /**
         * Datagrams to send and peers to release, offered by other threads and drained by this worker each cycle.
         *
         * @param outbox drained only by this worker, its payload limit within the socket's slot size; default null.
         * @return this.
         */
        public Context outbox(final Outbox outbox)
        {
            this.outbox = outbox;
            return this;
        }

        /**
         * Datagrams to send and peers to release.
         *
         * @return the outbox, or null.
         */
        public Outbox outbox()
        {
            return outbox;
        }

        /**
         * Commands from the thread that owns the accepted peers' sessions: release or accept a peer.
         *
         * @param commands drained only by this worker, applied to its {@link #acceptedPeers()}; default null.
         * @return this.
         */
        public Context commands(final PeerCommands commands)
        {
            this.commands = commands;
            return this;
        }

        /**
         * The application's handler of datagrams that are not DTLS on a shared port (RFC 7983, RFC 9443).
         *
         * @param demuxHandler default null: nothing is classified, every datagram goes the verifier's way.
         * @return this.
         */
        public Context demuxHandler(final DemuxHandler demuxHandler)
        {
            this.demuxHandler = demuxHandler;
            return this;
        }

        /**
         * Commands that change the accepted peers.
         *
         * @return the queue, or null.
         */
        public PeerCommands commands()
        {
            return commands;
        }

        /**
         * Another agent whose duty cycle this worker runs after its own, as Aeron's shared threading mode runs the
         * conductor with the receiver: e.g. the session conductor, which then costs no thread and no wake-up of its
         * own. Its {@code onStart} and {@code onClose} run with this agent's, on the worker's thread.
         *
         * @param sharedAgent run by this worker only; default null.
         * @return this.
         */
        public Context sharedAgent(final Agent sharedAgent)
        {
            this.sharedAgent = sharedAgent;
            return this;
        }

        /**
         * The demultiplexing handler.
         *
         * @return the handler, or null.
         */
        public DemuxHandler demuxHandler()
        {
            return demuxHandler;
        }

        /**
         * Where the demultiplexed datagrams and replies are counted; required with a handler.
         *
         * @param demuxCounters from {@link DemuxCounters#allocate}; {@link VerifierServer} allocates them itself.
         * @return this.
         */
        public Context demuxCounters(final DemuxCounters demuxCounters)
        {
            this.demuxCounters = demuxCounters;
            return this;
        }

        /**
         * The agent this worker runs in its duty cycle besides its own work.
         *
         * @return the agent, or null.
         */
        public Agent sharedAgent()
        {
            return sharedAgent;
        }

        /**
         * Slot size of the socket the factory will open, when the builder knows it: {@link #conclude()} then refuses
         * an {@link Outbox} whose payloads do not fit, before anything starts.
         *
         * @param slotBytes 0 (default) when unknown: checked in {@link VerifierAgent#onStart()} instead.
         * @return this.
         */
        public Context slotBytes(final int slotBytes)
        {
            this.slotBytes = slotBytes;
            return this;
        }

        /**
         * Slot size of the socket the factory opens.
         *
         * @return bytes, or 0 when unknown.
         */
        public int slotBytes()
        {
            return slotBytes;
        }

        /**
         * The demultiplexer's counters.
         *
         * @return the counters, or null.
         */
        public DemuxCounters demuxCounters()
        {
            return demuxCounters;
        }

        /**
         * CPU to pin the worker's thread to in {@link VerifierAgent#onStart()} (Linux only; ignored elsewhere).
         *
         * @param cpu -1 for no pinning (default), else 0 to 1023.
         * @return this.
         */
        public Context cpu(final int cpu)
        {
            this.cpu = cpu;
            return this;
        }

        /**
         * CPU to pin to.
         *
         * @return -1 for none.
         */
        public int cpu()
        {
            return cpu;
        }
    }
}
