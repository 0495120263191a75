package io.turnstile.tools.flood;

import io.turnstile.nativeio.Errno;
import io.turnstile.nativeio.LibC;
import io.turnstile.nativeio.NativeIoException;
import io.turnstile.nativeio.SocketFilter;
import io.turnstile.tools.Captures;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.SplittableRandom;

/**
 * A bounded flood of realistic, cookie-less DTLS ClientHellos from many source addresses, for load-testing a
 * verifier: every packet is a real capture ({@link Captures#hello(String)}) with its 32-byte random re-drawn, sent in
 * {@code sendmmsg} batches through {@link LibC}, at full speed or paced to a target rate, and always stopped by a
 * duration and a packet count.
 * <pre>{@code
 * final FloodReport report = new SpoofedFlood(new SpoofedFlood.Context()
 *     .targetAddress(InetAddress.getLoopbackAddress()).targetPort(4433)
 *     .mode(SpoofedFlood.Mode.RAW).rate(50_000).durationNs(TimeUnit.SECONDS.toNanos(3))).run();
 * System.out.println(report.toJson());
 * }</pre>
 * <b>Modes.</b>
 * <ul>
 *   <li>{@link Mode#RAW}: one {@code socket(AF_INET, SOCK_RAW, IPPROTO_RAW)} writing the IPv4 and UDP headers, so
 *   every packet has a random source address from the prefix (by default 127.0.0.0/8 less the .0 and .255 hosts and
 *   the target) and a source port drawn from {@link SinkSockets}. Needs root or CAP_NET_RAW. On loopback, spoofed
 *   127/8 sources are delivered, and the server's HelloVerifyRequests go back to them: to the sink sockets, whose
 *   drop-all filter discards them without the ICMP port-unreachable that an unowned port would draw.</li>
 *   <li>{@link Mode#UDP}: ordinary UDP sockets, {@link Context#udpSockets(int)} of them, each bound to a distinct
 *   address of the prefix on an ephemeral port, used round robin one batch each. No privilege needed; the sources are
 *   real, so the HVRs come back to these sockets, whose drop-all filter discards them (each socket is its own
 *   sink).</li>
 * </ul>
 * <b>Safety.</b> The target and the source prefix must lie in 127.0.0.0/8, unless the process runs in a network
 * namespace of its own (as under {@code ip netns exec}), where the topology is the test's own. Duration is at most
 * {@value Context#MAX_DURATION_S} s and packets at most {@value Context#MAX_PACKETS}.
 * <p>
 * Nothing is allocated per packet or per batch: the sending thread re-stamps pre-allocated off-heap packets.
 * {@link #run()} runs on the calling thread, or on a thread of its own pinned to {@link Context#cpu(int)};
 * {@link #start()} runs it in the background (the pps harness and the benchmarks). {@link #stop()}, {@link #sent()}
 * and the other progress getters may be called from any thread.
 */
public final class SpoofedFlood implements AutoCloseable
{
    /** How the packets are sent. */
    public enum Mode
    {
        /** A raw IPv4 socket with spoofed source addresses and sink-socket source ports. */
        RAW,
        /** Ordinary UDP sockets bound to many 127.x.y.z addresses. */
        UDP;

        /**
         * The lower-case name used by the command line and the report.
         *
         * @return "raw" or "udp".
         */
        public String label()
        {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private static final Ipv4Cidr LOOPBACK = Ipv4Cidr.parse("127.0.0.0/8");
    private static final int MAX_CONSECUTIVE_FAILURES = 1000;
    private static final long SPIN_LIMIT_NS = 100_000;
    private static final int RANDOM_PORT_COUNT = 4096;
    private static final int FIRST_RANDOM_PORT = 1024;

    private final Context context;
    private volatile boolean stopRequested;
    private volatile long sent;
    private volatile boolean done;
    private volatile FloodReport report;
    private volatile Throwable failure;
    private Thread thread;

    /**
     * A flood ready to {@link #run()}.
     *
     * @param context configuration, concluded here.
     * @throws IllegalArgumentException naming a bad value.
     */
    public SpoofedFlood(final Context context)
    {
        this.context = context.conclude();
    }

    /**
     * Flood on the calling thread until the packet count or the duration is reached, or {@link #stop()} is called;
     * with {@link Context#cpu(int)} set, on a thread of its own pinned there, joined here.
     *
     * @return what was sent.
     * @throws UnsupportedOperationException when {@link LibC#isAvailable()} is false.
     * @throws IllegalStateException when the raw socket is refused (EPERM) and falling back to UDP is not allowed.
     * @throws NativeIoException when a socket cannot be opened or bound.
     */
    public FloodReport run()
    {
        if (context.cpu < 0)
        {
            checkAvailable();
            return flood();
        }
        start();
        boolean interrupted = false;
        while (thread.isAlive())
        {
            try
            {
                thread.join();
            }
            catch (final InterruptedException ex)
            {
                interrupted = true;
                stop();
            }
        }
        if (interrupted)
        {
            Thread.currentThread().interrupt();
        }
        if (failure instanceof RuntimeException ex)
        {
            throw ex;
        }
        if (failure instanceof Error error)
        {
            throw error;
        }
        return report;
    }

    /**
     * Flood on a daemon thread of its own (pinned to {@link Context#cpu(int)} when set) and return at once; watch it
     * with {@link #sent()}, {@link #isDone()}, {@link #failure()} and {@link #report()}, end it with {@link #close()}.
     *
     * @return this.
     * @throws UnsupportedOperationException when {@link LibC#isAvailable()} is false.
     */
    public SpoofedFlood start()
    {
        checkAvailable();
        thread = new Thread(this::floodOnOwnThread, "turnstile-flood");
        thread.setDaemon(true);
        thread.start();
        return this;
    }

    private void floodOnOwnThread()
    {
        try
        {
            if (context.cpu >= 0)
            {
                final int errno = LibC.pinCurrentThread(context.cpu);
                if (0 != errno)
                {
                    throw new IllegalArgumentException("cannot pin the flood to cpu " + context.cpu + ": " +
                        Errno.name(errno));
                }
            }
            report = flood();
        }
        catch (final Throwable ex)
        {
            failure = ex;
        }
        finally
        {
            done = true;
        }
    }

    private static void checkAvailable()
    {
        if (!LibC.isAvailable())
        {
            throw new UnsupportedOperationException("the flood needs the libc bindings (x86_64 Linux)");
        }
    }

    /**
     * Ask a running flood to stop after its current batch.
     */
    public void stop()
    {
        stopRequested = true;
    }

    /**
     * Stop a flood begun with {@link #start()} and wait for its sockets to close; safe to call more than once.
     */
    @Override
    public void close()
    {
        stop();
        if (null != thread && thread.isAlive())
        {
            try
            {
                thread.join(TimeUnit.SECONDS.toMillis(10));
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Packets sent so far, updated once per batch; readable from any thread.
     *
     * @return packets the kernel accepted.
     */
    public long sent()
    {
        return sent;
    }

    /**
     * Whether a flood begun with {@link #start()} has ended (bound reached, stopped, or failed).
     *
     * @return true once ended.
     */
    public boolean isDone()
    {
        return done;
    }

    /**
     * What stopped a flood begun with {@link #start()} early, if anything.
     *
     * @return null while healthy.
     */
    public Throwable failure()
    {
        return failure;
    }

    /**
     * The account of a flood begun with {@link #start()}, once it has ended.
     *
     * @return the report, or null while running or after a failure.
     */
    public FloodReport report()
    {
        return report;
    }

    private FloodReport flood()
    {
        final Context ctx = context;
        final SplittableRandom random = new SplittableRandom(ctx.seed);
        final int target = Ipv4Cidr.toInt(ctx.targetAddress);
        final int[] fds = new int[Math.max(1, ctx.udpSockets)];
        Arrays.fill(fds, -1);
        int fdCount = 0;
        SinkSockets ownSinks = null;
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment errnoState = arena.allocate(LibC.ERRNO_STATE_LAYOUT);
            final MemorySegment scratch = arena.allocate(LibC.SOCKADDR_STORAGE.byteSize() + Integer.BYTES, 8);
            Mode mode = ctx.mode;
            String notice = null;
            if (Mode.RAW == mode)
            {
                final int fd = FloodSockets.openRaw(errnoState);
                if (fd >= 0)
                {
                    fds[fdCount++] = fd;
                }
                else
                {
                    final String why = "raw socket refused (" + Errno.name(-fd) + "): it needs root or CAP_NET_RAW";
                    if (!ctx.fallbackToUdp)
                    {
                        throw new IllegalStateException(why + "; use Mode.UDP (--mode udp)");
                    }
                    notice = why + "; fell back to mode udp";
                    ctx.notice.accept("flood: " + notice);
                    mode = Mode.UDP;
                }
            }

            final FloodBatch batch;
            final long sourceCount;
            int sinkCount = 0;
            if (Mode.RAW == mode)
            {
                final int[] ports;
                if (null != ctx.sinks)
                {
                    ports = ctx.sinks.ports();
                    sinkCount = ports.length;
                }
                else if (ctx.sinkPorts > 0)
                {
                    ownSinks = SinkSockets.open(ctx.sinkPorts);
                    ports = ownSinks.ports();
                    sinkCount = ports.length;
                }
                else
                {
                    ports = new int[RANDOM_PORT_COUNT];
                    for (int i = 0; i < ports.length; i++)
                    {
                        ports[i] = FIRST_RANDOM_PORT + random.nextInt(65_536 - FIRST_RANDOM_PORT);
                    }
                }
                batch = FloodBatch.raw(arena, ctx.batchSize, ctx.hello, target, ctx.targetPort,
                    ctx.sourcePrefix, ports, random);
                sourceCount = ctx.usableSources;
            }
            else
            {
                final int wanted = (int)Math.min(ctx.udpSockets, ctx.usableSources);
                final Set<Integer> used = new HashSet<>();
                final SocketFilter dropAll = SocketFilter.dropAll();
                while (fdCount < wanted)
                {
                    final int source = ctx.sourcePrefix.draw(random, target);
                    if (used.add(source))
                    {
                        fds[fdCount++] = FloodSockets.openUdp(errnoState, scratch, source, 0, dropAll);
                    }
                }
                batch = FloodBatch.udp(arena, ctx.batchSize, ctx.hello, target, ctx.targetPort, random);
                sourceCount = fdCount;
            }

            return send(mode, batch, fds, fdCount, errnoState, sourceCount, sinkCount, notice);
        }
        finally
        {
            try (Arena arena = Arena.ofConfined())
            {
                FloodSockets.closeAll(arena.allocate(LibC.ERRNO_STATE_LAYOUT), fds, fdCount);
            }
            if (null != ownSinks)
            {
                // HVRs for the last hellos may still be on their way: keep their sinks a moment longer.
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(ctx.sinkLingerMs));
                ownSinks.close();
            }
        }
    }

    private FloodReport send(
        final Mode mode,
        final FloodBatch batch,
        final int[] fds,
        final int fdCount,
        final MemorySegment errnoState,
        final long sourceCount,
        final int sinkCount,
        final String notice)
    {
        final Context ctx = context;
        final MemorySegment headers = batch.headers();
        final int batchSize = batch.capacity();
        final long maxPackets = ctx.maxPackets;
        final long rate = ctx.rate;
        final long start = System.nanoTime();
        final long deadline = start + ctx.durationNs;

        long sentCount = 0;
        long errors = 0;
        long wouldBlock = 0;
        int lastErrno = 0;
        int consecutiveFailures = 0;
        int next = 0;
        String stoppedBy;
        long now = start;
        while (true)
        {
            if (stopRequested)
            {
                stoppedBy = "stop";
                break;
            }
            final long remaining = maxPackets - sentCount;
            if (remaining <= 0)
            {
                stoppedBy = "packets";
                break;
            }
            now = System.nanoTime();
            if (now - deadline >= 0)
            {
                stoppedBy = "duration";
                break;
            }
            if (rate > 0)
            {
                final long due = start + sentCount * 1_000_000_000L / rate;
                final long wait = due - now;
                if (wait > 0)
                {
                    pause(Math.min(wait, deadline - now));
                    continue;
                }
            }
            if (consecutiveFailures >= MAX_CONSECUTIVE_FAILURES)
            {
                stoppedBy = "errors";
                break;
            }

            final int count = (int)Math.min(batchSize, remaining);
            batch.fill(count);
            final int fd = fds[next];
            next = next + 1 == fdCount ? 0 : next + 1;
            final int result = LibC.sendmmsg(errnoState, fd, headers, count, LibC.MSG_DONTWAIT);
            if (result > 0)
            {
                sentCount += result;
                consecutiveFailures = 0;
                sent = sentCount;
            }
            else
            {
                final int errno = result < 0 ? LibC.errno(errnoState) : Errno.EAGAIN;
                if (Errno.isTransient(errno))
                {
                    wouldBlock++;
                    Thread.onSpinWait();
                }
                else if (errno == Errno.EBADF || errno == Errno.ENOTSOCK || errno == Errno.EFAULT)
                {
                    throw new NativeIoException("sendmmsg", errno);
                }
                else
                {
                    // The head packet was refused (e.g. EPERM from a firewall): it is dropped, the rest re-stamped.
                    errors++;
                    lastErrno = errno;
                    consecutiveFailures++;
                }
            }
        }
        final long end = System.nanoTime();
        sent = sentCount;

        final int payload = batch.payloadLength();
        return new FloodReport(
            mode.label(),
            ctx.targetAddress.getHostAddress() + ":" + ctx.targetPort,
            ctx.sourcePrefix.toString(),
            sourceCount,
            sinkCount,
            ctx.template,
            payload,
            batchSize,
            rate,
            sentCount,
            sentCount * payload,
            sentCount * (payload + Ipv4UdpHeaderEncoder.HEADERS_LENGTH),
            end - start,
            errors,
            wouldBlock,
            0 == lastErrno ? null : Errno.name(lastErrno),
            stoppedBy,
            notice);
    }

    private static void pause(final long nanos)
    {
        if (nanos > SPIN_LIMIT_NS)
        {
            LockSupport.parkNanos(nanos - SPIN_LIMIT_NS / 2);
        }
        else
        {
            Thread.onSpinWait();
        }
    }

    /**
     * Whether this process runs in a network namespace other than init's (e.g. under {@code ip netns exec}), where
     * the interfaces and routes are a test's own and non-loopback targets are allowed.
     *
     * @return true when /proc/self/ns/net and /proc/1/ns/net differ; false when either cannot be read.
     */
    public static boolean inOwnNetworkNamespace()
    {
        try
        {
            final Path self = Files.readSymbolicLink(Path.of("/proc/self/ns/net"));
            final Path init = Files.readSymbolicLink(Path.of("/proc/1/ns/net"));
            return !self.equals(init);
        }
        catch (final IOException | UnsupportedOperationException | SecurityException ex)
        {
            return false;
        }
    }

    /**
     * Configuration of a {@link SpoofedFlood}: fluent setters, then {@link #conclude()} validates and fills defaults.
     */
    public static final class Context
    {
        /** Default duration bound: 10 seconds. */
        public static final long DEFAULT_DURATION_S = 10;
        /** Longest flood: 10 minutes. */
        public static final long MAX_DURATION_S = 600;
        /** Default packet bound. */
        public static final long DEFAULT_PACKETS = 10_000_000;
        /** Most packets in one flood. */
        public static final long MAX_PACKETS = 1_000_000_000;
        /** Default packets per sendmmsg: a system call amortised over 32 packets, which saturates on loopback. */
        public static final int DEFAULT_BATCH_SIZE = 32;
        /** Largest batch: the kernel's UIO_MAXIOV. */
        public static final int MAX_BATCH_SIZE = 1024;
        /** Default source prefix. */
        public static final String DEFAULT_SOURCES = "127.0.0.0/8";
        /** Default sink sockets in raw mode. */
        public static final int DEFAULT_SINK_PORTS = 16;
        /** Default UDP-mode sockets, each a distinct source address. */
        public static final int DEFAULT_UDP_SOCKETS = 256;
        /** Most UDP-mode sockets. */
        public static final int MAX_UDP_SOCKETS = 4096;
        /** Default time the flood's own sinks stay open after the last packet, for late replies. */
        public static final int DEFAULT_SINK_LINGER_MS = 200;

        private InetAddress targetAddress;
        private int targetPort = -1;
        private Mode mode = Mode.RAW;
        private boolean fallbackToUdp = false;
        private String sources = DEFAULT_SOURCES;
        private int sinkPorts = DEFAULT_SINK_PORTS;
        private SinkSockets sinks;
        private int sinkLingerMs = DEFAULT_SINK_LINGER_MS;
        private long rate = 0;
        private int batchSize = DEFAULT_BATCH_SIZE;
        private long durationNs = TimeUnit.SECONDS.toNanos(DEFAULT_DURATION_S);
        private long maxPackets = DEFAULT_PACKETS;
        private String template = Captures.DEFAULT_HELLO;
        private int cpu = -1;
        private int udpSockets = DEFAULT_UDP_SOCKETS;
        private long seed = System.nanoTime() ^ 0x5DEECE66DL;
        private Consumer<String> notice;

        private Ipv4Cidr sourcePrefix;
        private byte[] hello;
        private long usableSources;
        private boolean concluded;

        /**
         * Every value at its default until set; the target has none.
         */
        public Context()
        {
        }

        /**
         * Validate and fill defaults; loads the template and parses the prefix. Idempotent.
         *
         * @return this.
         * @throws IllegalArgumentException naming the bad value.
         */
        public Context conclude()
        {
            if (concluded)
            {
                return this;
            }
            if (!(targetAddress instanceof Inet4Address))
            {
                throw new IllegalArgumentException("targetAddress must be an IPv4 address, got " + targetAddress);
            }
            if (targetPort < 1 || targetPort > 65_535)
            {
                throw new IllegalArgumentException("targetPort must be 1 to 65535, got " + targetPort);
            }
            Objects.requireNonNull(mode, "mode must not be null");
            sourcePrefix = Ipv4Cidr.parse(sources);
            final int target = Ipv4Cidr.toInt(targetAddress);
            // Only look at /proc when it matters: loopback floods are allowed anywhere.
            final boolean ownNamespace =
                (!LOOPBACK.contains(target) || !sourcePrefix.isWithin(LOOPBACK)) && inOwnNetworkNamespace();
            if (!LOOPBACK.contains(target) && !ownNamespace)
            {
                throw new IllegalArgumentException("targetAddress must be in 127.0.0.0/8 (or the flood must run in a " +
                    "network namespace of its own), got " + targetAddress.getHostAddress());
            }
            if (!sourcePrefix.isWithin(LOOPBACK) && !ownNamespace)
            {
                throw new IllegalArgumentException("sources must lie in 127.0.0.0/8 (or the flood must run in a " +
                    "network namespace of its own), got " + sources);
            }
            usableSources = sourcePrefix.countUsable(target, 1L << 24);
            if (0 == usableSources)
            {
                throw new IllegalArgumentException("sources " + sources + " has no usable address (hosts .0 and " +
                    ".255 and the target " + targetAddress.getHostAddress() + " are never used)");
            }
            if (sinkPorts < 0 || sinkPorts > SinkSockets.MAX_SINKS)
            {
                throw new IllegalArgumentException("sinkPorts must be 0 to " + SinkSockets.MAX_SINKS + ", got " +
                    sinkPorts);
            }
            if (sinkLingerMs < 0 || sinkLingerMs > 10_000)
            {
                throw new IllegalArgumentException("sinkLingerMs must be 0 to 10000, got " + sinkLingerMs);
            }
            if (rate < 0)
            {
                throw new IllegalArgumentException("rate must be 0 (max) or a positive packets per second, got " +
                    rate);
            }
            if (batchSize < 1 || batchSize > MAX_BATCH_SIZE)
            {
                throw new IllegalArgumentException("batchSize must be 1 to " + MAX_BATCH_SIZE + ", got " + batchSize);
            }
            if (durationNs <= 0 || durationNs > TimeUnit.SECONDS.toNanos(MAX_DURATION_S))
            {
                throw new IllegalArgumentException("duration must be more than 0 and at most " + MAX_DURATION_S +
                    " s, got " + durationNs + " ns");
            }
            if (maxPackets < 1 || maxPackets > MAX_PACKETS)
            {
                throw new IllegalArgumentException("maxPackets must be 1 to " + MAX_PACKETS + ", got " + maxPackets);
            }
            if (cpu < -1 || cpu >= LibC.CPU_SET_BYTES * 8)
            {
                throw new IllegalArgumentException("cpu must be -1 (none) or 0 to " + (LibC.CPU_SET_BYTES * 8 - 1) +
                    ", got " + cpu);
            }
            if (udpSockets < 1 || udpSockets > MAX_UDP_SOCKETS)
            {
                throw new IllegalArgumentException("udpSockets must be 1 to " + MAX_UDP_SOCKETS + ", got " +
                    udpSockets);
            }
            hello = Captures.hello(Objects.requireNonNull(template, "template must not be null"));
            if (null == notice)
            {
                notice = System.err::println;
            }
            concluded = true;
            return this;
        }

        private void checkNotConcluded()
        {
            if (concluded)
            {
                throw new IllegalStateException("context already concluded: set values before the flood is built");
            }
        }

        /**
         * Where to send.
         *
         * @param targetAddress an IPv4 address in 127.0.0.0/8 (unless in a network namespace of its own).
         * @return this.
         */
        public Context targetAddress(final InetAddress targetAddress)
        {
            checkNotConcluded();
            this.targetAddress = Objects.requireNonNull(targetAddress, "targetAddress must not be null");
            return this;
        }

        /**
         * The target's UDP port.
         *
         * @param targetPort 1 to 65535; no default.
         * @return this.
         */
        public Context targetPort(final int targetPort)
        {
            checkNotConcluded();
            this.targetPort = targetPort;
            return this;
        }

        /**
         * How to send.
         *
         * @param mode default {@link Mode#RAW}.
         * @return this.
         */
        public Context mode(final Mode mode)
        {
            checkNotConcluded();
            this.mode = mode;
            return this;
        }

        /**
         * Whether a raw socket refused for lack of privilege falls back to {@link Mode#UDP} (with a notice) instead of
         * failing.
         *
         * @param fallbackToUdp default false.
         * @return this.
         */
        public Context fallbackToUdp(final boolean fallbackToUdp)
        {
            checkNotConcluded();
            this.fallbackToUdp = fallbackToUdp;
            return this;
        }

        /**
         * The prefix source addresses are drawn from; hosts .0 and .255 and the target are never used.
         *
         * @param sources CIDR, e.g. "127.0.0.0/8" (the default).
         * @return this.
         */
        public Context sources(final String sources)
        {
            checkNotConcluded();
            this.sources = Objects.requireNonNull(sources, "sources must not be null");
            return this;
        }

        /**
         * Raw mode: how many {@link SinkSockets} the flood opens for its source ports; 0 draws random ports from 1024
         * to 65535 instead, and every reply then draws an ICMP port-unreachable. Ignored when {@link #sinks} is set,
         * and in UDP mode (each socket there is its own sink).
         *
         * @param sinkPorts 0 to {@value SinkSockets#MAX_SINKS}; default {@value #DEFAULT_SINK_PORTS}.
         * @return this.
         */
        public Context sinkPorts(final int sinkPorts)
        {
            checkNotConcluded();
            this.sinkPorts = sinkPorts;
            return this;
        }

        /**
         * Raw mode: sinks the caller owns (and closes), e.g. kept open across several floods.
         *
         * @param sinks open sinks, or null for the flood to open its own.
         * @return this.
         */
        public Context sinks(final SinkSockets sinks)
        {
            checkNotConcluded();
            this.sinks = sinks;
            return this;
        }

        /**
         * How long the flood's own sinks stay open after its last packet, so late replies still land on them.
         *
         * @param sinkLingerMs 0 to 10000; default {@value #DEFAULT_SINK_LINGER_MS}.
         * @return this.
         */
        public Context sinkLingerMs(final int sinkLingerMs)
        {
            checkNotConcluded();
            this.sinkLingerMs = sinkLingerMs;
            return this;
        }

        /**
         * Target packets per second, paced per batch; 0 sends as fast as the kernel takes them.
         *
         * @param rate 0 (the default) or packets per second.
         * @return this.
         */
        public Context rate(final long rate)
        {
            checkNotConcluded();
            this.rate = rate;
            return this;
        }

        /**
         * Packets per sendmmsg.
         *
         * @param batchSize 1 to {@value #MAX_BATCH_SIZE}; default {@value #DEFAULT_BATCH_SIZE}.
         * @return this.
         */
        public Context batchSize(final int batchSize)
        {
            checkNotConcluded();
            this.batchSize = batchSize;
            return this;
        }

        /**
         * The duration bound.
         *
         * @param durationNs more than 0, at most {@value #MAX_DURATION_S} s; default {@value #DEFAULT_DURATION_S} s.
         * @return this.
         */
        public Context durationNs(final long durationNs)
        {
            checkNotConcluded();
            this.durationNs = durationNs;
            return this;
        }

        /**
         * The packet bound.
         *
         * @param maxPackets 1 to {@value #MAX_PACKETS}; default {@value #DEFAULT_PACKETS}.
         * @return this.
         */
        public Context maxPackets(final long maxPackets)
        {
            checkNotConcluded();
            this.maxPackets = maxPackets;
            return this;
        }

        /**
         * The hello capture to send, by file name in the corpus.
         *
         * @param template default {@value Captures#DEFAULT_HELLO}.
         * @return this.
         */
        public Context template(final String template)
        {
            checkNotConcluded();
            this.template = template;
            return this;
        }

        /**
         * Pin the sending thread to a CPU (the flood then runs on a thread of its own).
         *
         * @param cpu -1 (the default) for no pinning, else 0 to 1023.
         * @return this.
         */
        public Context cpu(final int cpu)
        {
            checkNotConcluded();
            this.cpu = cpu;
            return this;
        }

        /**
         * UDP mode: sockets, each bound to a distinct source address (fewer if the prefix has fewer).
         *
         * @param udpSockets 1 to {@value #MAX_UDP_SOCKETS}; default {@value #DEFAULT_UDP_SOCKETS}.
         * @return this.
         */
        public Context udpSockets(final int udpSockets)
        {
            checkNotConcluded();
            this.udpSockets = udpSockets;
            return this;
        }

        /**
         * Seed of the generator for randoms, sources and ports, to repeat a flood exactly.
         *
         * @param seed default from the clock.
         * @return this.
         */
        public Context seed(final long seed)
        {
            checkNotConcluded();
            this.seed = seed;
            return this;
        }

        /**
         * Where to say that the flood had to change plan (e.g. fell back to UDP).
         *
         * @param notice receives one line; default prints to System.err.
         * @return this.
         */
        public Context notice(final Consumer<String> notice)
        {
            checkNotConcluded();
            this.notice = Objects.requireNonNull(notice, "notice must not be null");
            return this;
        }



    }
}
