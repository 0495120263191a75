package io.turnstile.bench.flood;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The command line of {@link SpoofedFlood}, run by {@code scripts/flood}:
 * <pre>
 * flood --target HOST:PORT [--mode raw|udp] [--sources CIDR] [--sink-ports N] [--rate PPS|max] [--duration S]
 *       [--packets N] [--template NAME] [--cpu N] [--batch N] [--json FILE]
 * </pre>
 * Prints the {@link FloodReport} as one JSON line on stdout (and into {@code --json FILE}), a human summary on
 * stderr. Exit status 0 when the flood ran, 1 when it could not (e.g. raw sockets refused with {@code --mode raw}),
 * 2 for a bad option. SIGINT or SIGTERM stops the flood early and still prints the report.
 */
public final class FloodMain
{
    static final String USAGE = String.join("\n",
        "usage: scripts/flood --target HOST:PORT [options]",
        "",
        "Sends a bounded flood of real DTLS ClientHellos (random re-drawn per packet) from many source addresses.",
        "",
        "  --target HOST:PORT   where to send; an IPv4 address in 127.0.0.0/8 (or any, inside a network namespace",
        "                       of the flood's own); 'localhost' means 127.0.0.1. Required.",
        "  --mode raw|udp       raw: a raw socket spoofing every packet's source address and port (needs root or",
        "                       CAP_NET_RAW); udp: ordinary sockets bound to 256 distinct 127.x.y.z addresses.",
        "                       Default raw, falling back to udp with a notice when raw sockets are refused.",
        "  --sources CIDR       source prefix (default 127.0.0.0/8); hosts .0 and .255 and the target are skipped.",
        "  --sink-ports N       raw mode: source ports come from N sink sockets that drop the server's replies in",
        "                       the kernel (default 16); 0 uses random ports, and every reply then draws an ICMP",
        "                       port-unreachable. In udp mode each socket is its own sink.",
        "  --rate PPS|max       packets per second, paced per batch, or max (default max). k and M suffixes work.",
        "  --duration S         stop after S seconds (default 10, at most 600; decimals allowed).",
        "  --packets N          stop after N packets (default 10M, at most 1000M). k, M and G suffixes work.",
        "  --template NAME      hello capture from the corpus (default " + HelloTemplate.DEFAULT_NAME + "); first",
        "                       hellos: " + String.join(", ", HelloTemplate.FIRST_HELLOS) + ".",
        "  --cpu N              pin the sending thread to CPU N.",
        "  --batch N            packets per sendmmsg (default " + SpoofedFlood.Context.DEFAULT_BATCH_SIZE + ", 1 to " +
            SpoofedFlood.Context.MAX_BATCH_SIZE + ").",
        "  --json FILE          also write the JSON summary to FILE.",
        "  --help               this text.",
        "",
        "Prints one JSON line on stdout: {\"sent\":..,\"bytes\":..,\"duration_s\":..,\"pps\":..,\"mode\":..,...}.",
        "Exit status: 0 ran, 1 could not run, 2 bad option.");

    private FloodMain()
    {
    }

    /**
     * Run the command line.
     *
     * @param args options, see {@link #USAGE}.
     */
    public static void main(final String[] args)
    {
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Run the command line with the given streams, for tests.
     *
     * @param args options.
     * @param out  receives the JSON line.
     * @param err  receives notices, errors and the human summary.
     * @return the exit status.
     */
    static int run(final String[] args, final PrintStream out, final PrintStream err)
    {
        final SpoofedFlood.Context context = new SpoofedFlood.Context().notice(err::println);
        Path json = null;
        boolean modeGiven = false;
        boolean targetGiven = false;
        try
        {
            for (int i = 0; i < args.length; i++)
            {
                final String option = args[i];
                if ("--help".equals(option) || "-h".equals(option))
                {
                    out.println(USAGE);
                    return 0;
                }
                if (i + 1 >= args.length)
                {
                    throw new IllegalArgumentException(
                        option.startsWith("--") ? option + " needs a value" : "unknown option " + option);
                }
                final String value = args[++i];
                switch (option)
                {
                    case "--target" ->
                    {
                        target(context, value);
                        targetGiven = true;
                    }
                    case "--mode" ->
                    {
                        context.mode(switch (value)
                        {
                            case "raw" -> SpoofedFlood.Mode.RAW;
                            case "udp" -> SpoofedFlood.Mode.UDP;
                            default -> throw new IllegalArgumentException("--mode must be raw or udp, got " + value);
                        });
                        modeGiven = true;
                    }
                    case "--sources" -> context.sources(value);
                    case "--sink-ports" -> context.sinkPorts((int)count(option, value, 0, SinkSockets.MAX_SINKS));
                    case "--rate" -> context.rate("max".equals(value) ? 0 : count(option, value, 1, 100_000_000));
                    case "--duration" -> context.durationNs(duration(value));
                    case "--packets" -> context.maxPackets(count(option, value, 1, SpoofedFlood.Context.MAX_PACKETS));
                    case "--template" -> context.template(value);
                    case "--cpu" -> context.cpu((int)count(option, value, 0, 1023));
                    case "--batch" ->
                        context.batchSize((int)count(option, value, 1, SpoofedFlood.Context.MAX_BATCH_SIZE));
                    case "--json" -> json = Path.of(value);
                    default -> throw new IllegalArgumentException("unknown option " + option);
                }
            }
            if (!targetGiven)
            {
                throw new IllegalArgumentException("--target HOST:PORT is required");
            }
            context.fallbackToUdp(!modeGiven).conclude();
        }
        catch (final IllegalArgumentException ex)
        {
            err.println("flood: " + ex.getMessage());
            err.println("Try --help.");
            return 2;
        }

        final SpoofedFlood flood = new SpoofedFlood(context);
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

    private static void target(final SpoofedFlood.Context context, final String value)
    {
        final int colon = value.lastIndexOf(':');
        if (colon <= 0 || colon == value.length() - 1)
        {
            throw new IllegalArgumentException("--target must be HOST:PORT, got " + value);
        }
        final String host = value.substring(0, colon);
        context.targetAddress(Ipv4Cidr.parseAddress("localhost".equals(host) ? "127.0.0.1" : host, value));
        context.targetPort((int)count("--target port", value.substring(colon + 1), 1, 65_535));
    }

    static long count(final String option, final String value, final long min, final long max)
    {
        long multiplier = 1;
        String digits = value.replace("_", "");
        if (!digits.isEmpty())
        {
            final char suffix = Character.toUpperCase(digits.charAt(digits.length() - 1));
            multiplier = switch (suffix)
            {
                case 'K' -> 1_000L;
                case 'M' -> 1_000_000L;
                case 'G' -> 1_000_000_000L;
                default -> 1L;
            };
            if (multiplier > 1)
            {
                digits = digits.substring(0, digits.length() - 1);
            }
        }
        final long parsed;
        try
        {
            parsed = Math.multiplyExact(Long.parseLong(digits), multiplier);
        }
        catch (final NumberFormatException | ArithmeticException ex)
        {
            throw new IllegalArgumentException(option + " must be a whole number, got " + value);
        }
        if (parsed < min || parsed > max)
        {
            throw new IllegalArgumentException(option + " must be " + min + " to " + max + ", got " + value);
        }
        return parsed;
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
