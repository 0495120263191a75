package io.turnstile.server.handshake;

import io.turnstile.codec.PeerAddress;
import io.turnstile.nativeio.AcceptedPeers;
import io.turnstile.nativeio.PeerDatagramHandler;
import io.turnstile.nativeio.VerifiedHelloHandler;
import io.turnstile.verifier.ClientHelloVerifier;
import org.agrona.DirectBuffer;

import java.util.Objects;

/**
 * One worker's side of the hand-off, and only that: it runs on the worker's thread, inside its duty cycle, gives an
 * admitted peer's datagrams straight to its session, and publishes the rest of what the worker saw to the
 * {@link SessionConductor}. It never locks, never starts a thread, never allocates: a datagram for a session is one
 * copy into a pooled buffer on the session's queue, any other event one record in the conductor's ring (through a
 * {@link SessionConductorProxy}).
 * <pre>
 *   onVerified      acceptedPeers.add(peer)   so the hello's tail fragments and retransmissions come here, not to
 *                                             the verifier (it would drop a fragment at offset &gt; 0)
 *                   set full                  -&gt; dropped, counted (peersFull)
 *                   publish VERIFIED          peer + datagram + record seq, message_seq, fragment flag
 *                   ring full                 -&gt; peer removed again at once, counted (handoffFull)
 *   onPeerDatagram  longer than receiveLimit  -&gt; dropped, counted
 *                   slot attached             -&gt; the session's transport (SessionSlots), queued: the fast path,
 *                                                every datagram of a session once the conductor has admitted it
 *                                                (queue full, or the slot now another peer's -&gt; dropped, counted)
 *                   no slot yet, or records   -&gt; publish DATAGRAM: peer + datagram, the conductor finds the
 *                   to the conductor unread      session (the hello's tail fragments; and so nothing overtakes
 *                                                what went that way); ring full -&gt; dropped, counted
 * </pre>
 * Everything else (admission, caps, the session map, releasing a peer) is the conductor's; it releases a peer
 * through the worker's {@code PeerCommands}, which the worker applies at the start of its next duty cycle.
 * <p>
 * <b>Note:</b> one per worker, used on that worker's thread only.
 */
public final class HandshakeHandoff implements VerifiedHelloHandler, PeerDatagramHandler
{
    private final int worker;
    private final AcceptedPeers acceptedPeers;
    private final SessionConductorProxy conductor;
    private final HandoffCounters counters;
    private final SessionTable table;
    private final SessionSlots slots;
    private final int receiveLimit;
    private long conductorPosition;
    private boolean conductorBehind;

    HandshakeHandoff(
        final int worker,
        final AcceptedPeers acceptedPeers,
        final SessionConductorProxy conductor,
        final HandoffCounters counters,
        final SessionTable table,
        final SessionSlots slots)
    {
        this.worker = worker;
        this.acceptedPeers = Objects.requireNonNull(acceptedPeers, "acceptedPeers must not be null");
        this.conductor = Objects.requireNonNull(conductor, "conductor must not be null");
        this.counters = Objects.requireNonNull(counters, "counters must not be null");
        this.table = table;
        this.slots = Objects.requireNonNull(slots, "slots must not be null");
        this.receiveLimit = table.context().receiveLimit();
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void onVerified(
        final DirectBuffer datagram, final int length, final PeerAddress peer, final ClientHelloVerifier verifier)
    {
        if (!acceptedPeers.add(peer))
        {
            counters.onPeersFull();
            return;
        }
        if (!conductor.verified(worker, peer, datagram, length, verifier.recordSequenceNumber(),
            verifier.messageSeq(), verifier.isFragment()))
        {
            // The conductor never heard of it: nothing to release later, so forget the peer now.
            acceptedPeers.remove(peer);
            counters.onHandoffFull();
            return;
        }
        conductorPosition = conductor.producerPosition();
        conductorBehind = true;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void onPeerDatagram(final DirectBuffer datagram, final int length, final PeerAddress peer, final int value)
    {
        if (length > receiveLimit)
        {
            counters.onTooLong();
            return;
        }
        // Order: a datagram may take the fast path only once the conductor has handled every record this worker
        // gave it, or it could overtake an earlier one of the same peer (an epoch-1 Finished ahead of its epoch-0
        // ClientKeyExchange, which BouncyCastle drops: a one-second retransmission). Rare: records go to the
        // conductor only around a verification, and a conductor sharing this worker's cycle has read them by the next.
        if (conductorBehind && conductor.consumerPosition() >= conductorPosition)
        {
            // Read the conductor's position (a line another thread writes) only until it has caught up.
            conductorBehind = false;
        }
        if (value != AcceptedPeers.NO_VALUE && !conductorBehind)
        {
            final PeerTransport transport = slots.get(value, peer);
            if (null == transport)
            {
                // The session ended and its slot went to another peer before this worker applied the release.
                counters.onOrphan();
            }
            else if (!transport.offer(datagram, 0, length))
            {
                counters.onQueueFull();
            }
            return;
        }
        if (!conductor.datagram(worker, peer, datagram, length))
        {
            counters.onHandoffFull();
            return;
        }
        conductorPosition = conductor.producerPosition();
        conductorBehind = true;
    }

    /**
     * This worker's link id at the conductor.
     *
     * @return the id.
     */
    public int worker()
    {
        return worker;
    }

    /**
     * This worker's hand-off counters.
     *
     * @return the counters.
     */
    public HandoffCounters counters()
    {
        return counters;
    }

    /**
     * Verified peers dropped because this worker's accepted-peer set was full.
     *
     * @return the count.
     */
    public long peersFull()
    {
        return counters.peersFull();
    }

    /**
     * Verified peers the conductor refused (caps, duplicate, closed); see the table's admissions for which.
     *
     * @return the count.
     */
    public long refused()
    {
        return counters.refused();
    }

    /**
     * Datagrams from accepted peers whose session had already ended.
     *
     * @return the count.
     */
    public long orphanDatagrams()
    {
        return counters.orphanDatagrams();
    }

    /**
     * Datagrams from accepted peers dropped: too long, the conductor's ring full, or their session's queue full.
     *
     * @return the count.
     */
    public long droppedDatagrams()
    {
        return counters.droppedDatagrams();
    }

    /**
     * Session sends the outbox refused (full).
     *
     * @return the count.
     */
    public long sendRejected()
    {
        return counters.sendRejected();
    }

    /**
     * The session table (read its counters from any thread; only the conductor changes it).
     *
     * @return the table.
     */
    public SessionTable table()
    {
        return table;
    }
}
