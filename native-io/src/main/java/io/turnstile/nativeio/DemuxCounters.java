package io.turnstile.nativeio;

import io.turnstile.codec.DatagramClass;
import io.turnstile.status.CounterTypes;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;

import java.util.Locale;
import java.util.Objects;

/**
 * One worker's demultiplexer counters (type ids from {@link CounterTypes#DEMUX_FIRST}): datagrams handed to the
 * {@link DemuxHandler} by {@link DatagramClass}, the replies it sent, and the replies that found no send slot. The
 * worker adds to them once per batch.
 */
public final class DemuxCounters
{
    /** Counters per worker: the five classes handed to the handler, replies, refused replies. */
    public static final int LENGTH = 7;
    /** Type id offset of the replies counter. */
    public static final int REPLIES_OFFSET = 10;
    /** Type id offset of the refused-replies counter. */
    public static final int REPLIES_REFUSED_OFFSET = 11;

    private final AtomicCounter[] byClass;
    private final AtomicCounter replies;
    private final AtomicCounter repliesRefused;

    private DemuxCounters(final AtomicCounter[] byClass, final AtomicCounter replies, final AtomicCounter refused)
    {
        this.byClass = byClass;
        this.replies = replies;
        this.repliesRefused = refused;
    }

    /**
     * Allocate one worker's set.
     *
     * @param countersManager where the counters live.
     * @param workerId        the worker.
     * @return the counters.
     */
    public static DemuxCounters allocate(final CountersManager countersManager, final int workerId)
    {
        Objects.requireNonNull(countersManager, "countersManager must not be null");
        final DatagramClass[] classes = DatagramClass.values();
        final AtomicCounter[] byClass = new AtomicCounter[classes.length];
        for (final DatagramClass type : classes)
        {
            if (type != DatagramClass.DTLS && type != DatagramClass.UNASSIGNED)
            {
                byClass[type.ordinal()] = CounterTypes.newCounter(countersManager,
                    CounterTypes.DEMUX_FIRST + type.ordinal(),
                    "demultiplexed " + type.name().toLowerCase(Locale.ROOT) + " datagrams", workerId);
            }
        }
        return new DemuxCounters(byClass,
            CounterTypes.newCounter(countersManager, CounterTypes.DEMUX_FIRST + REPLIES_OFFSET,
                "demultiplexed replies sent", workerId),
            CounterTypes.newCounter(countersManager, CounterTypes.DEMUX_FIRST + REPLIES_REFUSED_OFFSET,
                "demultiplexed replies refused", workerId));
    }

    /**
     * Datagrams of a class handed to the handler.
     *
     * @param type not {@link DatagramClass#DTLS} or {@link DatagramClass#UNASSIGNED} (those are never handed).
     * @return the count.
     */
    public long handled(final DatagramClass type)
    {
        final AtomicCounter counter = byClass[type.ordinal()];
        return null == counter ? 0 : counter.get();
    }

    /**
     * Replies the handler sent.
     *
     * @return the count.
     */
    public long replies()
    {
        return replies.get();
    }

    /**
     * Replies refused: no free send slot, or too long.
     *
     * @return the count.
     */
    public long repliesRefused()
    {
        return repliesRefused.get();
    }

    void add(final long[] perClass, final long sentDelta, final long refusedDelta)
    {
        for (int i = 0; i < perClass.length; i++)
        {
            final long delta = perClass[i];
            if (delta != 0)
            {
                byClass[i].getAndAddRelease(delta);
                perClass[i] = 0;
            }
        }
        if (sentDelta != 0)
        {
            replies.getAndAddRelease(sentDelta);
        }
        if (refusedDelta != 0)
        {
            repliesRefused.getAndAddRelease(refusedDelta);
        }
    }
}
