package io.turnstile.nativeio.xdp;

import io.turnstile.status.CounterTypes;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;

/**
 * The counters of one worker's AF_XDP socket ({@link XdpWorkerSocket}), in the counters file beside the worker's own:
 * type ids {@code CounterTypes.XDP_FIRST + 1 + ordinal} (4501 on), the XDP kind's first half; the in-kernel program's
 * verdict counters take the second half (from {@code XDP_FIRST + 50}). Bumped once per receive batch.
 */
public enum XskCounter
{
    /** Frames received through the RX ring that were well-formed UDP datagrams. */
    RX("AF_XDP datagrams received"),
    /** Frames the kernel completed sending from the TX ring. */
    TX("AF_XDP datagrams sent"),
    /** Frames received that were not well-formed, unfragmented UDP, dropped. */
    MALFORMED("AF_XDP frames malformed"),
    /** Frames the kernel dropped because the RX ring was full (XDP_STATISTICS rx_ring_full). */
    RING_FULL("AF_XDP RX ring full drops"),
    /** Frames the kernel dropped because the fill ring was empty (rx_fill_ring_empty_descs). */
    FILL_EMPTY("AF_XDP fill ring empty drops"),
    /** Frames the kernel dropped for this socket for any reason (rx_dropped). */
    KERNEL_DROPPED("AF_XDP frames dropped by the kernel"),
    /** TX kicks the kernel cut short (EAGAIN, EBUSY), retried on the next flush. */
    KICK_BUSY("AF_XDP TX kicks cut short"),
    /** Datagrams received through the kernel UDP socket (what the XDP program passed). */
    PASSED("datagrams through the kernel socket");

    private static final XskCounter[] VALUES = values();

    private final String label;

    XskCounter(final String label)
    {
        this.label = label;
    }

    /**
     * The counter's type id in the counters file.
     *
     * @return {@code CounterTypes.XDP_FIRST + 1 + ordinal()}.
     */
    public int typeId()
    {
        return CounterTypes.XDP_FIRST + 1 + ordinal();
    }

    /**
     * The counter a type id names.
     *
     * @param typeId from the counters file.
     * @return the counter, or null when the id is not one of these.
     */
    public static XskCounter ofTypeId(final int typeId)
    {
        final int ordinal = typeId - CounterTypes.XDP_FIRST - 1;
        return ordinal >= 0 && ordinal < VALUES.length ? VALUES[ordinal] : null;
    }

    /**
     * What it counts.
     *
     * @return the label, without the worker suffix.
     */
    public String label()
    {
        return label;
    }

    /**
     * Allocate one of each for a worker.
     *
     * @param countersManager where they live.
     * @param workerId        the worker (and queue) they belong to.
     * @return the counters, indexed by ordinal.
     */
    public static AtomicCounter[] allocate(final CountersManager countersManager, final int workerId)
    {
        final AtomicCounter[] counters = new AtomicCounter[VALUES.length];
        for (final XskCounter counter : VALUES)
        {
            counters[counter.ordinal()] =
                CounterTypes.newCounter(countersManager, counter.typeId(), counter.label, workerId);
        }
        return counters;
    }
}
