package io.turnstile.nativeio.xdp;

/**
 * Reads the XDP filter's verdict counters ({@link XdpCounter}) from the kernel: each is a per-CPU u64 in a map the
 * program bumps, summed here over the possible CPUs. Values only grow, from zero when the filter was loaded.
 * <p>
 * For stats, once a second or so: each read is one {@code bpf(2)} call per counter.
 */
public final class XdpCounters
{
    private final BpfMap map;

    /**
     * Read counters from a map.
     *
     * @param map a per-CPU array of {@link XdpCounter#COUNT} 8-byte values, as {@link XdpFilter} creates it.
     */
    public XdpCounters(final BpfMap map)
    {
        this.map = map;
    }

    /**
     * One counter, summed over CPUs.
     *
     * @param counter which.
     * @return its value.
     * @throws BpfException when the map is closed.
     */
    public long get(final XdpCounter counter)
    {
        return map.sumLong(counter.id());
    }

    /**
     * Datagrams the program dropped: not DTLS, or over the hello rate limit.
     *
     * @return the sum of the two drop counters.
     * @throws BpfException when the map is closed.
     */
    public long droppedInKernel()
    {
        return get(XdpCounter.DROPPED_NOT_DTLS) + get(XdpCounter.DROPPED_RATE_LIMITED);
    }

    /**
     * Frames the program passed to the kernel's stack, whatever the reason.
     *
     * @return the sum of the pass counters.
     * @throws BpfException when the map is closed.
     */
    public long passed()
    {
        return get(XdpCounter.PASSED_OTHER) + get(XdpCounter.PASSED_DEMUX) + get(XdpCounter.PASSED_DTLS) +
            get(XdpCounter.PASSED_HELLO_NO_SOCKET);
    }

    /**
     * Every counter at once (one call each, so not an atomic snapshot).
     *
     * @param values at least {@link XdpCounter#COUNT} long, filled by counter id.
     * @throws BpfException when the map is closed.
     */
    public void snapshot(final long[] values)
    {
        if (values.length < XdpCounter.COUNT)
        {
            throw new IllegalArgumentException("values must hold " + XdpCounter.COUNT + " counters");
        }
        for (final XdpCounter counter : XdpCounter.values())
        {
            values[counter.id()] = get(counter);
        }
    }

    /**
     * The counters as {@code label=value} pairs, for a log line.
     *
     * @return e.g. {@code passed_other=3 dropped_not_dtls=0 ...}.
     */
    @Override
    public String toString()
    {
        final StringBuilder text = new StringBuilder();
        for (final XdpCounter counter : XdpCounter.values())
        {
            text.append(text.isEmpty() ? "" : " ").append(counter.label()).append('=').append(get(counter));
        }
        return text.toString();
    }
}
