package io.turnstile.tools.flood;

import io.turnstile.tools.Captures;
import io.turnstile.tools.Cli;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The command line of {@link SpoofedFlood}, run by {@code scripts/flood}; every option fills the flood's one options
 * type, {@link SpoofedFlood.Context}, which validates them. Prints the {@link FloodReport} as one JSON line on stdout
 * (and into {@code --json FILE}), a human summary on stderr. Exit status 0 when the flood ran, 1 when it could not
 * (e.g. raw sockets refused with {@code --mode raw}), 2 for a bad option. SIGINT or SIGTERM stops the flood early and
 * still prints the report.
 */
@Command(name = "scripts/flood", sortOptions = false, usageHelpWidth = 120,
    description = "Sends a bounded flood of real DTLS ClientHellos (random re-drawn per packet) from many source " +
        "addresses.",
    footer = {"",
        "Prints one JSON line on stdout: {\"sent\":..,\"bytes\":..,\"duration_s\":..,\"pps\":..,\"mode\":..,...}.",
        "Exit status: 0 ran, 1 could not run, 2 bad option."})
public final class FloodMain implements Callable<Integer>
{
    @Option(names = "--target", paramLabel = "HOST:PORT", description = "Where to send (required): IPv4 in " +
        "127.0.0.0/8, or any inside a network namespace of the flood's own; localhost means 127.0.0.1.")
    private String target;
    @Option(names = "--mode", paramLabel = "raw|udp", description = "raw (default; root or CAP_NET_RAW, else falls " +
        "back to udp with a notice): spoofed source address and port per packet; udp: 256 sockets on 127.x.y.z.")
    private String mode;
    @Option(names = "--sources", paramLabel = "CIDR", description = "Source prefix (default 127.0.0.0/8); hosts .0 " +
        "and .255 and the target are skipped.")
    private String sources = SpoofedFlood.Context.DEFAULT_SOURCES;
    @Option(names = "--sink-ports", paramLabel = "N", description = "Raw mode: source ports from N sink sockets that " +
        "drop the replies in the kernel (default 16); 0: random ports, each reply draws an ICMP port-unreachable.")
    private String sinkPorts = Integer.toString(SpoofedFlood.Context.DEFAULT_SINK_PORTS);
    @Option(names = "--rate", paramLabel = "PPS|max", description = "Packets per second, paced per batch (k and M " +
        "suffixes), or max (default).")
    private String rate = "max";
    @Option(names = "--duration", paramLabel = "S", description = "Stop after S seconds (default 10, at most 600).")
    private String duration = Long.toString(SpoofedFlood.Context.DEFAULT_DURATION_S);
    @Option(names = "--packets", paramLabel = "N", description = "Stop after N packets (default 10M, at most 1000M; " +
        "k, M and G suffixes).")
    private String packets = Long.toString(SpoofedFlood.Context.DEFAULT_PACKETS);
    @Option(names = "--template", paramLabel = "NAME", description = "Hello capture from the corpus, or a file " +
        "(default " + Captures.DEFAULT_HELLO + ").")
    private String template = Captures.DEFAULT_HELLO;
    @Option(names = "--cpu", paramLabel = "N", description = "Pin the sending thread to CPU N.")
    private String cpu;
    @Option(names = "--batch", paramLabel = "N", description = "Packets per sendmmsg (default 32, 1 to 1024).")
    private String batch = Integer.toString(SpoofedFlood.Context.DEFAULT_BATCH_SIZE);
    @Option(names = "--json", paramLabel = "FILE", description = "Also write the JSON summary to FILE.")
    private Path json;
    @Option(names = {"-h", "--help"}, usageHelp = true, description = "This text.")
    private boolean help;

    private final PrintStream out;
    private final PrintStream err;

    private FloodMain(final PrintStream out, final PrintStream err)
    {
        this.out = out;
        this.err = err;
    }

    /**
     * Run the command line.
     *
     * @param args options, see {@code --help}.
     */
    public static void main(final String[] args)
    {
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Run the command line with the given streams, for tests.
     *
     * @param args options.
     * @param out  receives the JSON line and the help text.
     * @param err  receives notices, errors and the human summary.
     * @return the exit status.
     */
    static int run(final String[] args, final PrintStream out, final PrintStream err)
    {
        return Cli.execute("flood", new FloodMain(out, err), args, out, err);
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public Integer call()
    {
        final SpoofedFlood.Context context = new SpoofedFlood.Context().notice(err::println);
        try
        {
            if (null == target)
            {
                throw new IllegalArgumentException("--target HOST:PORT is required");
            }
            final InetSocketAddress address = Cli.hostPort("--target", target);
            context.targetAddress(address.getAddress()).targetPort(address.getPort());
            context.mode(null == mode || "raw".equals(mode) ? SpoofedFlood.Mode.RAW : SpoofedFlood.Mode.UDP);
            if (null != mode && !"raw".equals(mode) && !"udp".equals(mode))
            {
                throw new IllegalArgumentException("--mode must be raw or udp, got " + mode);
            }
            context.sources(sources).rate("max".equals(rate) ? 0 : Cli.count("--rate", rate, 1, 100_000_000))
                .sinkPorts((int)Cli.count("--sink-ports", sinkPorts, 0, SinkSockets.MAX_SINKS))
                .durationNs(duration(duration))
                .maxPackets(Cli.count("--packets", packets, 1, SpoofedFlood.Context.MAX_PACKETS))
                .template(template)
                .cpu(null == cpu ? -1 : (int)Cli.count("--cpu", cpu, 0, 1023))
                .batchSize((int)Cli.count("--batch", batch, 1, SpoofedFlood.Context.MAX_BATCH_SIZE));
            context.fallbackToUdp(null == mode).conclude();
        }
        catch (final IllegalArgumentException ex)
        {
            return Cli.bad("flood", err, ex.getMessage());
        }
        return flood(new SpoofedFlood(context));
    }

    private int flood(final SpoofedFlood flood)
    {
        final CountDownLatch reported = new CountDownLatch(1);
        final Thread hook = new Thread(() ->
        {
            flood.stop();
            try
            {
                reported.await(5, TimeUnit.SECONDS);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }, "flood-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try
        {
            final FloodReport report = flood.run();
            final String line = report.toJson();
            out.println(line);
            out.flush();
            if (null != json)
            {
                Files.writeString(json, line + "\n", StandardCharsets.UTF_8);
            }
            err.printf(Locale.ROOT, "flood: %s mode sent %,d packets (%,d bytes) in %.2f s: %,.0f pps, stopped by %s" +
                "%s%n", report.mode(), report.sent(), report.bytes(), report.durationSeconds(), report.pps(),
                report.stoppedBy(), report.errors() > 0 ? ", " + report.errors() + " refused (" +
                report.lastError() + ")" : "");
            return 0;
        }
        catch (final IOException ex)
        {
            err.println("flood: cannot write " + json + ": " + ex.getMessage());
            return 1;
        }
        catch (final RuntimeException ex)
        {
            err.println("flood: " + ex.getMessage());
            return 1;
        }
        finally
        {
            reported.countDown();
            try
            {
                Runtime.getRuntime().removeShutdownHook(hook);
            }
            catch (final IllegalStateException ex)
            {
                // Shutting down already: the hook is running and waits for the latch just released.
            }
        }
    }

    static long duration(final String value)
    {
        final double seconds;
        try
        {
            seconds = Double.parseDouble(value);
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("--duration must be seconds, got " + value);
        }
        if (!(seconds > 0) || seconds > SpoofedFlood.Context.MAX_DURATION_S)
        {
            throw new IllegalArgumentException("--duration must be more than 0 and at most " +
                SpoofedFlood.Context.MAX_DURATION_S + " seconds, got " + value);
        }
        return (long)(seconds * 1e9);
    }
}
