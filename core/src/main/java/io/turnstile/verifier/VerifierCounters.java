package io.turnstile.verifier;

import io.turnstile.cookie.CookieCheck;
import io.turnstile.status.CounterTypes;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;

import java.util.Locale;
import java.util.Objects;

/**
 * Counts of everything one {@link ClientHelloVerifier} decided: outcomes ({@link Total}), drop reasons and cookie
 * checks.
 * <p>
 * Standalone ({@link #VerifierCounters()}) the counts are plain fields of the verifier's thread. Allocated in a
 * {@link CountersManager} ({@link #VerifierCounters(CountersManager, int)}) they are published counters: the
 * verifier still bumps plain fields per datagram, and the thread that drives it calls {@link #publish()} once per
 * batch, which adds what accumulated to the shared counters with one release-add each and starts again from zero.
 * No shadow copy is kept: a shared cache line written per datagram would cost more than verifying the datagram, and
 * one written per batch costs nothing measurable. Type ids come from {@link CounterTypes}: {@link Total#typeId()},
 * {@link CounterTypes#DROP_REASON_FIRST} + {@link DropReason} ordinal, {@link CounterTypes#COOKIE_CHECK_FIRST} +
 * {@link CookieCheck} ordinal.
 * <p>
 * <b>Note:</b> single writer: only the verifier's thread counts and publishes. The getters may be called from any
 * thread; from another one they see the published counts plus whatever of the current batch happens to be visible.
 */
public final class VerifierCounters
{
    /**
     * The verifier's outcome totals.
     */
    public enum Total
    {
        /** Datagrams seen. */
        DATAGRAMS("verifier datagrams"),
        /** Hellos verified. */
        VERIFIED("verifier verified"),
        /** HelloVerifyRequests written. */
        REPLIES("verifier replies"),
        /** Bytes of HelloVerifyRequest written. */
        REPLY_BYTES("verifier reply bytes"),
        /** Datagrams dropped for any reason. */
        DROPPED("verifier dropped");

        private static final Total[] VALUES = values();

        private final String label;

        Total(final String label)
        {
            this.label = label;
        }

        /**
         * Type id of this total's counters.
         *
         * @return {@link CounterTypes#VERIFIER_FIRST} + ordinal.
         */
        public int typeId()
        {
            return CounterTypes.VERIFIER_FIRST + ordinal();
        }

        /**
         * Label of this total's counters, before the worker suffix.
         *
         * @return e.g. "verifier datagrams".
         */
        public String label()
        {
            return label;
        }

        /**
         * The total with a given ordinal, without a copy of {@link #values()}.
         *
         * @param ordinal of the total.
         * @return the total.
         */
        public static Total get(final int ordinal)
        {
            return VALUES[ordinal];
        }
    }

    /** Counters per verifier: the totals, then one per drop reason, then one per cookie check. */
    public static final int LENGTH = Total.VALUES.length + DropReason.count() + CookieCheck.values().length;

    private static final int DATAGRAMS = Total.DATAGRAMS.ordinal();
    private static final int VERIFIED = Total.VERIFIED.ordinal();
    private static final int REPLIES = Total.REPLIES.ordinal();
    private static final int REPLY_BYTES = Total.REPLY_BYTES.ordinal();
    private static final int DROPPED = Total.DROPPED.ordinal();
    private static final int FIRST_DROP_REASON = Total.VALUES.length;
    private static final int FIRST_COOKIE_CHECK = FIRST_DROP_REASON + DropReason.count();

    // Counted since the last publish(); standalone, never published, so the totals themselves.
    private final long[] unpublished = new long[LENGTH];
    private final AtomicCounter[] published;

    /**
     * Standalone counts, for a verifier used without a server: {@link #publish()} does nothing.
     */
    public VerifierCounters()
    {
        this.published = null;
    }

    /**
     * Counts published to counters allocated here, {@link #LENGTH} of them, labelled {@code ": worker=N"}.
     *
     * @param countersManager where the counters live, e.g. a server's counters file.
     * @param workerId        the worker whose verifier this is, kept in each counter's key.
     */
    public VerifierCounters(final CountersManager countersManager, final int workerId)
    {
        Objects.requireNonNull(countersManager, "countersManager");
        final AtomicCounter[] counters = new AtomicCounter[LENGTH];
        for (final Total total : Total.VALUES)
        {
            counters[total.ordinal()] =
                CounterTypes.newCounter(countersManager, total.typeId(), total.label(), workerId);
        }
        for (int i = 0; i < DropReason.count(); i++)
        {
            counters[FIRST_DROP_REASON + i] = CounterTypes.newCounter(countersManager,
                CounterTypes.DROP_REASON_FIRST + i, "dropped " + name(DropReason.get(i)), workerId);
        }
        for (int i = 0; i < CookieCheck.values().length; i++)
        {
            counters[FIRST_COOKIE_CHECK + i] = CounterTypes.newCounter(countersManager,
                CounterTypes.COOKIE_CHECK_FIRST + i, "cookie " + name(CookieCheck.get(i)), workerId);
        }
        this.published = counters;
    }

    void onVerified(final CookieCheck check)
    {
        final long[] counts = unpublished;
        counts[DATAGRAMS]++;
        counts[VERIFIED]++;
        counts[FIRST_COOKIE_CHECK + check.ordinal()]++;
    }

    void onReply(final CookieCheck check, final int length)
    {
        final long[] counts = unpublished;
        counts[DATAGRAMS]++;
        counts[REPLIES]++;
        counts[REPLY_BYTES] += length;
        if (check != null)
        {
            counts[FIRST_COOKIE_CHECK + check.ordinal()]++;
        }
    }

    void onDrop(final DropReason reason)
    {
        final long[] counts = unpublished;
        counts[DATAGRAMS]++;
        counts[DROPPED]++;
        counts[FIRST_DROP_REASON + reason.ordinal()]++;
    }

    /**
     * Add what was counted since the last call to the published counters, one release-add per counter that moved,
     * and start again from zero. Call once per batch, on the verifier's thread; allocates nothing.
     */
    public void publish()
    {
        final AtomicCounter[] published = this.published;
        if (null == published)
        {
            return;
        }
        final long[] counts = unpublished;
        for (int i = 0; i < counts.length; i++)
        {
            final long delta = counts[i];
            if (delta != 0)
            {
                published[i].getAndAddRelease(delta);
                counts[i] = 0;
            }
        }
    }

    /**
     * Whether the counts are published to shared counters.
     *
     * @return true when made with a {@link CountersManager}.
     */
    public boolean isPublished()
    {
        return null != published;
    }

    /**
     * One of the totals.
     *
     * @param total which.
     * @return count, published or not.
     */
    public long get(final Total total)
    {
        return count(total.ordinal());
    }

    /**
     * Datagrams seen.
     *
     * @return count.
     */
    public long datagrams()
    {
        return count(DATAGRAMS);
    }

    /**
     * Hellos verified.
     *
     * @return count.
     */
    public long verified()
    {
        return count(VERIFIED);
    }

    /**
     * HelloVerifyRequests written.
     *
     * @return count.
     */
    public long replies()
    {
        return count(REPLIES);
    }

    /**
     * Bytes of HelloVerifyRequest written.
     *
     * @return count.
     */
    public long replyBytes()
    {
        return count(REPLY_BYTES);
    }

    /**
     * Datagrams dropped for any reason.
     *
     * @return count.
     */
    public long dropped()
    {
        return count(DROPPED);
    }

    /**
     * Datagrams dropped for one reason.
     *
     * @param reason to count.
     * @return count.
     */
    public long dropped(final DropReason reason)
    {
        return count(FIRST_DROP_REASON + reason.ordinal());
    }

    /**
     * Cookies that checked out one way; cookie-less hellos are not counted here.
     *
     * @param check result.
     * @return count.
     */
    public long cookieChecks(final CookieCheck check)
    {
        return count(FIRST_COOKIE_CHECK + check.ordinal());
    }

    private long count(final int index)
    {
        final long unpublishedCount = unpublished[index];
        return null == published ? unpublishedCount : published[index].get() + unpublishedCount;
    }

    /**
     * The name a drop reason or cookie check goes by in labels, JSON and metrics: its constant in lower case.
     *
     * @param constant a {@link DropReason} or {@link CookieCheck}.
     * @return e.g. "record_too_short".
     */
    public static String name(final Enum<?> constant)
    {
        return constant.name().toLowerCase(Locale.ROOT);
    }

    /**
     * {@inheritDoc}
     */
    public String toString()
    {
        final StringBuilder sb = new StringBuilder("VerifierCounters{datagrams=").append(datagrams())
            .append(", verified=").append(verified())
            .append(", replies=").append(replies())
            .append(", dropped=").append(dropped());
        for (int i = 0; i < DropReason.count(); i++)
        {
            final long count = dropped(DropReason.get(i));
            if (count != 0)
            {
                sb.append(", ").append(DropReason.get(i)).append('=').append(count);
            }
        }
        for (int i = 0; i < CookieCheck.values().length; i++)
        {
            final long count = cookieChecks(CookieCheck.get(i));
            if (count != 0)
            {
                sb.append(", ").append(CookieCheck.get(i)).append('=').append(count);
            }
        }
        return sb.append('}').toString();
    }
}
