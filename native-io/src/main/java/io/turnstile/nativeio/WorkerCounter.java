package io.turnstile.nativeio;

import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;

/**
 * The counters each {@link VerifierAgent} publishes, with stable type ids and labels, so a monitor in another
 * process can find them in the counters file by type rather than by label text.
 * <p>
 * A worker adds to them once per batch, never per datagram: a shared cache line written per packet would cost more
 * than verifying the packet.
 */
public enum WorkerCounter
{
    /** Datagrams received. */
    RECEIVED(4001, "datagrams received"),
    /** Hellos whose cookie verified. */
    VERIFIED(4002, "hellos verified"),
    /** HelloVerifyRequests staged for sending. */
    REPLIES(4003, "HelloVerifyRequests staged"),
    /** Datagrams dropped by the verifier (malformed, not a hello, would amplify...). */
    DROPPED(4004, "datagrams dropped"),
    /** HelloVerifyRequests not sent because every send slot was still queued behind a full socket buffer. */
    REPLY_QUEUE_FULL(4005, "replies dropped, send queue full"),
    /** Replies the kernel refused (EMSGSIZE, EINVAL for port 0, EPERM from a firewall...). */
    SEND_FAILED(4006, "replies refused by the kernel"),
    /** Flushes cut short by a full socket send buffer (EAGAIN): the rest waited for the next cycle. */
    SEND_WOULD_BLOCK(4007, "flushes cut short by EAGAIN"),
    /** Datagrams longer than a slot, delivered truncated (and then dropped by the verifier). */
    RECEIVE_TRUNCATED(4008, "datagrams truncated"),
    /** Datagrams from accepted peers, handed to the {@link PeerDatagramHandler} without verification. */
    PEER_DATAGRAMS(4009, "datagrams from accepted peers"),
    /** Datagrams taken from the {@link Outbox} and staged for sending. */
    OUTBOX_SENT(4010, "outbox datagrams staged"),
    /** Receive batches that held at least one datagram: received / batches is the batch fill the kernel gave. */
    BATCHES(4011, "receive batches"),
    /** Datagrams the kernel took for sending: HelloVerifyRequests and outbox datagrams alike. */
    SENT(4012, "datagrams sent");

    private static final WorkerCounter[] VALUES = values();

    private final int typeId;
    private final String label;

    WorkerCounter(final int typeId, final String label)
    {
        this.typeId = typeId;
        this.label = label;
    }

    /**
     * The counter type id in the counters file.
     *
     * @return a type id unique among Turnstile counters.
     */
    public int typeId()
    {
        return typeId;
    }

    /**
     * The label, before the worker suffix.
     *
     * @return a human-readable label.
     */
    public String label()
    {
        return label;
    }

    /**
     * Allocate one worker's set of counters, indexed by ordinal.
     *
     * @param countersManager where the counters live.
     * @param workerId        suffix that tells the workers' counters apart.
     * @return one counter per constant, in ordinal order.
     */
    public static AtomicCounter[] allocate(final CountersManager countersManager, final int workerId)
    {
        final AtomicCounter[] counters = new AtomicCounter[VALUES.length];
        for (final WorkerCounter counter : VALUES)
        {
            counters[counter.ordinal()] =
                countersManager.newCounter(counter.label + ": worker=" + workerId, counter.typeId);
        }
        return counters;
    }
}
