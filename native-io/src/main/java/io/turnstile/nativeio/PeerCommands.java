package io.turnstile.nativeio;

import io.turnstile.codec.PeerAddress;
import org.agrona.BitUtil;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The command queue from the one thread that owns a worker's peers' sessions (a session conductor) to that worker:
 * accept a peer into the worker's {@link AcceptedPeers}, attach a session's index to it (so the worker hands its
 * datagrams to the session directly), or release it so that its datagrams go through the verifier again. Kept apart from the {@link Outbox} (datagrams to send) so that sends can never crowd a release out, and
 * ordered, so a release and a later accept of the same address and port are applied in the order they were decided:
 * no guard is needed against a stale release.
 * <pre>
 *   conductor thread                 worker thread (VerifierAgent, each duty cycle, before its next receive)
 *   offerRelease(peer) --+
 *   offerAccept(peer)  --+--> OneToOneRingBuffer --> drain(acceptedPeers, limit): add / attach / remove
 *   offerAttach(peer, value) --+
 * </pre>
 * Each command is one ring record of the 18-byte {@link PeerAddress}, type {@link #ACCEPT} or {@link #RELEASE};
 * an {@link #ATTACH} record adds the 4-byte value after it.
 * A full ring refuses the offer (false, counted in {@link #rejected()}); the producer keeps the command and offers
 * it again on its next duty cycle, so a refused release is late, never lost.
 * <p>
 * <b>Note:</b> one producer thread and one consumer thread (the worker): a OneToOneRingBuffer.
 */
public final class PeerCommands
{
    /** Command type: add the peer to the worker's {@link AcceptedPeers}. */
    public static final int ACCEPT = 1;
    /** Command type: remove the peer from the worker's {@link AcceptedPeers}. */
    public static final int RELEASE = 2;
    /** Command type: attach a value (a session's index) to a peer already in the worker's {@link AcceptedPeers}. */
    public static final int ATTACH = 3;
    /** Smallest ring. */
    public static final int MIN_CAPACITY_BYTES = 1024;

    private final OneToOneRingBuffer ring;
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong acceptRefused = new AtomicLong();
    private final MessageHandler applier = this::onCommand;
    private final PeerAddress drainPeer = new PeerAddress();
    private AcceptedPeers drainPeers;

    /**
     * An empty command queue.
     *
     * @param capacityBytes ring size, a power of two of at least {@value #MIN_CAPACITY_BYTES}; each command takes 32.
     * @throws IllegalArgumentException when it is not.
     */
    public PeerCommands(final int capacityBytes)
    {
        if (capacityBytes < MIN_CAPACITY_BYTES || !BitUtil.isPowerOfTwo(capacityBytes) || capacityBytes > 1 << 30)
        {
            throw new IllegalArgumentException(
                "capacityBytes must be a power of two from " + MIN_CAPACITY_BYTES + " to 2^30, got " + capacityBytes);
        }
        this.ring = new OneToOneRingBuffer(new UnsafeBuffer(
            ByteBuffer.allocateDirect(capacityBytes + RingBufferDescriptor.TRAILER_LENGTH)));
    }

    /**
     * Ask the worker to forget a peer (producer thread); never blocks, allocates nothing.
     *
     * @param peer copied before this returns.
     * @return false when the ring is full: offer it again later.
     */
    public boolean offerRelease(final PeerAddress peer)
    {
        return offer(RELEASE, peer);
    }

    /**
     * Ask the worker to accept a peer (producer thread), e.g. one a session found under a new address; never blocks.
     *
     * @param peer copied before this returns.
     * @return false when the ring is full: offer it again later.
     */
    public boolean offerAccept(final PeerAddress peer)
    {
        return offer(ACCEPT, peer);
    }

    /**
     * Ask the worker to attach a value to an accepted peer (producer thread), so that the worker hands the peer's
     * datagrams to what the value names without asking the producer; never blocks, allocates nothing.
     *
     * @param peer  copied before this returns.
     * @param value the value, see {@link AcceptedPeers#attach}.
     * @return false when the ring is full: offer it again later.
     */
    public boolean offerAttach(final PeerAddress peer, final int value)
    {
        final int index = ring.tryClaim(ATTACH, PeerAddress.LENGTH + Integer.BYTES);
        if (index < 0)
        {
            rejected.getAndIncrement();
            return false;
        }
        peer.copyTo(ring.buffer(), index);
        ring.buffer().putInt(index + PeerAddress.LENGTH, value);
        ring.commit(index);
        return true;
    }

    /**
     * Offer an ACCEPT or a RELEASE.
     *
     * @param type {@link #ACCEPT} or {@link #RELEASE}.
     * @param peer copied before this returns.
     * @return false when the ring is full.
     */
    public boolean offer(final int type, final PeerAddress peer)
    {
        if (type != ACCEPT && type != RELEASE)
        {
            throw new IllegalArgumentException("type must be ACCEPT or RELEASE, got " + type);
        }
        final int index = ring.tryClaim(type, PeerAddress.LENGTH);
        if (index < 0)
        {
            rejected.getAndIncrement();
            return false;
        }
        peer.copyTo(ring.buffer(), index);
        ring.commit(index);
        return true;
    }

    /**
     * Worker side: apply up to {@code limit} commands to the worker's peer set. Allocates nothing.
     *
     * @param acceptedPeers the worker's set.
     * @param limit         most commands to apply.
     * @return commands applied.
     */
    public int drain(final AcceptedPeers acceptedPeers, final int limit)
    {
        drainPeers = acceptedPeers;
        int applied = ring.read(applier, limit);
        if (applied < limit)
        {
            // One read stops at the end of the ring's buffer; what wrapped round to the start is the second read's.
            applied += ring.read(applier, limit - applied);
        }
        return applied;
    }

    /**
     * Offers refused because the ring was full (each is offered again by its producer).
     *
     * @return count; readable from any thread.
     */
    public long rejected()
    {
        return rejected.get();
    }

    /**
     * ACCEPT commands the worker could not apply because its {@link AcceptedPeers} was full.
     *
     * @return count; readable from any thread.
     */
    public long acceptRefused()
    {
        return acceptRefused.get();
    }

    /**
     * Bytes queued and not yet applied.
     *
     * @return bytes, records and their headers.
     */
    public int size()
    {
        return ring.size();
    }

    private void onCommand(final int type, final MutableDirectBuffer buffer, final int index, final int length)
    {
        final PeerAddress peer = drainPeer.wrap(buffer, index);
        if (type == RELEASE)
        {
            drainPeers.remove(peer);
        }
        else if (type == ATTACH)
        {
            // Not there: released since, and the release was applied first; nothing to attach to.
            drainPeers.attach(peer, buffer.getInt(index + PeerAddress.LENGTH));
        }
        else if (!drainPeers.add(peer))
        {
            acceptRefused.lazySet(acceptRefused.get() + 1);
        }
    }
}
