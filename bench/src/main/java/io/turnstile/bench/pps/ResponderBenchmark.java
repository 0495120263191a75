package io.turnstile.bench.pps;

import io.turnstile.bench.flood.SpoofedFlood;
import io.turnstile.cookie.CookieKeys;
import io.turnstile.cookie.MacAlgorithm;
import io.turnstile.nativeio.LibC;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The packets-per-second harness (plain Java, not JMH: a sustained flood with loss accounting does not fit JMH's
 * invocation model). Each run starts a responder pinned to one CPU, floods it from another for warm-up + measurement
 * seconds, samples the counters once a second, and the rates over the measurement window go to a markdown table and
 * JSON in the output directory.
 * <pre>
 * ResponderBenchmark [--mode responders|sweep|workers] [options]
 *   --mode responders   every responder x batch size at one offered rate (default)
 *   --mode sweep        one responder at each of --rates: goodput against offered load
 *   --mode workers      turnstile with 1..--max-workers SO_REUSEPORT workers at max rate
 *   --responders LIST   default turnstile,mmsg-nocrypto,netty,nio,bc
 *   --responder NAME    for sweep and workers; default turnstile
 *   --batches LIST      default 1,8,32,64 (responders that batch)   --batch N   for sweep/workers; default 32
 *   --rate PPS|max      default max                                  --rates LIST default 50000,100000,200000,400000,max
 *   --warmup S          default 2 (at most 60)                       --measure S  default 5 (warm-up + measure <= 590)
 *   --responder-cpu N   default 0                                    --flood-cpu N default the last CPU
 *   --max-workers N     default the CPU count                        --flood raw|udp  default raw (SpoofedFlood)
 *   --sink-ports N      raw mode sink sockets, default 16            --udp-sockets N  udp mode sources, default 256
 *   --mac NAME          aes-cmac (default), hmac-sha256, hmac-sha1   --max-packets N  flood budget per run
 *   --out DIR           default bench/results                        --name NAME  file prefix part
 *   --fork true|false   each run in a JVM of its own (default true)
 *   --repeat N          run the plan N times, interleaved; tables show the median run (default 1)
 *   --baseline-df B     true: NIO, BC and Netty set the DF bit on replies as Turnstile does (default false: plain)
 * </pre>
 */
public final class ResponderBenchmark
{
    private static final int DEFAULT_BATCH = 32;
    private static final long MAX_PPS_BUDGET = 5_000_000L;
    private static final long CHILD_GRACE_S = 60;

    private ResponderBenchmark()
    {
    }

    /**
     * Run the harness.
     *
     * @param args see the class documentation.
     */
    public static void main(final String[] args)
    {
        final Options options;
        try
        {
            options = Options.parse(args);
        }
        catch (final IllegalArgumentException ex)
        {
            System.err.println("pps: " + ex.getMessage());
            System.exit(2);
            return;
        }
        if (!LibC.isAvailable())
        {
            System.err.println("pps: the harness needs the native recvmmsg/sendmmsg bindings (x86_64 Linux)");
            System.exit(1);
        }
        final CookieKeys keys = CookieKeys.random(options.mac, CookieKeys.DEFAULT_ROTATION_PERIOD_MS,
            CookieKeys.DEFAULT_GRACE_MS);
        final Function<Flood.Context, Flood> floods = context -> new SpoofedFloodRunner(context
            .mode(options.floodMode).sinkPorts(options.sinkPorts).udpSockets(options.udpSockets));
        final List<PpsRun.Settings> plan = plan(options, keys, floods);
        if ("child".equals(options.mode))
        {
            final PpsRun.Result result = new PpsRun(plan.getFirst()).run();
            ResultFile.write(result, Path.of(options.child));
            System.exit(0);
        }

        System.err.printf(Locale.ROOT, "pps: %d runs of %d + %d s, about %d s%n", plan.size(), options.warmupS,
            options.measureS, plan.size() * (options.warmupS + options.measureS + 3L));
        final List<PpsRun.Result> results = new ArrayList<>();
        for (final PpsRun.Settings settings : plan)
        {
            final PpsRun.Result result = options.fork ? forked(settings, options) : new PpsRun(settings).run();
            results.add(result);
            System.err.printf(Locale.ROOT, "pps: %-13s batch %-3d workers %d target %-7s offered %,10.0f " +
                "received %,10.0f replied %,10.0f dropped %,8.0f socket drops %,10.0f%s%n",
                settings.responder(), settings.batchSize(), settings.workers(),
                settings.ratePps() == 0 ? "max" : Long.toString(settings.ratePps()), result.offeredPps(),
                result.receivedPps(), result.repliedPps(), result.droppedPps(), result.kernelDropPps(),
                null == result.error() ? "" : "  FAILED " + result.error());
            if (!options.fork)
            {
                System.gc();
            }
        }

        final String environment = String.format(Locale.ROOT,
            "%d CPUs, JDK %s, %s cookies, responder CPU %d, flood CPU %d, warm-up %d s, measured %d s, %s, " +
                "baselines %s the DF bit",
            Runtime.getRuntime().availableProcessors(), Runtime.version(), options.mac, options.responderCpu,
            options.floodCpu, options.warmupS, options.measureS,
            options.floodCpu == options.responderCpu || "workers".equals(options.mode) ?
                "flood shares a CPU with a worker where workers reach its CPU" : "flood on its own CPU",
            options.baselineDf ? "set" : "do not set");
        final String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        final Path prefix = Path.of(options.out, "pps-" + options.mode + "-" + options.name + "-" + stamp);
        final String markdown = new PpsReport(options.mode, environment, results).write(prefix);
        System.out.print(markdown);
        System.err.println("pps: results in " + prefix + ".json and " + prefix + ".md");
        final boolean failed = results.stream().anyMatch(r -> null != r.error());
        System.exit(failed ? 1 : 0);
    }

    /**
     * The runs a mode makes.
     *
     * @param o      the options.
     * @param keys   cookie keys for in-process runs (a forked child makes its own).
     * @param floods builds each run's flood.
     * @return the runs, in order.
     */
    static List<PpsRun.Settings> plan(
        final Options o, final CookieKeys keys, final Function<Flood.Context, Flood> floods)
    {
        final List<PpsRun.Settings> plan = new ArrayList<>();
        final long budget = (o.warmupS + o.measureS + 1L) * MAX_PPS_BUDGET;
        final long maxPackets = o.maxPackets > 0 ? o.maxPackets : Math.min(budget, Flood.Context.MAX_PACKETS);
        switch (o.mode)
        {
            case "child" -> plan.add(new PpsRun.Settings(o.responder, o.batch, o.workers, o.responderCpu, o.floodCpu,
                o.ratePps, o.warmupS, o.measureS, maxPackets, keys, floods, o.baselineDf));
            case "responders" ->
            {
                for (final String responder : o.responders)
                {
                    final int[] batches = Responders.batches(responder) ? o.batches : new int[]{1};
                    for (final int batch : batches)
                    {
                        plan.add(new PpsRun.Settings(responder, batch, 1, o.responderCpu, o.floodCpu, o.ratePps,
                            o.warmupS, o.measureS, maxPackets, keys, floods, o.baselineDf));
                    }
                }
            }
            case "sweep" ->
            {
                for (final long rate : o.rates)
                {
                    plan.add(new PpsRun.Settings(o.responder, o.batch, 1, o.responderCpu, o.floodCpu, rate,
                        o.warmupS, o.measureS, maxPackets, keys, floods, o.baselineDf));
                }
            }
            case "workers" ->
            {
                for (int workers = 1; workers <= o.maxWorkers; workers++)
                {
                    plan.add(new PpsRun.Settings(o.responder, o.batch, workers, o.responderCpu, o.floodCpu,
                        o.ratePps, o.warmupS, o.measureS, maxPackets, keys, floods, o.baselineDf));
                }
            }
            default -> throw new IllegalArgumentException("mode must be responders, sweep or workers, got " + o.mode);
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
     * @param o        the options, for the flood and MAC settings the child needs too.
     * @return what the child measured, or a result carrying the error.
     */
    static PpsRun.Result forked(final PpsRun.Settings settings, final Options o)
    {
        Path file = null;
        try
        {
            file = Files.createTempFile("pps-run-", ".tsv");
            final List<String> command = new ArrayList<>();
            command.add(ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
            command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), ResponderBenchmark.class.getName(),
                "--mode", "child", "--child", file.toString(),
                "--responder", settings.responder(),
                "--batch", Integer.toString(settings.batchSize()),
                "--workers", Integer.toString(settings.workers()),
                "--responder-cpu", Integer.toString(settings.responderCpu()),
                "--flood-cpu", Integer.toString(settings.floodCpu()),
                "--rate", settings.ratePps() == 0 ? "max" : Long.toString(settings.ratePps()),
                "--warmup", Integer.toString(settings.warmupS()),
                "--measure", Integer.toString(settings.measureS()),
                "--max-packets", Long.toString(settings.maxPackets()),
                "--mac", o.mac.label(),
                "--flood", o.floodMode.label(),
                "--sink-ports", Integer.toString(o.sinkPorts),
                "--udp-sockets", Integer.toString(o.udpSockets),
                "--baseline-df", Boolean.toString(settings.dontFragment())));
            final Process child = new ProcessBuilder(command)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
            final long timeoutS = settings.warmupS() + settings.measureS() + CHILD_GRACE_S;
            if (!child.waitFor(timeoutS, TimeUnit.SECONDS))
            {
                child.destroyForcibly();
                throw new IllegalStateException("run did not finish within " + timeoutS + " s");
            }
            if (child.exitValue() != 0)
            {
                throw new IllegalStateException("run exited with " + child.exitValue());
            }
            return ResultFile.read(file, settings);
        }
        catch (final IOException | RuntimeException ex)
        {
            return new PpsRun.Result(settings, settings.responder(), "", -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, List.of(),
                ex.toString());
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return new PpsRun.Result(settings, settings.responder(), "", -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, List.of(),
                "interrupted");
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

    /**
     * The parsed command line.
     */
    static final class Options
    {
        String mode = "responders";
        List<String> responders = Responders.NAMES;
        String responder = "turnstile";
        int[] batches = {1, 8, 32, 64};
        int batch = DEFAULT_BATCH;
        long ratePps = 0;
        long[] rates = {50_000, 100_000, 200_000, 400_000, 0};
        int warmupS = 2;
        int measureS = 5;
        int responderCpu = 0;
        int floodCpu = Runtime.getRuntime().availableProcessors() - 1;
        int maxWorkers = Runtime.getRuntime().availableProcessors();
        MacAlgorithm mac = MacAlgorithm.AES_CMAC;
        SpoofedFlood.Mode floodMode = SpoofedFlood.Mode.RAW;
        int sinkPorts = SpoofedFlood.Context.DEFAULT_SINK_PORTS;
        int udpSockets = SpoofedFlood.Context.DEFAULT_UDP_SOCKETS;
        long maxPackets = 0;
        String out = "bench/results";
        String name = "run";
        boolean fork = true;
        int repeat = 1;
        boolean baselineDf = false;
        int workers = 1;
        String child;

        /**
         * Parse the command line.
         *
         * @param args the arguments.
         * @return the options.
         * @throws IllegalArgumentException naming the bad option or value.
         */
        static Options parse(final String[] args)
        {
            final Options o = new Options();
            for (int i = 0; i < args.length; i++)
            {
                final String option = args[i];
                if ("-h".equals(option) || "--help".equals(option))
                {
                    System.out.println("see the Javadoc of io.turnstile.bench.pps.ResponderBenchmark, or scripts/bench " +
                        "--help");
                    System.exit(0);
                }
                if (i + 1 >= args.length)
                {
                    throw new IllegalArgumentException(option + " needs a value");
                }
                final String value = args[++i];
                switch (option)
                {
                    case "--mode" -> o.mode = value;
                    case "--responders" -> o.responders = names(value);
                    case "--responder" -> o.responder = names(value).getFirst();
                    case "--batches" -> o.batches = Arrays.stream(value.split(",")).mapToInt(v -> range(
                        "--batches", v, 1, 1024)).toArray();
                    case "--batch" -> o.batch = range(option, value, 1, 1024);
                    case "--rate" -> o.ratePps = rate(value);
                    case "--rates" -> o.rates = Arrays.stream(value.split(",")).mapToLong(ResponderBenchmark::rate)
                        .toArray();
                    case "--warmup" -> o.warmupS = range(option, value, 0, 60);
                    case "--measure" -> o.measureS = range(option, value, 1, 590);
                    case "--responder-cpu" -> o.responderCpu = range(option, value, -1, 1023);
                    case "--flood-cpu" -> o.floodCpu = range(option, value, -1, 1023);
                    case "--max-workers" -> o.maxWorkers = range(option, value, 1, 1024);
                    case "--mac" -> o.mac = mac(value);
                    case "--flood" -> o.floodMode = switch (value)
                    {
                        case "raw" -> SpoofedFlood.Mode.RAW;
                        case "udp" -> SpoofedFlood.Mode.UDP;
                        default -> throw new IllegalArgumentException("--flood must be raw or udp, got " + value);
                    };
                    case "--sink-ports" -> o.sinkPorts = range(option, value, 1, 1024);
                    case "--udp-sockets" ->
                        o.udpSockets = range(option, value, 1, SpoofedFlood.Context.MAX_UDP_SOCKETS);
                    case "--max-packets" -> o.maxPackets = Long.parseLong(value);
                    case "--out" -> o.out = value;
                    case "--fork" -> o.fork = Boolean.parseBoolean(value);
                    case "--repeat" -> o.repeat = range(option, value, 1, 100);
                    case "--baseline-df" -> o.baselineDf = Boolean.parseBoolean(value);
                    case "--workers" -> o.workers = range(option, value, 1, 1024);
                    case "--child" -> o.child = value;
                    case "--name" -> o.name = value;
                    default -> throw new IllegalArgumentException("unknown option " + option);
                }
            }
            if (o.warmupS + o.measureS > 590)
            {
                throw new IllegalArgumentException("--warmup + --measure must be at most 590 s (a flood is at most " +
                    "600 s), got " + (o.warmupS + o.measureS));
            }
            if (!List.of("responders", "sweep", "workers", "child").contains(o.mode))
            {
                throw new IllegalArgumentException("--mode must be responders, sweep or workers, got " + o.mode);
            }
            if ("child".equals(o.mode) && null == o.child)
            {
                throw new IllegalArgumentException("--mode child needs --child FILE");
            }
            return o;
        }

        private static List<String> names(final String value)
        {
            final List<String> names = List.of(value.split(","));
            for (final String name : names)
            {
                if (!Responders.NAMES.contains(name))
                {
                    throw new IllegalArgumentException("responder must be one of " + Responders.NAMES + ", got " + name);
                }
            }
            return names;
        }

        private static int range(final String option, final String value, final int min, final int max)
        {
            final int parsed;
            try
            {
                parsed = Integer.parseInt(value.trim());
            }
            catch (final NumberFormatException ex)
            {
                throw new IllegalArgumentException(option + " must be a number, got " + value);
            }
            if (parsed < min || parsed > max)
            {
                throw new IllegalArgumentException(option + " must be " + min + " to " + max + ", got " + value);
            }
            return parsed;
        }

        private static MacAlgorithm mac(final String value)
        {
            return switch (value.toLowerCase(Locale.ROOT))
            {
                case "aes-cmac" -> MacAlgorithm.AES_CMAC;
                case "hmac-sha256" -> MacAlgorithm.HMAC_SHA256;
                case "hmac-sha1" -> MacAlgorithm.HMAC_SHA1;
                default -> throw new IllegalArgumentException(
                    "--mac must be aes-cmac, hmac-sha256 or hmac-sha1, got " + value);
            };
        }
    }

    /**
     * Parse an offered rate.
     *
     * @param value packets per second ({@code 50000}, {@code 50k}) or {@code max}.
     * @return the rate, 0 for max.
     */
    static long rate(final String value)
    {
        if ("max".equalsIgnoreCase(value.trim()))
        {
            return 0;
        }
        try
        {
            final long rate = Long.parseLong(value.trim().replace("_", "").replace("k", "000"));
            if (rate < 1)
            {
                throw new IllegalArgumentException("a rate must be 1 pps or more, or max, got " + value);
            }
            return rate;
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("a rate must be a number of pps or max, got " + value);
        }
    }
}
