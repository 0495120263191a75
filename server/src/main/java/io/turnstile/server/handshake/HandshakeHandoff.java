package io.turnstile.server.handshake;

import io.turnstile.codec.PeerAddress;
import io.turnstile.nativeio.AcceptedPeers;
import io.turnstile.nativeio.Outbox;
import io.turnstile.nativeio.PeerDatagramHandler;
import io.turnstile.nativeio.VerifiedHelloHandler;
import io.turnstile.verifier.ClientHelloVerifier;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One worker's bridge from the verifier to BouncyCastle: attach it to a {@code VerifierAgent} as its
 * {@link VerifiedHelloHandler} and {@link PeerDatagramHandler}, with the same {@link AcceptedPeers} and
 * {@link Outbox}.
 * <pre>
 *   onVerified (worker thread)      peer has a session?        -> duplicate, nothing started
 *                                   acceptedPeers.add fails     -> dropped, counted (set full)
 *                                   table.open: caps            -> refused: removed again, counted, nothing kept
 *                                                               -> opened: its session thread starts the handshake
 *   onPeerDatagram (worker thread)  datagram of an accepted peer -> copied into its session's bounded queue
 *                                   no session (it just ended)   -> peer removed from the set, datagram dropped
 *   session threads                 sends   -> outbox.offerSend   (the worker sends them from its socket)
 *                                   end     -> outbox.offerRelease (the worker forgets the peer)
 * </pre>
 * A retransmitted verified ClientHello never reaches {@link #onVerified} again: its peer is accepted, so the worker
 * routes it to the session's queue, where BouncyCastle's record layer treats it as a retransmission of a flight it
 * has answered. Nothing expensive is repeated.
 * <p>
 * <b>Note:</b> one per worker (its AcceptedPeers and Outbox are that worker's); the {@link SessionTable} is shared by
 * all of a server's workers.
 */
public final class HandshakeHandoff implements VerifiedHelloHandler, PeerDatagramHandler, PeerOutput
{
    private final SessionTable table;
    private final AcceptedPeers acceptedPeers;
    private final Outbox outbox;
    private final PeerKey probe = new PeerKey();
    private final byte[] scratch;
    private final AtomicLong peersFull = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong orphanDatagrams = new AtomicLong();
    private final AtomicLong droppedDatagrams = new AtomicLong();
    private final AtomicLong sendRejected = new AtomicLong();

    /**
     * A handoff for one worker.
     *
     * @param table         sessions, shared by every worker.
     * @param acceptedPeers this worker's accepted-peer set (also given to its agent).
     * @param outbox        this worker's outbox (also given to its agent).
     */
    public HandshakeHandoff(final SessionTable table, final AcceptedPeers acceptedPeers, final Outbox outbox)
    {
        this.table = Objects.requireNonNull(table, "table must not be null");
        this.acceptedPeers = Objects.requireNonNull(acceptedPeers, "acceptedPeers must not be null");
        this.outbox = Objects.requireNonNull(outbox, "outbox must not be null");
        // A release queued for an ended session must not un-accept the same peer's newer session.
        outbox.releaseGuard(this::hasNoSession);
        this.scratch = new byte[Math.max(table.context().receiveLimit(), 65_536)];
        if (outbox.maxPayloadLength() < table.context().sendLimit())
        {
            throw new IllegalArgumentException("outbox takes payloads up to " + outbox.maxPayloadLength() +
                " bytes, less than the sessions' send limit " + table.context().sendLimit());
        }
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void onVerified(
        final DirectBuffer datagram, final int length, final PeerAddress peer, final ClientHelloVerifier verifier)
    {
        probe.set(peer);
        if (null != table.session(probe))
        {
            // Accepted again before the worker drained the release of an ending session: let the old one finish.
            refused.lazySet(refused.get() + 1);
            return;
        }
        if (!acceptedPeers.add(peer))
        {
            peersFull.lazySet(peersFull.get() + 1);
            return;
        }
        final int copied = Math.min(length, scratch.length);
        datagram.getBytes(0, scratch, 0, copied);
        if (table.open(probe, scratch, 0, copied, this) != SessionTable.Admission.OPENED)
        {
            acceptedPeers.remove(peer);
            refused.lazySet(refused.get() + 1);
        }
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void onPeerDatagram(final DirectBuffer datagram, final int length, final PeerAddress peer)
    {
        probe.set(peer);
        final PeerSession session = table.session(probe);
        if (null == session)
        {
            // The session ended and its release is still in the outbox (or was refused): forget the peer now.
            acceptedPeers.remove(peer);
            orphanDatagrams.lazySet(orphanDatagrams.get() + 1);
            return;
        }
        if (length > table.context().receiveLimit())
        {
            droppedDatagrams.lazySet(droppedDatagrams.get() + 1);
            return;
        }
        final byte[] copy = new byte[length];
        datagram.getBytes(0, copy, 0, length);
        if (!session.offerCopy(copy))
        {
            droppedDatagrams.lazySet(droppedDatagrams.get() + 1);
        }
    }

    private boolean hasNoSession(final PeerAddress peer)
    {
        probe.set(peer);
        return null == table.session(probe);
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public boolean send(final PeerKey peer, final byte[] buffer, final int offset, final int length)
    {
        if (!outbox.offerSend(peer.peer(), new UnsafeBuffer(buffer), offset, length))
        {
            sendRejected.incrementAndGet();
            return false;
        }
        return true;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public boolean release(final PeerKey peer)
    {
        return outbox.offerRelease(peer.peer());
    }

    /**
     * Verified peers dropped because this worker's accepted-peer set was full.
     *
     * @return the count.
     */
    public long peersFull()
    {
        return peersFull.get();
    }

    /**
     * Verified peers the table refused (caps, duplicate, closed); see the table's admissions for which.
     *
     * @return the count.
     */
    public long refused()
    {
        return refused.get();
    }

    /**
     * Datagrams from accepted peers whose session had already ended.
     *
     * @return the count.
     */
    public long orphanDatagrams()
    {
        return orphanDatagrams.get();
    }

    /**
     * Datagrams from accepted peers dropped: their session's queue was full, or they were too long.
     *
     * @return the count.
     */
    public long droppedDatagrams()
    {
        return droppedDatagrams.get();
    }

    /**
     * Session sends the outbox refused (full).
     *
     * @return the count.
     */
    public long sendRejected()
    {
        return sendRejected.get();
    }

    /**
     * The shared session table.
     *
     * @return the table.
     */
    public SessionTable table()
    {
        return table;
    }
}
