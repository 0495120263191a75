package io.turnstile.nativeio;

import io.turnstile.status.CounterTypes;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;

/**
 * The counters each {@link VerifierAgent} publishes, with stable type ids (the worker kind of {@link CounterTypes},
 * 4001 onwards) and labels, so a monitor in another process can find them in the counters file by type rather than
 * by label text; each counter's key holds its worker id.
 * <p>
 * A worker adds to them once per batch, never per datagram: a shared cache line written per packet would cost more
 * than verifying the packet.
 */
public enum WorkerCounter
{
    /** Datagrams received. */
    RECEIVED("datagrams received"),
    /** Hellos whose cookie verified. */
    VERIFIED("hellos verified"),
    /** HelloVerifyRequests staged for sending. */
    REPLIES("HelloVerifyRequests staged"),
    /** Datagrams dropped by the verifier (malformed, not a hello, would amplify...). */
    DROPPED("datagrams dropped"),
    /** HelloVerifyRequests not sent because every send slot was still queued behind a full socket buffer. */
    REPLY_QUEUE_FULL("replies dropped, send queue full"),
    /** Replies the kernel refused (EMSGSIZE, EINVAL for port 0, EPERM from a firewall...). */
    SEND_FAILED("replies refused by the kernel"),
    /** Flushes cut short by a full socket send buffer (EAGAIN): the rest waited for the next cycle. */
    SEND_WOULD_BLOCK("flushes cut short by EAGAIN"),
    /** Datagrams longer than a slot, delivered truncated (and then dropped by the verifier). */
    RECEIVE_TRUNCATED("datagrams truncated"),
    /** Datagrams from accepted peers, handed to the {@link PeerDatagramHandler} without verification. */
    PEER_DATAGRAMS("datagrams from accepted peers"),
    /** Datagrams taken from the {@link Outbox} and staged for sending. */
    OUTBOX_SENT("outbox datagrams staged"),
    /** Receive batches that held at least one datagram: received / batches is the batch fill the kernel gave. */
    BATCHES("receive batches"),
    /** Datagrams the kernel took for sending: HelloVerifyRequests and outbox datagrams alike. */
    SENT("datagrams sent");

    private static final WorkerCounter[] VALUES = values();

    private final String label;

    WorkerCounter(final String label)
    {
        this.label = label;
    }

    /**
     * The counter type id in the counters file.
     *
     * @return a type id unique among Turnstile counters.
     */
    public int typeId()
    {
        return CounterTypes.WORKER_FIRST + 1 + ordinal();
    }

    /**
     * The worker counter of a type id.
     *
     * @param typeId from a counters file.
     * @return the counter, or null when the type id is not a worker counter's.
     */
    public static WorkerCounter ofTypeId(final int typeId)
    {
        final int ordinal = typeId - CounterTypes.WORKER_FIRST - 1;
        return ordinal >= 0 && ordinal < VALUES.length ? VALUES[ordinal] : null;
    }

    /**
     * The counter with a given ordinal, without a copy of {@link #values()}.
     *
     * @param ordinal of the counter.
     * @return the counter.
     */
    public static WorkerCounter get(final int ordinal)
    {
        return VALUES[ordinal];
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
                CounterTypes.newCounter(countersManager, counter.typeId(), counter.label, workerId);
        }
        return counters;
    }
}
