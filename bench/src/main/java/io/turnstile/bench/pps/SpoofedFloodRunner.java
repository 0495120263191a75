package io.turnstile.bench.pps;

import io.turnstile.bench.flood.FloodReport;
import io.turnstile.bench.flood.SpoofedFlood;
import io.turnstile.nativeio.LibC;

import java.util.concurrent.TimeUnit;

/**
 * Runs the project's {@link SpoofedFlood} as the harness's {@link Flood}: on a thread of its own pinned to the flood
 * CPU, its progress read through {@link SpoofedFlood#sent()} (updated once per batch), and its {@link FloodReport}
 * kept for the report's topology line.
 * <ul>
 *     <li>{@code raw}: IP_HDRINCL packets with random sources from 127.0.0.0/8 and source ports drawn from sink
 *     sockets whose drop-all filter discards the replies in the kernel (topology "raw-sinks"). Falls back to
 *     {@code udp}, and says so, where raw sockets are refused.</li>
 *     <li>{@code udp}: ordinary UDP sockets on distinct 127.x.y.z addresses, each its own sink ("udp-sinks").</li>
 * </ul>
 * Either way, no reply draws an ICMP port-unreachable.
 */
public final class SpoofedFloodRunner implements Flood
{
    private final Context context;
    private final SpoofedFlood flood;
    private final Thread thread;
    private volatile FloodReport report;
    private volatile Throwable failure;
    private volatile boolean done;

    /**
     * A flood, not yet started.
     *
     * @param context what to send where, concluded here.
     */
    public SpoofedFloodRunner(final Context context)
    {
        this.context = context.conclude();
        this.flood = new SpoofedFlood(new SpoofedFlood.Context()
            .targetAddress(context.target())
            .targetPort(context.port())
            .mode(context.mode())
            .fallbackToUdp(true)
            .sinkPorts(context.sinkPorts())
            .udpSockets(context.udpSockets())
            .rate(context.ratePps())
            .durationNs(TimeUnit.MILLISECONDS.toNanos(context.durationMs()))
            .maxPackets(context.maxPackets())
            .template(context.template())
            .notice(line -> System.err.println("pps: " + line)));
        this.thread = new Thread(this::run, "pps-flood");
        this.thread.setDaemon(true);
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void start()
    {
        thread.start();
    }

    private void run()
    {
        try
        {
            if (context.cpu() >= 0)
            {
                final int errno = LibC.pinCurrentThread(context.cpu());
                if (errno != 0)
                {
                    throw new IllegalStateException("sched_setaffinity cpu " + context.cpu() + ": errno " + errno);
                }
            }
            report = flood.run();
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

    /**
     * {@inheritDoc}
     */
    @Override
    public long sent()
    {
        return flood.sent();
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public boolean isDone()
    {
        return done;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public Throwable failure()
    {
        return failure;
    }

    /**
     * The flood's own account, once it has stopped.
     *
     * @return the report, or null while running or after a failure.
     */
    public FloodReport report()
    {
        return report;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public String topology()
    {
        final FloodReport report = this.report;
        final String mode = null == report ? context.mode().label() : report.mode();
        final String line = "raw".equals(mode) ?
            "raw-sinks: SpoofedFlood raw IP_HDRINCL, random sources in 127.0.0.0/8, source ports from " +
                context.sinkPorts() + " sink sockets (drop-all BPF: replies dropped in the kernel, no ICMP)" :
            "udp-sinks: SpoofedFlood UDP, " + context.udpSockets() + " sockets on distinct 127.x.y.z sources, each " +
                "a sink (drop-all BPF: replies dropped in the kernel, no ICMP)";
        return line + "; template " + context.template() +
            (null != report && null != report.notice() ? "; " + report.notice() : "");
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void close()
    {
        flood.stop();
        if (thread.isAlive())
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
}
