package io.turnstile.server.handshake;

import io.turnstile.codec.PeerAddress;
import io.turnstile.nativeio.PeerCommands;
import org.agrona.ExpandableArrayBuffer;

import java.util.Objects;

/**
 * The conductor's side of one worker: the worker's command queue, where its sessions send, its counters, and the
 * commands (releases, and the attaches that tell the worker a session's slot) its command queue has not taken yet.
 * <p>
 * A release must not be lost: a peer left accepted after its session ended would skip the verifier until it next
 * sends. So when the worker's {@link PeerCommands} ring is full, the release is kept here, in order, and offered
 * again at the start of every conductor duty cycle ({@link #retryPending()}); while any is kept, later commands queue
 * behind it, so the worker still applies them in the order they were decided. The backlog grows (allocates) only in
 * that overload and keeps its memory for the next one.
 * <p>
 * <b>Note:</b> {@link #release} and {@link #retryPending} are conductor-thread only.
 */
public final class WorkerLink
{
    private static final int TYPE_OFFSET = 0;
    private static final int VALUE_OFFSET = 4;
    private static final int PEER_OFFSET = 8;
    private static final int ENTRY_LENGTH = 32;

    private final int id;
    private final PeerCommands commands;
    private final PeerOutput output;
    private final HandoffCounters counters;
    private final ExpandableArrayBuffer pending = new ExpandableArrayBuffer(16 * ENTRY_LENGTH);
    private final PeerAddress pendingPeer = new PeerAddress();
    private int pendingHead;
    private int pendingTail;

    WorkerLink(final int id, final PeerCommands commands, final PeerOutput output, final HandoffCounters counters)
    {
        this.id = id;
        this.commands = Objects.requireNonNull(commands, "commands must not be null");
        this.output = Objects.requireNonNull(output, "output must not be null");
        this.counters = Objects.requireNonNull(counters, "counters must not be null");
    }

    /**
     * Tell the worker to forget a peer: now, or on a later duty cycle when its command queue is full.
     *
     * @param peer copied.
     */
    void release(final PeerAddress peer)
    {
        send(PeerCommands.RELEASE, peer, 0);
    }

    /**
     * Tell the worker which session slot a peer's datagrams go to: now, or later when its command queue is full.
     *
     * @param peer copied.
     * @param slot the session's {@link SessionSlots} slot.
     */
    void attach(final PeerAddress peer, final int slot)
    {
        send(PeerCommands.ATTACH, peer, slot);
    }

    private void send(final int type, final PeerAddress peer, final int value)
    {
        if (pendingHead == pendingTail && offer(type, peer, value))
        {
            return;
        }
        counters.onReleaseDeferred();
        pending.checkLimit(pendingTail + ENTRY_LENGTH);
        pending.putInt(pendingTail + TYPE_OFFSET, type);
        pending.putInt(pendingTail + VALUE_OFFSET, value);
        peer.copyTo(pending, pendingTail + PEER_OFFSET);
        pendingTail += ENTRY_LENGTH;
    }

    private boolean offer(final int type, final PeerAddress peer, final int value)
    {
        return type == PeerCommands.ATTACH ? commands.offerAttach(peer, value) : commands.offer(type, peer);
    }

    /**
     * Offer the kept releases again, oldest first, until the queue refuses one.
     *
     * @return releases the queue took.
     */
    int retryPending()
    {
        int taken = 0;
        while (pendingHead < pendingTail)
        {
            if (!offer(pending.getInt(pendingHead + TYPE_OFFSET), pendingPeer.wrap(pending, pendingHead + PEER_OFFSET),
                pending.getInt(pendingHead + VALUE_OFFSET)))
            {
                return taken;
            }
            pendingHead += ENTRY_LENGTH;
            taken++;
        }
        pendingHead = 0;
        pendingTail = 0;
        return taken;
    }

    /**
     * Commands (releases, attaches) kept because the worker's command queue was full.
     *
     * @return the count waiting.
     */
    int pendingReleases()
    {
        return (pendingTail - pendingHead) / ENTRY_LENGTH;
    }

    /**
     * The link id, as the worker writes it into its records.
     *
     * @return the id.
     */
    public int id()
    {
        return id;
    }

    /**
     * Where this worker's sessions send.
     *
     * @return the output.
     */
    public PeerOutput output()
    {
        return output;
    }

    /**
     * The worker's hand-off counters.
     *
     * @return the counters.
     */
    public HandoffCounters counters()
    {
        return counters;
    }

    /**
     * The worker's command queue.
     *
     * @return the queue.
     */
    public PeerCommands commands()
    {
        return commands;
    }
}
