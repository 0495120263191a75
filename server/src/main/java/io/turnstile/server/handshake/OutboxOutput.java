package io.turnstile.server.handshake;

import io.turnstile.nativeio.Outbox;
import org.agrona.DirectBuffer;

import java.util.Objects;

/**
 * A worker's {@link Outbox} as the sessions' {@link PeerOutput}: the send queue from session threads to the worker's
 * socket. Allocates nothing: the session passes its own reusable view of BouncyCastle's buffer.
 */
public final class OutboxOutput implements PeerOutput
{
    private final Outbox outbox;
    private final HandoffCounters counters;

    /**
     * An output.
     *
     * @param outbox   the worker's outbox.
     * @param counters the worker's hand-off counters, for refused sends.
     */
    public OutboxOutput(final Outbox outbox, final HandoffCounters counters)
    {
        this.outbox = Objects.requireNonNull(outbox, "outbox must not be null");
        this.counters = Objects.requireNonNull(counters, "counters must not be null");
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public boolean send(final PeerKey peer, final DirectBuffer buffer, final int offset, final int length)
    {
        if (!outbox.offerSend(peer.peer(), buffer, offset, length))
        {
            counters.onSendRejected();
            return false;
        }
        return true;
    }

    /**
     * The outbox.
     *
     * @return the worker's outbox.
     */
    public Outbox outbox()
    {
        return outbox;
    }
}
