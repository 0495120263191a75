package io.turnstile.server.handshake;

import io.turnstile.codec.PeerAddress;

import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The fast path from a worker to an established peer's session: a fixed array of the live sessions' transports,
 * indexed by a slot number the {@link SessionConductor} gives each session and sends to the session's worker
 * (an ATTACH command, kept beside the peer in the worker's {@code AcceptedPeers}). A worker then hands the peer's
 * datagrams to the session's queue itself, in the same lookup that told it the peer is accepted: no conductor, no
 * thread hop, no allocation.
 * <pre>
 *   conductor thread   claim(transport) -&gt; slot   on admission (then ATTACH(peer, slot) to the worker)
 *                      free(slot)                 when the session ends (after RELEASE(peer) to the worker)
 *   worker threads     get(slot, peer)            the transport, if that slot still holds this peer's
 * </pre>
 * A slot can be given to a new session before the old peer's worker has applied its RELEASE; {@link #get} then sees
 * a transport for another peer and answers null, so a stale slot never delivers to the wrong session.
 * <p>
 * <b>Note:</b> {@link #claim} and {@link #free} on the conductor thread only; {@link #get} from any thread.
 */
public final class SessionSlots
{
    private final AtomicReferenceArray<PeerTransport> transports;
    private final int[] freeSlots;
    private int freeCount;

    /**
     * Slots for at most {@code capacity} live sessions.
     *
     * @param capacity the session cap, 1 or more.
     */
    public SessionSlots(final int capacity)
    {
        if (capacity < 1)
        {
            throw new IllegalArgumentException("capacity must be 1 or more, got " + capacity);
        }
        this.transports = new AtomicReferenceArray<>(capacity);
        this.freeSlots = new int[capacity];
        for (int i = 0; i < capacity; i++)
        {
            // Lowest slots first, so a small server touches a small part of the array.
            freeSlots[i] = capacity - 1 - i;
        }
        this.freeCount = capacity;
    }

    /**
     * Give a new session a slot (conductor thread).
     *
     * @param transport the session's transport, published to the workers by this call.
     * @return the slot, or -1 when every slot is taken (more live sessions than the capacity).
     */
    public int claim(final PeerTransport transport)
    {
        if (freeCount == 0)
        {
            return -1;
        }
        final int slot = freeSlots[--freeCount];
        transports.setRelease(slot, transport);
        return slot;
    }

    /**
     * Take an ended session's slot back (conductor thread).
     *
     * @param slot from {@link #claim}; -1 is ignored.
     */
    public void free(final int slot)
    {
        if (slot >= 0)
        {
            transports.setRelease(slot, null);
            freeSlots[freeCount++] = slot;
        }
    }

    /**
     * The transport in a slot, if it is the given peer's (any thread, allocation-free).
     *
     * @param slot a slot a worker was told of; out of range answers null.
     * @param peer the peer the datagram came from.
     * @return the transport, or null when the slot is free or now holds another peer's session.
     */
    public PeerTransport get(final int slot, final PeerAddress peer)
    {
        if (slot < 0 || slot >= transports.length())
        {
            return null;
        }
        final PeerTransport transport = transports.getAcquire(slot);
        return null != transport && transport.isFor(peer) ? transport : null;
    }

    /**
     * Slots not in use.
     *
     * @return count (conductor thread).
     */
    public int free()
    {
        return freeCount;
    }
}
