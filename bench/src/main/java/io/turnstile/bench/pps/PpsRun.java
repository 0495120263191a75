package io.turnstile.bench.pps;

import io.turnstile.cookie.CookieKeys;
import io.turnstile.nativeio.WorkerCounter;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;

/**
 * One measurement: start a responder (or N SO_REUSEPORT workers of it) pinned to its CPUs, flood it from another CPU
 * for warm-up + measurement seconds, sample every counter once a second (Aeron's RateReporter pattern: the sampler
 * reads what the responder publishes per batch, and costs it nothing), then stop both and report the rates over the
 * measurement window only.
 */
final class PpsRun
{
    private static final long SECOND_NS = TimeUnit.SECONDS.toNanos(1);
    private static final long FLOOD_SLACK_MS = 1_000;

    private final Settings settings;

    /**
     * What to run.
     *
     * @param responder    name from {@link Responders#NAMES}.
     * @param batchSize    datagrams per batch, for responders that batch.
     * @param workers      responder threads sharing the port with SO_REUSEPORT.
     * @param responderCpu first CPU for the workers (worker i on responderCpu + i), -1 for no pinning.
     * @param floodCpu     CPU of the flood thread, -1 for no pinning.
     * @param ratePps      offered rate, 0 for max.
     * @param warmupS      seconds flooded before measuring.
     * @param measureS     seconds measured.
     * @param maxPackets   the flood's packet budget.
     * @param cookieKeys   keys every verifier shares.
     * @param floods       builds the flood.
     * @param dontFragment whether the NIO, BouncyCastle and Netty baselines set the DF bit as Turnstile does.
     */
    record Settings(
        String responder,
        int batchSize,
        int workers,
        int responderCpu,
        int floodCpu,
        long ratePps,
        int warmupS,
        int measureS,
        long maxPackets,
        CookieKeys cookieKeys,
        Function<Flood.Context, Flood> floods,
        boolean dontFragment)
    {
    }

    /**
     * One second's deltas.
     *
     * @param second     seconds since the flood started, at the end of this interval.
     * @param measured   whether it falls in the measurement window.
     * @param offered    datagrams the flood sent.
     * @param received   datagrams the responder received.
     * @param replied    replies it sent.
     * @param dropped    datagrams its verifier dropped.
     * @param kernelDrop datagrams dropped on the responder's full receive buffers.
     * @param seconds    length of the interval.
     */
    record Second(int second, boolean measured, long offered, long received, long replied, long dropped,
        long kernelDrop, double seconds)
    {
    }

    /**
     * The rates over the measurement window.
     *
     * @param settings          what ran.
     * @param description       the responder's own account of what it does.
     * @param topology          the flood's.
     * @param loadAverage       1-minute load average when the run started.
     * @param measuredSeconds   length of the window.
     * @param offeredPps        flood datagrams per second.
     * @param receivedPps       received per second.
     * @param repliedPps        replies per second.
     * @param verifiedPps       verified per second.
     * @param droppedPps        verifier drops per second.
     * @param kernelDropPps     drops per second at the responder's full receive buffers.
     * @param replyFailures     replies not sent (kernel refused or queue full) in the window.
     * @param noPorts           datagrams to closed ports in the window, machine-wide (ICMP port-unreachables).
     * @param seconds           per-second series, warm-up included.
     * @param error             why the run failed, or null.
     */
    record Result(
        Settings settings,
        String description,
        String topology,
        double loadAverage,
        double measuredSeconds,
        double offeredPps,
        double receivedPps,
        double repliedPps,
        double verifiedPps,
        double droppedPps,
        double kernelDropPps,
        long replyFailures,
        long noPorts,
        List<Second> seconds,
        String error)
    {
    }

    PpsRun(final Settings settings)
    {
        this.settings = settings;
    }

    /**
     * Run it.
     *
     * @return the result; a failure is reported in {@link Result#error()} rather than thrown, so a sweep goes on.
     */
    Result run()
    {
        final Settings s = settings;
        final InetAddress loopback = InetAddress.getLoopbackAddress();
        final CountersManager countersManager = new CountersManager(
            new UnsafeBuffer(ByteBuffer.allocateDirect(64 * 1024)),
            new UnsafeBuffer(ByteBuffer.allocateDirect(16 * 1024)));
        final List<AtomicCounter[]> counters = new ArrayList<>();
        final List<Responder> responders = new ArrayList<>();
        final double loadAverage = KernelUdpStats.loadAverage();
        String description = s.responder();
        String topology = "";
        Flood flood = null;
        try
        {
            int port = 0;
            for (int w = 0; w < s.workers(); w++)
            {
                final AtomicCounter[] workerCounters = WorkerCounter.allocate(countersManager, w);
                counters.add(workerCounters);
                final Responder responder = Responders.create(s.responder(), new Responder.Context()
                    .cookieKeys(s.cookieKeys())
                    .counters(workerCounters)
                    .bindAddress(loopback)
                    .port(port)
                    .batchSize(s.batchSize())
                    .workerId(w)
                    .dontFragment(s.dontFragment())
                    .cpu(s.responderCpu() < 0 ? -1 : s.responderCpu() + w));
                responders.add(responder);
                port = responder.start();
            }
            description = responders.getFirst().description();

            flood = s.floods().apply(new Flood.Context()
                .target(loopback)
                .port(port)
                .ratePps(s.ratePps())
                .durationMs(TimeUnit.SECONDS.toMillis(s.warmupS() + s.measureS()) + FLOOD_SLACK_MS)
                .maxPackets(s.maxPackets())
                .cpu(s.floodCpu()));

            final List<long[]> samples = new ArrayList<>();
            final long startNs = System.nanoTime();
            samples.add(sample(counters, flood, port, startNs));
            flood.start();
            final int total = s.warmupS() + s.measureS();
            for (int second = 1; second <= total && !flood.isDone(); second++)
            {
                final long dueNs = startNs + second * SECOND_NS;
                long nowNs;
                while ((nowNs = System.nanoTime()) < dueNs)
                {
                    LockSupport.parkNanos(dueNs - nowNs);
                }
                samples.add(sample(counters, flood, port, System.nanoTime()));
            }
            if (null != flood.failure())
            {
                throw new IllegalStateException("flood failed: " + flood.failure(), flood.failure());
            }
            if (samples.size() <= s.warmupS() + 1)
            {
                throw new IllegalStateException("flood stopped during warm-up after " + flood.sent() + " datagrams");
            }
            flood.close();
            topology = flood.topology();
            return result(description, topology, loadAverage, samples);
        }
        catch (final RuntimeException ex)
        {
            if (null != flood)
            {
                flood.close();
                topology = flood.topology();
            }
            return new Result(s, description, topology, loadAverage, 0, 0, 0, 0, 0, 0, 0, 0, 0, List.of(),
                ex.toString());
        }
        finally
        {
            if (null != flood)
            {
                flood.close();
            }
            for (final Responder responder : responders)
            {
                responder.close();
            }
        }
    }

    private static long[] sample(
        final List<AtomicCounter[]> counters, final Flood flood, final int port, final long nowNs)
    {
        long received = 0;
        long replied = 0;
        long verified = 0;
        long dropped = 0;
        long failures = 0;
        for (final AtomicCounter[] worker : counters)
        {
            received += worker[WorkerCounter.RECEIVED.ordinal()].get();
            replied += worker[WorkerCounter.REPLIES.ordinal()].get();
            verified += worker[WorkerCounter.VERIFIED.ordinal()].get();
            dropped += worker[WorkerCounter.DROPPED.ordinal()].get();
            failures += worker[WorkerCounter.SEND_FAILED.ordinal()].get() +
                worker[WorkerCounter.REPLY_QUEUE_FULL.ordinal()].get();
        }
        return new long[]{nowNs, flood.sent(), received, replied, verified, dropped, failures,
            KernelUdpStats.socketDrops(port), KernelUdpStats.noPorts()};
    }

    private Result result(
        final String description, final String topology, final double loadAverage, final List<long[]> samples)
    {
        final List<Second> seconds = new ArrayList<>();
        for (int i = 1; i < samples.size(); i++)
        {
            final long[] a = samples.get(i - 1);
            final long[] b = samples.get(i);
            seconds.add(new Second(i, i > settings.warmupS(), b[1] - a[1], b[2] - a[2], b[3] - a[3], b[5] - a[5],
                b[7] - a[7], (b[0] - a[0]) / 1e9));
        }
        final long[] from = samples.get(settings.warmupS());
        final long[] to = samples.getLast();
        final double window = (to[0] - from[0]) / 1e9;
        return new Result(settings, description, topology, loadAverage, window,
            (to[1] - from[1]) / window,
            (to[2] - from[2]) / window,
            (to[3] - from[3]) / window,
            (to[4] - from[4]) / window,
            (to[5] - from[5]) / window,
            (to[7] - from[7]) / window,
            to[6] - from[6],
            to[8] - from[8],
            seconds,
            null);
    }
}
