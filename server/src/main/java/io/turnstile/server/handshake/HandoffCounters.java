package io.turnstile.server.handshake;

import java.util.concurrent.atomic.AtomicLong;

/**
 * One worker's hand-off counters, in one place: each is written by the thread named beside it (single-writer
 * {@code lazySet}) or, where two threads may count the same event, by an atomic add; all are read by the stats from
 * any thread.
 * <pre>
 *   worker thread                   peersFull, tooLong, handoffFull                     single writer
 *   conductor thread                refused, releasesDeferred                           single writer
 *   worker (fast path), conductor   orphanDatagrams, queueFull                          atomic add
 *   session threads                 sendRejected                                        atomic add
 * </pre>
 */
public final class HandoffCounters
{
    private final AtomicLong peersFull = new AtomicLong();
    private final AtomicLong tooLong = new AtomicLong();
    private final AtomicLong handoffFull = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong orphanDatagrams = new AtomicLong();
    private final AtomicLong queueFull = new AtomicLong();
    private final AtomicLong releasesDeferred = new AtomicLong();
    private final AtomicLong sendRejected = new AtomicLong();

    private static void increment(final AtomicLong counter)
    {
        counter.lazySet(counter.get() + 1);
    }

    void onPeersFull()
    {
        increment(peersFull);
    }

    void onTooLong()
    {
        increment(tooLong);
    }

    void onHandoffFull()
    {
        increment(handoffFull);
    }

    void onRefused()
    {
        increment(refused);
    }

    void onOrphan()
    {
        orphanDatagrams.getAndIncrement();
    }

    void onQueueFull()
    {
        queueFull.getAndIncrement();
    }

    void onReleaseDeferred()
    {
        increment(releasesDeferred);
    }

    void onSendRejected()
    {
        sendRejected.getAndIncrement();
    }

    /**
     * Verified peers dropped because the worker's accepted-peer set was full (worker).
     *
     * @return the count.
     */
    public long peersFull()
    {
        return peersFull.get();
    }

    /**
     * Verified peers the conductor refused: a cap, a session the same peer has through another worker, or the server
     * closing (conductor). See the table's admissions for which.
     *
     * @return the count.
     */
    public long refused()
    {
        return refused.get();
    }

    /**
     * Datagrams from accepted peers that had no session any more: it just ended and its release is on its way
     * (conductor).
     *
     * @return the count.
     */
    public long orphanDatagrams()
    {
        return orphanDatagrams.get();
    }

    /**
     * Datagrams from accepted peers dropped: too long (worker), the conductor's ring full (worker), or the session's
     * queue full (conductor).
     *
     * @return the sum.
     */
    public long droppedDatagrams()
    {
        return tooLong.get() + handoffFull.get() + queueFull.get();
    }

    /**
     * Records the worker could not publish because the conductor's ring was full (worker): verified peers are then
     * forgotten at once, datagrams dropped.
     *
     * @return the count.
     */
    public long handoffFull()
    {
        return handoffFull.get();
    }

    /**
     * Releases the worker's command queue refused when first offered; each was kept and offered again on a later duty
     * cycle, in order (conductor).
     *
     * @return the count.
     */
    public long releasesDeferred()
    {
        return releasesDeferred.get();
    }

    /**
     * Session sends the worker's outbox refused (full) (session threads).
     *
     * @return the count.
     */
    public long sendRejected()
    {
        return sendRejected.get();
    }
}
