package io.turnstile.nativeio.xdp;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The front door's XDP filter: its maps, its program ({@link XdpDtlsProgram}) and its attachment. It drops datagrams
 * to the served port that cannot be DTLS, redirects first ClientHellos to the AF_XDP socket of their RX queue (once
 * one is {@link #registerSocket registered}) and passes everything else to the kernel, where the ordinary UDP socket
 * on the same address and port receives it.
 * <pre>
 * try (XdpFilter filter = XdpFilter.open(new XdpFilter.Context().address(ip).port(4433)))
 * {
 *     filter.attach("eth0");                 // detached again by close(), or when the process dies
 *     filter.registerSocket(queue, xskFd);   // an AF_XDP socket bound to eth0, that queue
 *     ... filter.counters().get(XdpCounter.DROPPED_NOT_DTLS) ...
 * }
 * </pre>
 * <b>Overload priority.</b> Under a flood of spoofed ClientHellos the AF_XDP RX ring fills, and a full ring drops
 * whatever arrives, the hellos of real clients included, after the kernel already spent the copy on them. With
 * {@link Context#helloRateLimit} the program keeps a token bucket per RX queue for hellos that carry no cookie, and
 * drops the excess before the copy; hellos that carry a cookie (the second flight of a client that got our
 * HelloVerifyRequest) bypass the bucket. A token bucket was chosen over a second AF_XDP socket for cookie hellos
 * because (1) it drops earlier, saving the NAPI and copy work that XDP.md measured as half the core at max load,
 * (2) a second socket on the same queue needs a shared UMEM and a second set of rings in every worker, and
 * (3) it is off by default and one number to tune. <b>Note:</b> the kernel cannot check a cookie, so a flood that
 * sends fake cookies bypasses the bucket either way; it then costs the worker one MAC check per datagram and no
 * reply, which is the cheaper path. The rate is per RX queue, i.e. per worker.
 * <p>
 * Setup only: the methods make system calls and allocate; none belongs on a data path.
 */
public final class XdpFilter implements AutoCloseable
{
    private final Context context;
    private final BpfMap xskMap;
    private final BpfMap countersMap;
    private final BpfMap bucketsMap;
    private final BpfProgram program;
    private final XdpCounters counters;
    private XdpLink link;

    private XdpFilter(
        final Context context,
        final BpfMap xskMap,
        final BpfMap countersMap,
        final BpfMap bucketsMap,
        final BpfProgram program)
    {
        this.context = context;
        this.xskMap = xskMap;
        this.countersMap = countersMap;
        this.bucketsMap = bucketsMap;
        this.program = program;
        this.counters = new XdpCounters(countersMap);
    }

    /**
     * Create the maps and load the program, not yet attached.
     *
     * @param context configuration; concluded here.
     * @return the filter.
     * @throws BpfException when the kernel refuses, naming the missing capability or with the verifier's log.
     */
    public static XdpFilter open(final Context context)
    {
        context.conclude();
        BpfMap xskMap = null;
        BpfMap countersMap = null;
        BpfMap bucketsMap = null;
        try
        {
            xskMap = BpfMap.xskMap(context.queues(), "ts_xsks");
            countersMap = BpfMap.array(Long.BYTES, XdpCounter.COUNT, true, "ts_counters");
            if (context.helloRatePerSecond() > 0)
            {
                bucketsMap = BpfMap.array(Long.BYTES, context.queues(), false, "ts_buckets");
            }
            final byte[] instructions = XdpDtlsProgram.assemble(
                context, xskMap.fd(), countersMap.fd(), null == bucketsMap ? -1 : bucketsMap.fd());
            final BpfProgram program = BpfProgram.loadXdp(context.programName(), instructions);
            return new XdpFilter(context, xskMap, countersMap, bucketsMap, program);
        }
        catch (final RuntimeException ex)
        {
            closeAll(xskMap, countersMap, bucketsMap);
            throw ex;
        }
    }

    /**
     * Attach the program to an interface of the calling thread's network namespace, in the context's mode.
     *
     * @param interfaceName e.g. {@code eth0}.
     * @return this.
     * @throws BpfException when there is no such interface or the kernel refuses (EBUSY: another program is there).
     * @throws IllegalStateException when attached already.
     */
    public XdpFilter attach(final String interfaceName)
    {
        return attach(Bpf.ifIndex(interfaceName));
    }

    /**
     * Attach the program to an interface, in the context's mode.
     *
     * @param ifindex the interface's index.
     * @return this.
     * @throws BpfException when the kernel refuses.
     * @throws IllegalStateException when attached already.
     */
    public XdpFilter attach(final int ifindex)
    {
        if (null != link)
        {
            throw new IllegalStateException("attached already to ifindex " + link.ifindex());
        }
        link = XdpLink.attach(program, ifindex, context.mode());
        return this;
    }

    /**
     * Detach the program; the maps and the program stay, so it can be attached again.
     */
    public void detach()
    {
        if (null != link)
        {
            link.close();
            link = null;
        }
    }

    /**
     * Whether the program is attached.
     *
     * @return true between {@link #attach} and {@link #detach()}.
     */
    public boolean isAttached()
    {
        return null != link;
    }

    /**
     * Send the first ClientHellos of an RX queue to an AF_XDP socket from now on.
     *
     * @param queue  the RX queue the socket is bound to, below {@link Context#queues()}.
     * @param xskFd  an AF_XDP socket bound to the attached interface and that queue.
     * @throws BpfException when the kernel refuses (EINVAL: not an AF_XDP socket, or not bound yet).
     */
    public void registerSocket(final int queue, final int xskFd)
    {
        xskMap.putInt(queue, xskFd);
    }

    /**
     * Stop redirecting a queue's hellos: they pass to the kernel's UDP socket again.
     *
     * @param queue the RX queue.
     */
    public void unregisterSocket(final int queue)
    {
        xskMap.remove(queue);
    }

    /**
     * The verdict counters.
     *
     * @return the reader, valid until {@link #close()}.
     */
    public XdpCounters counters()
    {
        return counters;
    }

    /**
     * The XSKMAP, for a caller that manages sockets itself.
     *
     * @return the map.
     */
    public BpfMap xskMap()
    {
        return xskMap;
    }

    /**
     * The per-queue hello buckets (one u64 theoretical arrival time, CLOCK_MONOTONIC ns, per RX queue).
     *
     * @return the map, or null without a rate limit.
     */
    BpfMap bucketsMap()
    {
        return bucketsMap;
    }

    /**
     * The loaded program.
     *
     * @return the program.
     */
    public BpfProgram program()
    {
        return program;
    }

    /**
     * The configuration.
     *
     * @return the concluded context.
     */
    public Context context()
    {
        return context;
    }

    /**
     * Detach and release the program and the maps.
     */
    @Override
    public void close()
    {
        detach();
        program.close();
        closeAll(xskMap, countersMap, bucketsMap);
    }

    private static void closeAll(final BpfMap... maps)
    {
        for (final BpfMap map : maps)
        {
            if (null != map)
            {
                map.close();
            }
        }
    }

    /**
     * What the filter serves and how: fluent setters, then {@link #conclude()} validates (called by
     * {@link XdpFilter#open}).
     */
    public static final class Context
    {
        /** Default XSKMAP (and bucket) entries: more than the RX queues of most NICs. */
        public static final int QUEUES_DEFAULT = 64;
        /** Default burst of the hello rate limit, in hellos. */
        public static final int HELLO_BURST_DEFAULT = 64;
        /** Default program name, as {@code ip link} shows it. */
        public static final String PROGRAM_NAME_DEFAULT = "turnstile_xdp";

        private InetAddress address;
        private int port;
        private int queues = QUEUES_DEFAULT;
        private final List<FirstByteRange> passFirstBytes = new ArrayList<>();
        private long helloRatePerSecond;
        private int helloBurst = HELLO_BURST_DEFAULT;
        private XdpMode mode = XdpMode.AUTO;
        private String programName = PROGRAM_NAME_DEFAULT;

        /**
         * The defaults: any address, no port (set one), {@link #QUEUES_DEFAULT} queues, nothing passed by first
         * byte, no hello rate limit, {@link XdpMode#AUTO}.
         */
        public Context()
        {
        }

        /**
         * The served address: an IPv4 address matches IPv4 only, an IPv6 address IPv6 only, {@code 0.0.0.0} any
         * IPv4 destination, {@code ::} or null (the default) any destination of either family.
         *
         * @param address the address the UDP socket is bound to.
         * @return this.
         */
        public Context address(final InetAddress address)
        {
            this.address = address;
            return this;
        }

        /**
         * The served address.
         *
         * @return the address, or null for any.
         */
        public InetAddress address()
        {
            return null != address && address.isAnyLocalAddress() && address.getAddress().length == 16 ?
                null : address;
        }

        /**
         * The served UDP port.
         *
         * @param port 1 to 65535.
         * @return this.
         */
        public Context port(final int port)
        {
            this.port = port;
            return this;
        }

        /**
         * The served UDP port.
         *
         * @return the port.
         */
        public int port()
        {
            return port;
        }

        /**
         * Entries of the XSKMAP: RX queue indexes from 0 to queues - 1 can have a socket.
         *
         * @param queues at least the interface's RX queue count.
         * @return this.
         */
        public Context queues(final int queues)
        {
            this.queues = queues;
            return this;
        }

        /**
         * Entries of the XSKMAP.
         *
         * @return the count.
         */
        public int queues()
        {
            return queues;
        }

        /**
         * Pass datagrams whose first byte is in a range instead of dropping them as not DTLS: the hook for sharing
         * the port with STUN, RTP and others by RFC 7983 (e.g. {@link FirstByteRange#STUN},
         * {@link FirstByteRange#RTP_RTCP}), or for DTLS 1.3 ciphertext ({@link FirstByteRange#DTLS13_CIPHERTEXT}).
         * Checked before the DTLS tests, so these pass whatever their length.
         *
         * @param range a range to pass; may be called several times.
         * @return this.
         */
        public Context passFirstBytes(final FirstByteRange range)
        {
            passFirstBytes.add(range);
            return this;
        }

        /**
         * The ranges passed.
         *
         * @return the ranges, in the order added.
         */
        public List<FirstByteRange> passFirstBytes()
        {
            return List.copyOf(passFirstBytes);
        }

        /**
         * Limit cookie-less ClientHellos per RX queue with a token bucket in the kernel; hellos with a cookie are
         * never limited. Off (0) by default.
         *
         * @param perSecond hellos per second per queue, 0 for no limit.
         * @param burst     hellos allowed at once, at least 1.
         * @return this.
         */
        public Context helloRateLimit(final long perSecond, final int burst)
        {
            this.helloRatePerSecond = perSecond;
            this.helloBurst = burst;
            return this;
        }

        /**
         * The cookie-less hello rate per queue.
         *
         * @return hellos per second, 0 when unlimited.
         */
        public long helloRatePerSecond()
        {
            return helloRatePerSecond;
        }

        /**
         * The bucket's depth.
         *
         * @return hellos.
         */
        public int helloBurst()
        {
            return helloBurst;
        }

        /**
         * Where the kernel runs the program.
         *
         * @param mode {@link XdpMode#DRIVER}, {@link XdpMode#SKB} or {@link XdpMode#AUTO} (default).
         * @return this.
         */
        public Context mode(final XdpMode mode)
        {
            this.mode = mode;
            return this;
        }

        /**
         * Where the kernel runs the program.
         *
         * @return the mode.
         */
        public XdpMode mode()
        {
            return mode;
        }

        /**
         * The program's name for {@code ip link} and {@code bpftool}.
         *
         * @param programName up to 15 characters of letters, digits, '_' or '.'.
         * @return this.
         */
        public Context programName(final String programName)
        {
            this.programName = programName;
            return this;
        }

        /**
         * The program's name.
         *
         * @return the name.
         */
        public String programName()
        {
            return programName;
        }

        /**
         * Validate.
         *
         * @return this.
         * @throws IllegalArgumentException naming the bad value.
         */
        public Context conclude()
        {
            if (port < 1 || port > 65_535)
            {
                throw new IllegalArgumentException("port must be 1 to 65535, got " + port);
            }
            if (queues < 1 || queues > 4096)
            {
                throw new IllegalArgumentException("queues must be 1 to 4096, got " + queues);
            }
            if (helloRatePerSecond < 0 || helloRatePerSecond > 1_000_000_000L)
            {
                throw new IllegalArgumentException("hello rate must be 0 to 1e9 per second, got " +
                    helloRatePerSecond);
            }
            if (helloRatePerSecond > 0 && (helloBurst < 1 || helloBurst > 1_000_000))
            {
                throw new IllegalArgumentException("hello burst must be 1 to 1000000, got " + helloBurst);
            }
            if (null == mode)
            {
                throw new IllegalArgumentException("mode must be set");
            }
            if (null == programName || programName.isEmpty() || programName.length() > 15)
            {
                throw new IllegalArgumentException("program name must be 1 to 15 characters, got " + programName);
            }
            return this;
        }
    }
}
