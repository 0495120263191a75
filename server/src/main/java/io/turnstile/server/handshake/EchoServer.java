package io.turnstile.server.handshake;

import io.turnstile.nativeio.AcceptedPeers;
import io.turnstile.nativeio.BatchSocket;
import io.turnstile.nativeio.Outbox;
import io.turnstile.nativeio.PeerCommands;
import io.turnstile.nativeio.VerifierAgent;
import io.turnstile.nativeio.VerifierServer;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A DTLS echo server behind the verifier, as a game or VoIP server would embed Turnstile: every verified peer gets a
 * BouncyCastle handshake, then every application-data record it sends comes back to it.
 * <pre>{@code
 * EchoServer echo = new EchoServer(new SessionTable.Context().credentials(ServerCredentials.selfSigned("me")));
 * VerifierServer server = new VerifierServer(new VerifierServer.Context()
 *     .bindAddress(address).port(4433)
 *     .agentConfigurator(echo::configure))     // each worker: AcceptedPeers, Outbox, PeerCommands, HandshakeHandoff
 *     .start();
 * }</pre>
 * Threads and who owns what (Aeron's Receiver / Conductor split):
 * <pre>
 *   worker threads (one per socket)   VerifierAgent + HandshakeHandoff: verify, accept the peer locally, publish
 *                                     VERIFIED records; give an admitted peer's datagrams to its session's queue
 *                                     (the slot the conductor attached); apply PeerCommands; send the Outbox. No
 *                                     lock, no thread started, nothing allocated per datagram.
 *   conductor (one)                   SessionConductor: admission and caps, the session map, session slots, counters,
 *                                     starting session threads, attaching and releasing peers (reliably). Run in the
 *                                     first worker's duty cycle ({@link Threading#SHARED}, the default) or on a
 *                                     thread of its own ({@link Threading#DEDICATED}).
 *   session threads (one per peer)    PeerSession: BouncyCastle's blocking accept and the echo loop, over a
 *                                     PeerTransport fed with pooled buffers; sends go to the worker's Outbox.
 * </pre>
 * Each worker gets its own {@link AcceptedPeers} (sized to the session cap), {@link Outbox} (sized to its socket's
 * slots) and {@link PeerCommands}. The conductor starts with this server; close the echo server after the verifier
 * server.
 */
public final class EchoServer implements AutoCloseable
{
    /** Bytes of each worker's outbox ring: room for several hundred full datagrams in flight. */
    public static final int OUTBOX_CAPACITY_BYTES = 1 << 20;
    /** Bytes of each worker's command ring: 2048 releases at 32 bytes; more wait in the conductor, in order. */
    public static final int COMMANDS_CAPACITY_BYTES = 64 << 10;

    /** Where the session conductor's duty cycle runs. */
    public enum Threading
    {
        /**
         * In the first worker's duty cycle, after its own work (Aeron's shared mode): no thread and no wake-up of its
         * own, so a verified peer's session starts in the same cycle that verified it. The conductor's cycle costs a
         * worker a clock read and two empty-queue checks when idle, plus a deadline sweep over the live sessions
         * every {@value SessionConductor#SWEEP_INTERVAL_MS} ms. A worker you run yourself ({@link #attach}) must then
         * run {@link #conductor()} in its duty cycle.
         */
        SHARED,
        /** On a thread of its own, started with the echo server: for many workers, each on a core of its own. */
        DEDICATED
    }

    private final SessionConductor conductor;
    private final Threading threading;
    private final AgentRunner runner;
    private boolean conductorPlaced;
    private final List<HandshakeHandoff> handoffs = new CopyOnWriteArrayList<>();

    /** System property for the default {@link Threading}: {@code shared} (default) or {@code dedicated}. */
    public static final String THREADING_PROP_NAME = "turnstile.conductor.threading";

    /**
     * An echo server with no workers yet, whose conductor runs where {@value #THREADING_PROP_NAME} says, by default
     * in the first worker ({@link Threading#SHARED}).
     *
     * @param context the sessions' configuration, concluded here.
     */
    public EchoServer(final SessionTable.Context context)
    {
        this(context, threading(System.getProperty(THREADING_PROP_NAME, "shared")));
    }

    private static Threading threading(final String value)
    {
        return switch (value.toLowerCase(Locale.ROOT))
        {
            case "shared" -> Threading.SHARED;
            case "dedicated" -> Threading.DEDICATED;
            default -> throw new IllegalArgumentException(
                THREADING_PROP_NAME + " must be shared or dedicated, got '" + value + "'");
        };
    }

    /**
     * An echo server with no workers yet.
     *
     * @param context   the sessions' configuration, concluded here.
     * @param threading where the conductor runs; with {@link Threading#DEDICATED} its thread starts now.
     */
    public EchoServer(final SessionTable.Context context, final Threading threading)
    {
        this.threading = Objects.requireNonNull(threading, "threading must not be null");
        this.conductor = new SessionConductor(new SessionTable(context), SessionConductor.DEFAULT_RING_BYTES);
        if (threading == Threading.DEDICATED)
        {
            // Spin briefly, then park up to 1 ms: a verified peer waits at most that long for its session to start.
            this.runner = new AgentRunner(new BackoffIdleStrategy(100, 10, TimeUnit.MICROSECONDS.toNanos(1),
                TimeUnit.MILLISECONDS.toNanos(1)), Throwable::printStackTrace, null, conductor);
            AgentRunner.startOnThread(runner, (runnable) ->
            {
                final Thread thread = new Thread(runnable, conductor.roleName());
                thread.setDaemon(true);
                return thread;
            });
        }
        else
        {
            this.runner = null;
        }
    }

    /**
     * A {@link VerifierServer.Context#agentConfigurator} hook: attach this server to one worker's agent.
     *
     * @param workerId     the worker.
     * @param agentContext its agent's configuration, before the agent is built.
     */
    public void configure(final Integer workerId, final VerifierAgent.Context agentContext)
    {
        final SessionTable.Context context = conductor.table().context();
        final int slotBytes = agentContext.slotBytes() > 0 ? agentContext.slotBytes() :
            BatchSocket.Context.DEFAULT_SLOT_BYTES;
        final Outbox outbox = new Outbox(OUTBOX_CAPACITY_BYTES, slotBytes);
        final AcceptedPeers acceptedPeers = new AcceptedPeers(Math.min(AcceptedPeers.MAX_CAPACITY,
            context.maxSessions()));
        final PeerCommands commands = new PeerCommands(COMMANDS_CAPACITY_BYTES);
        final HandshakeHandoff handoff = attach(acceptedPeers, commands, outbox);
        agentContext.acceptedPeers(acceptedPeers).peerHandler(handoff).outbox(outbox).commands(commands)
            .handler(handoff);
        if (threading == Threading.SHARED && placeConductor())
        {
            agentContext.sharedAgent(conductor);
        }
    }

    private synchronized boolean placeConductor()
    {
        final boolean first = !conductorPlaced;
        conductorPlaced = true;
        return first;
    }

    /**
     * Attach a worker of one's own: the hand-off it calls from its duty cycle, which must also drain the commands
     * into the accepted peers and send what the outbox holds (as {@link VerifierAgent} does).
     *
     * @param acceptedPeers the worker's accepted-peer set.
     * @param commands      the worker's command queue.
     * @param outbox        the worker's outbox.
     * @return the worker's hand-off.
     * @throws IllegalArgumentException when the outbox cannot take the sessions' longest datagram.
     */
    public HandshakeHandoff attach(final AcceptedPeers acceptedPeers, final PeerCommands commands, final Outbox outbox)
    {
        final int sendLimit = conductor.table().context().sendLimit();
        if (outbox.maxPayloadLength() < sendLimit)
        {
            throw new IllegalArgumentException("outbox takes payloads up to " + outbox.maxPayloadLength() +
                " bytes, less than the sessions' send limit " + sendLimit);
        }
        final HandoffCounters counters = new HandoffCounters();
        return attach(acceptedPeers, commands, new OutboxOutput(outbox, counters), counters);
    }

    /**
     * Attach a worker that sends some other way (a plain socket in a test).
     *
     * @param acceptedPeers the worker's accepted-peer set.
     * @param commands      the worker's command queue.
     * @param output        where the worker's sessions send.
     * @return the worker's hand-off.
     */
    public HandshakeHandoff attach(final AcceptedPeers acceptedPeers, final PeerCommands commands,
        final PeerOutput output)
    {
        return attach(acceptedPeers, commands, output, null);
    }

    private HandshakeHandoff attach(
        final AcceptedPeers acceptedPeers, final PeerCommands commands, final PeerOutput output,
        final HandoffCounters counters)
    {
        final WorkerLink link = conductor.attach(commands, output, counters);
        final HandshakeHandoff handoff = new HandshakeHandoff(
            link.id(), acceptedPeers, conductor.proxy(), link.counters(), conductor.table(), conductor.slots());
        handoffs.add(handoff);
        return handoff;
    }

    /**
     * The sessions: their counters, read from any thread.
     *
     * @return the table.
     */
    public SessionTable table()
    {
        return conductor.table();
    }

    /**
     * The conductor that owns the sessions.
     *
     * @return the conductor.
     */
    public SessionConductor conductor()
    {
        return conductor;
    }

    /**
     * Each worker's handoff, in the order the workers were configured.
     *
     * @return the handoffs.
     */
    public List<HandshakeHandoff> handoffs()
    {
        return handoffs;
    }

    /**
     * Append the echo counters as a JSON member {@code ,"echo":{..}} to a statistics line.
     *
     * @param sb the line being built.
     */
    public void appendJson(final StringBuilder sb)
    {
        final SessionTable t = conductor.table();
        long peersFull = 0;
        long dropped = 0;
        long orphans = 0;
        long sendRejected = 0;
        for (final HandshakeHandoff handoff : handoffs)
        {
            peersFull += handoff.peersFull();
            dropped += handoff.droppedDatagrams();
            orphans += handoff.orphanDatagrams();
            sendRejected += handoff.sendRejected();
        }
        sb.append(",\"echo\":{\"sessions_live\":").append(t.liveSessions())
            .append(",\"handshakes_in_progress\":").append(t.handshakesInProgress())
            .append(",\"created\":").append(t.created())
            .append(",\"completed\":").append(t.completed())
            .append(",\"failed\":").append(t.failed())
            .append(",\"timed_out\":").append(t.timedOut())
            .append(",\"refused_by_cap\":").append(t.refusedByCap())
            .append(",\"echoed\":").append(t.echoed())
            .append(",\"peers_full\":").append(peersFull)
            .append(",\"peer_datagrams_dropped\":").append(dropped)
            .append(",\"orphan_datagrams\":").append(orphans)
            .append(",\"outbox_rejected\":").append(sendRejected)
            .append(",\"failures\":");
        t.failures().appendJson(sb);
        if (t.context().credentials().config().listener() instanceof EchoSessionReport report)
        {
            report.appendJson(sb);
        }
        sb.append(",\"ends\":{");
        final PeerSession.End[] ends = PeerSession.End.values();
        for (int i = 1; i < ends.length; i++)
        {
            sb.append(i == 1 ? "" : ",").append('"').append(ends[i].name().toLowerCase(Locale.ROOT)).append("\":")
                .append(t.ended(ends[i]));
        }
        sb.append("}}");
    }

    /**
     * Two human lines for the stop summary: the counts, then the handshake failures by cause.
     *
     * @return the lines, no trailing newline.
     */
    public String summary()
    {
        final SessionTable t = conductor.table();
        return String.format(Locale.ROOT,
            "  echo: %d sessions created, %d handshakes completed, %d failed, %d timed out, %d refused by a cap, " +
            "%d records echoed, %d live%n  echo handshake failures by cause: %s", t.created(), t.completed(),
            t.failed(), t.timedOut(), t.refusedByCap(), t.echoed(), t.liveSessions(), t.failures().summary());
    }

    /**
     * Where the conductor runs.
     *
     * @return the threading mode.
     */
    public Threading threading()
    {
        return threading;
    }

    /**
     * Stop the conductor, which closes every session (the workers should be stopped first). In
     * {@link Threading#SHARED} mode the conductor closed with the worker that ran it; this then does nothing.
     */
    @Override
    public void close()
    {
        if (null != runner)
        {
            runner.close();
        }
    }
}
