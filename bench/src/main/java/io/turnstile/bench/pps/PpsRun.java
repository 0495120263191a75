package io.turnstile.bench.pps;

import io.turnstile.cookie.CookieKeys;
import io.turnstile.nativeio.WorkerCounter;
import io.turnstile.tools.Captures;
import io.turnstile.tools.JsonWriter;
import io.turnstile.tools.flood.FloodReport;
import io.turnstile.tools.flood.SpoofedFlood;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * One measurement: start a responder (or N SO_REUSEPORT workers of it) pinned to its CPUs, flood it from another CPU
 * for warm-up + measurement seconds, sample every counter once a second (Aeron's RateReporter pattern: the sampler
 * reads what the responder publishes per batch, and costs it nothing), then stop both and report the rates over the
 * measurement window only.
 */
final class PpsRun
{
    private static final long SECOND_NS = TimeUnit.SECONDS.toNanos(1);
    private static final long FLOOD_SLACK_S = 1;

    private final Settings settings;

    /**
     * What to run.
     *
     * @param responder  name from {@link Responders#NAMES}.
     * @param batchSize  datagrams per batch, for responders that batch.
     * @param workers    responder threads sharing the port with SO_REUSEPORT.
     * @param ratePps    offered rate, 0 for max.
     * @param cookieKeys keys every verifier shares.
     * @param options    the rest, the same for every run: CPUs, warm-up and measured seconds, the flood's mode,
     *                   sinks and budget, the DF bit on the baselines.
     */
    record Settings(
        String responder, int batchSize, int workers, long ratePps, CookieKeys cookieKeys,
        ResponderBenchmark.Options options)
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
        /**
         * The run as one JSON object: its settings, rates and per-second series; {@code scripts/report.py pps}
         * renders the tables, medians and ratios from these.
         *
         * @return JSON text.
         */
        String toJson()
        {
            final Settings s = settings;
            final JsonWriter json = new JsonWriter().beginObject()
                .name("responder").value(s.responder())
                .name("batch").value(Responders.batches(s.responder()) ? s.batchSize() : 1)
                .name("workers").value(s.workers())
                .name("responder_cpu").value(s.options().responderCpu)
                .name("flood_cpu").value(s.options().floodCpu)
                .name("target_pps");
            (s.ratePps() == 0 ? json.value("max") : json.value(s.ratePps()))
                .name("warmup_s").value(s.options().warmupS)
                .name("measure_s").value(s.options().measureS)
                .name("description").value(description)
                .name("topology").value(topology)
                .name("load_average").value(loadAverage, 2)
                .name("measured_s").value(measuredSeconds, 1)
                .name("offered_pps").value(offeredPps, 3)
                .name("received_pps").value(receivedPps, 3)
                .name("replied_pps").value(repliedPps, 3)
                .name("verified_pps").value(verifiedPps, 3)
                .name("dropped_pps").value(droppedPps, 3)
                .name("kernel_rcvbuf_drops_pps").value(kernelDropPps, 3)
                .name("reply_failures").value(replyFailures)
                .name("udp_no_ports").value(noPorts)
                .name("error").value(error)
                .name("seconds").beginArray();
            for (final Second x : seconds)
            {
                json.beginObject().name("t").value(x.second()).name("measured").value(x.measured())
                    .name("interval_s").value(x.seconds(), 1).name("offered").value(x.offered())
                    .name("received").value(x.received()).name("replied").value(x.replied())
                    .name("dropped").value(x.dropped()).name("kernel_drops").value(x.kernelDrop()).endObject();
            }
            return json.endArray().endObject().toString();
        }

        /**
         * One line for the console.
         *
         * @return the rates, or the failure.
         */
        String summary()
        {
            return String.format(Locale.ROOT, "pps: %-13s batch %-3d workers %d target %-7s offered %,10.0f " +
                "received %,10.0f replied %,10.0f dropped %,8.0f socket drops %,10.0f%s",
                settings.responder(), settings.batchSize(), settings.workers(),
                settings.ratePps() == 0 ? "max" : Long.toString(settings.ratePps()), offeredPps, receivedPps,
                repliedPps, droppedPps, kernelDropPps, null == error ? "" : "  FAILED " + error);
        }
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
        final ResponderBenchmark.Options o = s.options();
        final InetAddress loopback = InetAddress.getLoopbackAddress();
        final CountersManager countersManager = new CountersManager(
            new UnsafeBuffer(ByteBuffer.allocateDirect(64 * 1024)),
            new UnsafeBuffer(ByteBuffer.allocateDirect(16 * 1024)));
        final List<AtomicCounter[]> counters = new ArrayList<>();
        final List<Responder> responders = new ArrayList<>();
        final double loadAverage = KernelUdpStats.loadAverage();
        String description = s.responder();
        String topology = "";
        SpoofedFlood flood = null;
        try
        {
            int port = 0;
            for (int w = 0; w < s.workers(); w++)
            {
                final AtomicCounter[] workerCounters = WorkerCounter.allocate(countersManager, w);
                counters.add(workerCounters);
                final Responder responder = Responders.create(s.responder(), new Responder.Context(s.cookieKeys(),
                    workerCounters, loopback, port, s.batchSize(), o.responderCpu < 0 ? -1 : o.responderCpu + w, w,
                    o.baselineDf));
                responders.add(responder);
                port = responder.start();
            }
            description = responders.getFirst().description();

            flood = new SpoofedFlood(new SpoofedFlood.Context()
                .targetAddress(loopback)
                .targetPort(port)
                .mode(o.floodMode())
                .fallbackToUdp(true)
                .sinkPorts(o.sinkPorts)
                .udpSockets(o.udpSockets)
                .rate(s.ratePps())
                .durationNs(TimeUnit.SECONDS.toNanos(o.warmupS + o.measureS + FLOOD_SLACK_S))
                .maxPackets(o.maxPackets())
                .cpu(o.floodCpu)
                .notice(line -> System.err.println("pps: " + line)));

            final List<long[]> samples = new ArrayList<>();
            final long startNs = System.nanoTime();
            samples.add(sample(counters, flood, port, startNs));
            flood.start();
            final int total = o.warmupS + o.measureS;
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
            if (samples.size() <= o.warmupS + 1)
            {
                throw new IllegalStateException("flood stopped during warm-up after " + flood.sent() + " datagrams");
            }
            flood.close();
            return result(description, topology(flood), loadAverage, samples);
        }
        catch (final RuntimeException ex)
        {
            if (null != flood)
            {
                flood.close();
                topology = topology(flood);
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

    /**
     * How the datagrams reached the responder and where its replies went, for the report: the mode that ran (after
     * any fallback), named after the sinks that keep replies from drawing ICMP port-unreachables.
     */
    private String topology(final SpoofedFlood flood)
    {
        final FloodReport report = flood.report();
        final SpoofedFlood.Mode mode = null == report || "raw".equals(report.mode()) ?
            settings.options().floodMode() : SpoofedFlood.Mode.UDP;
        final String line = SpoofedFlood.Mode.RAW == mode ?
            "raw-sinks: SpoofedFlood raw IP_HDRINCL, random sources in 127.0.0.0/8, source ports from " +
                settings.options().sinkPorts + " sink sockets (drop-all BPF: replies dropped in the kernel, no ICMP)" :
            "udp-sinks: SpoofedFlood UDP, " + settings.options().udpSockets + " sockets on distinct 127.x.y.z " +
                "sources, each a sink (drop-all BPF: replies dropped in the kernel, no ICMP)";
        return line + "; template " + Captures.DEFAULT_HELLO +
            (null != report && null != report.notice() ? "; " + report.notice() : "");
    }

    private static long[] sample(
        final List<AtomicCounter[]> counters, final SpoofedFlood flood, final int port, final long nowNs)
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
        final int warmupS = settings.options().warmupS;
        final List<Second> seconds = new ArrayList<>();
        for (int i = 1; i < samples.size(); i++)
        {
            final long[] a = samples.get(i - 1);
            final long[] b = samples.get(i);
            seconds.add(new Second(i, i > warmupS, b[1] - a[1], b[2] - a[2], b[3] - a[3], b[5] - a[5],
                b[7] - a[7], (b[0] - a[0]) / 1e9));
        }
        final long[] from = samples.get(warmupS);
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
