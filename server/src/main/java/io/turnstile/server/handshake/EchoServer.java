package io.turnstile.server.handshake;

import io.turnstile.nativeio.AcceptedPeers;
import io.turnstile.nativeio.Outbox;
import io.turnstile.nativeio.VerifierAgent;
import io.turnstile.nativeio.VerifierServer;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A DTLS echo server behind the verifier, as a game or VoIP server would embed Turnstile: every verified peer gets a
 * BouncyCastle handshake, then every application-data record it sends comes back to it.
 * <pre>{@code
 * EchoServer echo = new EchoServer(new SessionTable.Context().credentials(ServerCredentials.selfSigned("me")));
 * VerifierServer server = new VerifierServer(new VerifierServer.Context()
 *     .bindAddress(address).port(4433)
 *     .agentConfigurator(echo::configure))     // each worker: AcceptedPeers, Outbox, HandshakeHandoff
 *     .start();
 * }</pre>
 * Each worker gets its own {@link AcceptedPeers} (sized to the session cap) and {@link Outbox}; all share one
 * {@link SessionTable}. Close the echo server after the verifier server.
 */
public final class EchoServer implements AutoCloseable
{
    /** Bytes of each worker's outbox ring: room for several hundred full datagrams in flight. */
    public static final int OUTBOX_CAPACITY_BYTES = 1 << 20;

    private final SessionTable table;
    private final List<HandshakeHandoff> handoffs = new CopyOnWriteArrayList<>();

    /**
     * An echo server with no workers yet.
     *
     * @param context the sessions' configuration, concluded here.
     */
    public EchoServer(final SessionTable.Context context)
    {
        this.table = new SessionTable(context);
    }

    /**
     * A {@link VerifierServer.Context#agentConfigurator} hook: attach this server to one worker's agent.
     *
     * @param workerId     the worker.
     * @param agentContext its agent's configuration, before the agent is built.
     */
    public void configure(final Integer workerId, final VerifierAgent.Context agentContext)
    {
        final AcceptedPeers acceptedPeers =
            new AcceptedPeers(Math.min(AcceptedPeers.MAX_CAPACITY, table.context().maxSessions()));
        final Outbox outbox = new Outbox(OUTBOX_CAPACITY_BYTES);
        final HandshakeHandoff handoff = new HandshakeHandoff(table, acceptedPeers, outbox);
        handoffs.add(handoff);
        agentContext.acceptedPeers(acceptedPeers).peerHandler(handoff).outbox(outbox).handler(handoff);
    }

    /**
     * The shared sessions.
     *
     * @return the table.
     */
    public SessionTable table()
    {
        return table;
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
        final SessionTable t = table;
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
        final SessionTable t = table;
        return String.format(Locale.ROOT,
            "  echo: %d sessions created, %d handshakes completed, %d failed, %d timed out, %d refused by a cap, " +
            "%d records echoed, %d live%n  echo handshake failures by cause: %s", t.created(), t.completed(),
            t.failed(), t.timedOut(), t.refusedByCap(), t.echoed(), t.liveSessions(), t.failures().summary());
    }

    /**
     * Close every session (the workers should be stopped first).
     */
    @Override
    public void close()
    {
        table.close();
    }
}
