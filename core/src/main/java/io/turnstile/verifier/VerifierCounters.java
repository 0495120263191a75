package io.turnstile.verifier;

import io.turnstile.cookie.CookieCheck;

/**
 * Counts of everything one {@link ClientHelloVerifier} decided: outcomes, drop reasons and cookie checks.
 * <p>
 * <b>Note:</b> single writer, plain fields: the verifier's thread bumps them; another thread reading them sees
 * values that may lag. A server publishes them to shared counters once per batch (see {@link #addTo(long[])}).
 */
public final class VerifierCounters
{
    private long datagrams;
    private long verified;
    private long replies;
    private long replyBytes;
    private long dropped;
    private final long[] drops = new long[DropReason.count()];
    private final long[] cookieChecks = new long[CookieCheck.values().length];

    void onVerified(final CookieCheck check)
    {
        datagrams++;
        verified++;
        cookieChecks[check.ordinal()]++;
    }

    void onReply(final CookieCheck check, final int length)
    {
        datagrams++;
        replies++;
        replyBytes += length;
        if (check != null)
        {
            cookieChecks[check.ordinal()]++;
        }
    }

    void onDrop(final DropReason reason)
    {
        datagrams++;
        dropped++;
        drops[reason.ordinal()]++;
    }

    /**
     * Datagrams seen.
     *
     * @return count.
     */
    public long datagrams()
    {
        return datagrams;
    }

    /**
     * Hellos verified.
     *
     * @return count.
     */
    public long verified()
    {
        return verified;
    }

    /**
     * HelloVerifyRequests written.
     *
     * @return count.
     */
    public long replies()
    {
        return replies;
    }

    /**
     * Bytes of HelloVerifyRequest written.
     *
     * @return count.
     */
    public long replyBytes()
    {
        return replyBytes;
    }

    /**
     * Datagrams dropped for any reason.
     *
     * @return count.
     */
    public long dropped()
    {
        return dropped;
    }

    /**
     * Datagrams dropped for one reason.
     *
     * @param reason to count.
     * @return count.
     */
    public long dropped(final DropReason reason)
    {
        return drops[reason.ordinal()];
    }

    /**
     * Cookies that checked out one way; cookie-less hellos are not counted here.
     *
     * @param check result.
     * @return count.
     */
    public long cookieChecks(final CookieCheck check)
    {
        return cookieChecks[check.ordinal()];
    }

    /** Length of the array {@link #addTo(long[])} fills. */
    public static final int SNAPSHOT_LENGTH = 5 + DropReason.count() + CookieCheck.values().length;

    /**
     * Add every count to an array, in a fixed order: datagrams, verified, replies, reply bytes, dropped, then one per
     * {@link DropReason} and one per {@link CookieCheck} by ordinal. For aggregating verifiers of several threads.
     *
     * @param totals of at least {@link #SNAPSHOT_LENGTH} elements.
     */
    public void addTo(final long[] totals)
    {
        totals[0] += datagrams;
        totals[1] += verified;
        totals[2] += replies;
        totals[3] += replyBytes;
        totals[4] += dropped;
        int index = 5;
        for (final long count : drops)
        {
            totals[index++] += count;
        }
        for (final long count : cookieChecks)
        {
            totals[index++] += count;
        }
    }

    /**
     * {@inheritDoc}
     */
    public String toString()
    {
        final StringBuilder sb = new StringBuilder("VerifierCounters{datagrams=").append(datagrams)
            .append(", verified=").append(verified)
            .append(", replies=").append(replies)
            .append(", dropped=").append(dropped);
        for (int i = 0; i < drops.length; i++)
        {
            if (drops[i] != 0)
            {
                sb.append(", ").append(DropReason.get(i)).append('=').append(drops[i]);
            }
        }
        for (int i = 0; i < cookieChecks.length; i++)
        {
            if (cookieChecks[i] != 0)
            {
                sb.append(", ").append(CookieCheck.get(i)).append('=').append(cookieChecks[i]);
            }
        }
        return sb.append('}').toString();
    }
}
