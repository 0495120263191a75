package io.turnstile.bench.pps;

import io.turnstile.cookie.CookieKeys;
import io.turnstile.cookie.MacAlgorithm;
import io.turnstile.nativeio.LibC;
import io.turnstile.tools.Cli;
import io.turnstile.tools.JsonWriter;
import io.turnstile.tools.flood.SpoofedFlood;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The packets-per-second harness (plain Java, not JMH: a sustained flood with loss accounting does not fit JMH's
 * invocation model). Each run starts a responder pinned to one CPU, floods it with {@link SpoofedFlood} from another
 * for warm-up + measurement seconds, samples the counters once a second, and the rates over the measurement window go
 * to {@code pps-MODE-NAME-STAMP.json} in the output directory; {@code scripts/report.py pps} renders its markdown
 * table (medians of repeats, Turnstile's ratios to the baselines) and SVG plot. {@code --help} lists the options.
 */
public final class ResponderBenchmark
{
    private static final int DEFAULT_BATCH = 32;
    private static final long MAX_PPS_BUDGET = 5_000_000L;
    private static final long CHILD_GRACE_S = 60;
    private static final int CHILD_RUN_FAILED = 3;

    private ResponderBenchmark()
    {
    }

    /**
     * Run the harness.
     *
     * @param args see {@code --help}.
     */
    public static void main(final String[] args)
    {
        final Options options = Cli.parseOrExit("pps", new Options(), args, Options::check);
        if (!LibC.isAvailable())
        {
            System.err.println("pps: the harness needs the native recvmmsg/sendmmsg bindings (x86_64 Linux)");
            System.exit(1);
        }
        final CookieKeys keys = CookieKeys.random(options.mac(), CookieKeys.DEFAULT_ROTATION_PERIOD_MS,
            CookieKeys.DEFAULT_GRACE_MS);
        final List<PpsRun.Settings> plan = plan(options, keys);
        if ("child".equals(options.mode))
        {
            final PpsRun.Result result = new PpsRun(plan.getFirst()).run();
            System.err.println(result.summary());
            try
            {
                Files.writeString(Path.of(options.child), result.toJson());
            }
            catch (final IOException ex)
            {
                System.err.println("pps: cannot write " + options.child + ": " + ex);
                System.exit(1);
            }
            System.exit(null == result.error() ? 0 : CHILD_RUN_FAILED);
        }

        System.err.printf(Locale.ROOT, "pps: %d runs of %d + %d s, about %d s%n", plan.size(), options.warmupS,
            options.measureS, plan.size() * (options.warmupS + options.measureS + 3L));
        final JsonWriter json = new JsonWriter().beginObject().name("mode").value(options.mode)
            .name("environment").value(environment(options)).name("runs").beginArray();
        boolean failed = false;
        for (final PpsRun.Settings settings : plan)
        {
            if (options.fork)
            {
                final String run = forked(settings, args);
                failed |= run.contains("\"error\":\"");
                json.raw(run);
            }
            else
            {
                final PpsRun.Result result = new PpsRun(settings).run();
                System.err.println(result.summary());
                failed |= null != result.error();
                json.raw(result.toJson());
                System.gc();
            }
        }
        final String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        final Path file = Path.of(options.out, "pps-" + options.mode + "-" + options.name + "-" + stamp + ".json");
        try
        {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, json.endArray().endObject().toString() + "\n");
        }
        catch (final IOException ex)
        {
            System.err.println("pps: cannot write " + file + ": " + ex);
            System.exit(1);
        }
        System.out.println(file);
        System.err.println("pps: results in " + file);
        System.exit(failed ? 1 : 0);
    }

    private static String environment(final Options o)
    {
        return String.format(Locale.ROOT,
            "%d CPUs, JDK %s, %s cookies, responder CPU %d, flood CPU %d, warm-up %d s, measured %d s, %s, " +
                "baselines %s the DF bit",
            Runtime.getRuntime().availableProcessors(), Runtime.version(), o.mac(), o.responderCpu, o.floodCpu,
            o.warmupS, o.measureS, o.floodCpu == o.responderCpu || "workers".equals(o.mode) ?
                "flood shares a CPU with a worker where workers reach its CPU" : "flood on its own CPU",
            o.baselineDf ? "set" : "do not set");
    }

    /**
     * The runs a mode makes.
     *
     * @param o    the options.
     * @param keys cookie keys for in-process runs (a forked child makes its own).
     * @return the runs, in order.
     */
    static List<PpsRun.Settings> plan(final Options o, final CookieKeys keys)
    {
        final List<PpsRun.Settings> plan = new ArrayList<>();
        final List<String> responders = "responders".equals(o.mode) ? o.responders : List.of(o.responder);
        final List<Long> rates = "sweep".equals(o.mode) ? o.rates() : List.of(Cli.rate("--rate", o.rate));
        final int fromWorkers = "workers".equals(o.mode) ? 1 : o.workers;
        final int toWorkers = "workers".equals(o.mode) ? o.maxWorkers : o.workers;
        for (final String responder : responders)
        {
            final int[] batches = !"responders".equals(o.mode) ? new int[]{o.batch} :
                Responders.batches(responder) ? o.batches : new int[]{1};
            for (final int batch : batches)
            {
                for (final long rate : rates)
                {
                    for (int workers = fromWorkers; workers <= toWorkers; workers++)
                    {
                        plan.add(new PpsRun.Settings(responder, batch, workers, rate, keys, o));
                    }
                }
            }
        }
        // Repeats are interleaved, so that a machine that gets busier or quieter during the run shifts every
        // configuration alike rather than the ones that happened to run last.
        final List<PpsRun.Settings> repeated = new ArrayList<>();
        for (int i = 0; i < o.repeat; i++)
        {
            repeated.addAll(plan);
        }
        return repeated;
    }

    /**
     * Run one measurement in a JVM of its own, with this JVM's flags and class path, so that no responder runs with
     * code compiled, profiles gathered or garbage left by another (JMH forks for the same reason).
     *
     * @param settings the run.
     * @param args     the parent's command line, which the child gets too, the run's own values last (they win).
     * @return the run's JSON object as the child wrote it, or one carrying the error.
     */
    static String forked(final PpsRun.Settings settings, final String[] args)
    {
        Path file = null;
        try
        {
            file = Files.createTempFile("pps-run-", ".json");
            final List<String> command = new ArrayList<>();
            command.add(ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
            command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), ResponderBenchmark.class.getName()));
            command.addAll(List.of(args));
            command.addAll(List.of("--mode", "child", "--child", file.toString(), "--responder", settings.responder(),
                "--batch", Integer.toString(settings.batchSize()), "--workers", Integer.toString(settings.workers()),
                "--rate", settings.ratePps() == 0 ? "max" : Long.toString(settings.ratePps())));
            final Process child = new ProcessBuilder(command)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
            final long timeoutS = settings.options().warmupS + settings.options().measureS + CHILD_GRACE_S;
            if (!child.waitFor(timeoutS, TimeUnit.SECONDS))
            {
                child.destroyForcibly();
                throw new IllegalStateException("run did not finish within " + timeoutS + " s");
            }
            if (child.exitValue() != 0 && child.exitValue() != CHILD_RUN_FAILED)
            {
                throw new IllegalStateException("run exited with " + child.exitValue());
            }
            return Files.readString(file);
        }
        catch (final IOException | RuntimeException ex)
        {
            return failed(settings, ex.toString());
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return failed(settings, "interrupted");
        }
        finally
        {
            if (null != file)
            {
                try
                {
                    Files.deleteIfExists(file);
                }
                catch (final IOException ignore)
                {
                    // A temporary file left behind is harmless.
                }
            }
        }
    }

    private static String failed(final PpsRun.Settings settings, final String error)
    {
        System.err.println("pps: " + settings.responder() + " batch " + settings.batchSize() + " FAILED " + error);
        return new PpsRun.Result(settings, settings.responder(), "", -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, List.of(), error)
            .toJson();
    }

    /**
     * The command line, parsed by picocli; {@link #parse(String[])} checks the values.
     */
    @Command(name = "ResponderBenchmark", sortOptions = false, usageHelpWidth = 120,
        description = "Packets per second of responders under a SpoofedFlood; see scripts/bench --help.")
    static final class Options
    {
        @Option(names = "--mode", description = "responders (every responder x batch, default), sweep (one " +
            "responder at each of --rates) or workers (1..--max-workers SO_REUSEPORT workers).")
        String mode = "responders";
        @Option(names = "--responders", split = ",", description = "Default turnstile,mmsg-nocrypto,netty,nio,bc.")
        List<String> responders = Responders.NAMES;
        @Option(names = "--responder", description = "For sweep and workers; default turnstile.")
        String responder = "turnstile";
        @Option(names = "--batches", split = ",", description = "Default 1,8,32,64 (responders that batch).")
        int[] batches = {1, 8, 32, 64};
        @Option(names = "--batch", description = "For sweep and workers; default 32.")
        int batch = DEFAULT_BATCH;
        @Option(names = "--rate", paramLabel = "PPS|max", description = "Default max.")
        String rate = "max";
        @Option(names = "--rates", split = ",", description = "Default 50000,100000,200000,400000,max.")
        List<String> rates = List.of("50000", "100000", "200000", "400000", "max");
        @Option(names = "--warmup", description = "Seconds, default 2 (at most 60).")
        int warmupS = 2;
        @Option(names = "--measure", description = "Seconds, default 5 (warm-up + measure <= 590).")
        int measureS = 5;
        @Option(names = "--responder-cpu", description = "Default 0.")
        int responderCpu = 0;
        @Option(names = "--flood-cpu", description = "Default the last CPU.")
        int floodCpu = Runtime.getRuntime().availableProcessors() - 1;
        @Option(names = "--max-workers", description = "Default the CPU count.")
        int maxWorkers = Runtime.getRuntime().availableProcessors();
        @Option(names = "--mac", description = "aes-cmac (default), hmac-sha256 or hmac-sha1.")
        String mac = "aes-cmac";
        @Option(names = "--flood", description = "raw (default) or udp.")
        String flood = "raw";
        @Option(names = "--sink-ports", description = "Raw mode sink sockets, default 16.")
        int sinkPorts = SpoofedFlood.Context.DEFAULT_SINK_PORTS;
        @Option(names = "--udp-sockets", description = "UDP mode sources, default 256.")
        int udpSockets = SpoofedFlood.Context.DEFAULT_UDP_SOCKETS;
        @Option(names = "--max-packets", description = "Flood budget per run.")
        long maxPackets = 0;
        @Option(names = "--out", description = "Output directory, default reports.")
        String out = "reports";
        @Option(names = "--name", description = "File name part.")
        String name = "run";
        @Option(names = "--fork", arity = "1", description = "Each run in a JVM of its own (default true).")
        boolean fork = true;
        @Option(names = "--repeat", description = "Run the plan N times, interleaved; reports show the median.")
        int repeat = 1;
        @Option(names = "--baseline-df", arity = "1", description = "true: NIO, BC and Netty set the DF bit on " +
            "replies as Turnstile does (default false: plain servers).")
        boolean baselineDf = false;
        @Option(names = "--workers", hidden = true)
        int workers = 1;
        @Option(names = "--child", hidden = true)
        String child;
        @Option(names = {"-h", "--help"}, usageHelp = true, description = "This text.")
        boolean help;

        /**
         * Parse and check the command line.
         *
         * @param args the arguments.
         * @return the options, or null when help was asked for.
         * @throws IllegalArgumentException naming the bad option or value.
         */
        static Options parse(final String[] args)
        {
            final Options o = Cli.parse(new Options(), args);
            if (null != o)
            {
                o.check();
            }
            return o;
        }

        /**
         * Check the values picocli cannot.
         *
         * @throws IllegalArgumentException naming the bad option or value.
         */
        void check()
        {
            final Options o = this;
            if (!List.of("responders", "sweep", "workers", "child").contains(o.mode))
            {
                throw new IllegalArgumentException("--mode must be responders, sweep or workers, got " + o.mode);
            }
            for (final String name : o.responders)
            {
                responder(name);
            }
            responder(o.responder);
            for (final int batch : o.batches)
            {
                range("--batches", batch, 1, 1024);
            }
            range("--batch", o.batch, 1, 1024);
            Cli.rate("--rate", o.rate);
            o.rates();
            range("--warmup", o.warmupS, 0, 60);
            range("--measure", o.measureS, 1, 590);
            range("--responder-cpu", o.responderCpu, -1, 1023);
            range("--flood-cpu", o.floodCpu, -1, 1023);
            range("--max-workers", o.maxWorkers, 1, 1024);
            range("--repeat", o.repeat, 1, 100);
            o.mac();
            if (!"raw".equals(o.flood) && !"udp".equals(o.flood))
            {
                throw new IllegalArgumentException("--flood must be raw or udp, got " + o.flood);
            }
            if (o.warmupS + o.measureS > 590)
            {
                throw new IllegalArgumentException("--warmup + --measure must be at most 590 s (a flood is at most " +
                    "600 s), got " + (o.warmupS + o.measureS));
            }
            if ("child".equals(o.mode) && null == o.child)
            {
                throw new IllegalArgumentException("--mode child needs --child FILE");
            }
        }

        long maxPackets()
        {
            return maxPackets > 0 ? maxPackets :
                Math.min((warmupS + measureS + 1L) * MAX_PPS_BUDGET, SpoofedFlood.Context.MAX_PACKETS);
        }

        SpoofedFlood.Mode floodMode()
        {
            return "udp".equals(flood) ? SpoofedFlood.Mode.UDP : SpoofedFlood.Mode.RAW;
        }

        List<Long> rates()
        {
            return rates.stream().map(rate -> Cli.rate("--rates", rate)).toList();
        }

        MacAlgorithm mac()
        {
            return MacAlgorithm.fromLabel(mac);
        }

        private static void responder(final String name)
        {
            if (!Responders.NAMES.contains(name))
            {
                throw new IllegalArgumentException("responder must be one of " + Responders.NAMES + ", got " + name);
            }
        }

        private static void range(final String option, final int value, final int min, final int max)
        {
            if (value < min || value > max)
            {
                throw new IllegalArgumentException(option + " must be " + min + " to " + max + ", got " + value);
            }
        }
    }
}
