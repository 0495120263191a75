package io.turnstile.nativeio;

import io.turnstile.cookie.CookieCheck;
import io.turnstile.verifier.DropReason;
import io.turnstile.verifier.VerifierCounters;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;

/**
 * One worker's {@link VerifierCounters} (outcomes, each {@link DropReason}, each {@link CookieCheck}) as shared
 * {@link AtomicCounter}s, so another thread or process can read them while the worker runs.
 * <p>
 * A verifier's own counters are plain fields written by its thread only; a {@link VerifierAgent} given these
 * counters ({@link VerifierAgent.Context#verifierCounters(AtomicCounter[])}) adds what changed once per batch.
 * Indexes follow {@link VerifierCounters#addTo(long[])}:
 * <pre>
 *   0 datagrams | 1 verified | 2 replies | 3 reply bytes | 4 dropped
 *   | 5 .. 5+D-1 one per DropReason | 5+D .. 5+D+C-1 one per CookieCheck      (D, C: the enums' sizes)
 * </pre>
 * Type ids are stable when either enum gains constants at its end: {@value #TOTALS_TYPE_ID} + index for the five
 * totals, {@value #DROP_REASON_TYPE_ID} + ordinal for drop reasons, {@value #COOKIE_CHECK_TYPE_ID} + ordinal for
 * cookie checks.
 */
public final class VerifierCounterSet
{
    /** Number of counters per worker. */
    public static final int LENGTH = VerifierCounters.SNAPSHOT_LENGTH;
    /** Index of datagrams seen by the verifier. */
    public static final int DATAGRAMS = 0;
    /** Index of hellos verified. */
    public static final int VERIFIED = 1;
    /** Index of HelloVerifyRequests written. */
    public static final int REPLIES = 2;
    /** Index of bytes of HelloVerifyRequest written. */
    public static final int REPLY_BYTES = 3;
    /** Index of datagrams dropped for any reason. */
    public static final int DROPPED = 4;
    /** First type id of the totals. */
    public static final int TOTALS_TYPE_ID = 4100;
    /** First type id of the drop reasons. */
    public static final int DROP_REASON_TYPE_ID = 4200;
    /** First type id of the cookie checks. */
    public static final int COOKIE_CHECK_TYPE_ID = 4300;

    private static final int FIRST_DROP_REASON = 5;
    private static final int FIRST_COOKIE_CHECK = FIRST_DROP_REASON + DropReason.count();
    private static final String[] TOTAL_LABELS =
        { "verifier datagrams", "verifier verified", "verifier replies", "verifier reply bytes", "verifier dropped" };

    private VerifierCounterSet()
    {
    }

    /**
     * Where a drop reason's count is.
     *
     * @param reason the reason.
     * @return its index.
     */
    public static int index(final DropReason reason)
    {
        return FIRST_DROP_REASON + reason.ordinal();
    }

    /**
     * Where a cookie check's count is.
     *
     * @param check the check.
     * @return its index.
     */
    public static int index(final CookieCheck check)
    {
        return FIRST_COOKIE_CHECK + check.ordinal();
    }

    /**
     * Allocate one worker's set.
     *
     * @param countersManager where the counters live.
     * @param workerId        suffix that tells the workers' counters apart.
     * @return {@link #LENGTH} counters, by index.
     */
    public static AtomicCounter[] allocate(final CountersManager countersManager, final int workerId)
    {
        final AtomicCounter[] counters = new AtomicCounter[LENGTH];
        for (int i = 0; i < FIRST_DROP_REASON; i++)
        {
            counters[i] = countersManager.newCounter(TOTAL_LABELS[i] + ": worker=" + workerId, TOTALS_TYPE_ID + i);
        }
        for (int i = 0; i < DropReason.count(); i++)
        {
            counters[FIRST_DROP_REASON + i] = countersManager.newCounter(
                "dropped " + DropReason.get(i) + ": worker=" + workerId, DROP_REASON_TYPE_ID + i);
        }
        for (int i = 0; i < CookieCheck.values().length; i++)
        {
            counters[FIRST_COOKIE_CHECK + i] = countersManager.newCounter(
                "cookie " + CookieCheck.get(i) + ": worker=" + workerId, COOKIE_CHECK_TYPE_ID + i);
        }
        return counters;
    }
}
