package io.turnstile.bench.load;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Command line of {@link LegitClients}, launcher {@code scripts/legit-clients}:
 * <pre>
 * legit-clients --target HOST:PORT [--bind ADDRESS] [--rate N|0] [--concurrency N] [--duration SECONDS]
 *               [--attempts N] [--timeout-ms MS] [--retransmits N] [--handshake] [--template NAME|FILE]
 *               [--seed N] [--json FILE|-]
 * </pre>
 * Prints the report as one JSON line on stdout (and into {@code --json FILE} when given), and a one-line human
 * summary on stderr. Exits 0 when the run completed, whatever its success ratio; 2 on bad options.
 */
public final class LegitClientsMain
{
    private LegitClientsMain()
    {
    }

    /**
     * Run a load from the command line.
     *
     * @param args options as above.
     * @throws IOException when the selector cannot be opened or the JSON file cannot be written.
     */
    public static void main(final String[] args) throws IOException
    {
        final LegitClients.Context context = new LegitClients.Context();
        String json = null;
        try
        {
            for (int i = 0; i < args.length; i++)
            {
                final String option = args[i];
                switch (option)
                {
                    case "--target" -> context.target(parseHostPort(value(args, ++i, option)));
                    case "--bind" -> context.bindAddress(InetAddress.getByName(value(args, ++i, option)));
                    case "--rate" -> context.rate(Integer.parseInt(value(args, ++i, option)));
                    case "--concurrency" -> context.concurrency(Integer.parseInt(value(args, ++i, option)));
                    case "--duration" ->
                        context.durationMs(Math.round(Double.parseDouble(value(args, ++i, option)) * 1000));
                    case "--attempts" -> context.maxAttempts(Long.parseLong(value(args, ++i, option)));
                    case "--timeout-ms" -> context.retransmitTimeoutMs(Long.parseLong(value(args, ++i, option)));
                    case "--retransmits" -> context.maxRetransmits(Integer.parseInt(value(args, ++i, option)));
                    case "--handshake" -> context.handshake(true);
                    case "--template" -> context.template(value(args, ++i, option));
                    case "--seed" -> context.seed(Long.parseLong(value(args, ++i, option)));
                    case "--json" -> json = value(args, ++i, option);
                    case "-h", "--help" ->
                    {
                        usage(System.out);
                        return;
                    }
                    default -> throw new IllegalArgumentException("unknown option " + option);
                }
            }
            context.conclude();
        }
        catch (final IllegalArgumentException | UnknownHostException ex)
        {
            System.err.println("legit-clients: " + ex.getMessage());
            usage(System.err);
            System.exit(2);
            return;
        }

        final LegitClientsReport report = new LegitClients(context).run();
        final String text = report.toJson();
        if (json != null && !"-".equals(json))
        {
            Files.writeString(Path.of(json), text + System.lineSeparator(), StandardCharsets.UTF_8);
        }
        System.out.println(text);
        System.err.printf(
            "legit-clients: %d attempts, %d succeeded (%.2f %%, %s), %d failed, %d retransmits, HVR latency " +
            "p50 %d us p99 %d us max %d us%n",
            report.attempts(), report.succeeded(), 100.0 * report.successRatio(), report.successCriterion(),
            report.failed(), report.retransmits(), report.hvrLatencyUs().getValueAtPercentile(50),
            report.hvrLatencyUs().getValueAtPercentile(99), report.hvrLatencyUs().getMaxValue());
    }

    /**
     * Parse {@code HOST:PORT}, {@code [V6]:PORT} or {@code V6:PORT}.
     *
     * @param text to parse.
     * @return a resolved address.
     * @throws IllegalArgumentException when it is not one.
     */
    static InetSocketAddress parseHostPort(final String text)
    {
        final int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1)
        {
            throw new IllegalArgumentException("expected HOST:PORT, got " + text);
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]"))
        {
            host = host.substring(1, host.length() - 1);
        }
        final int port;
        try
        {
            port = Integer.parseInt(text.substring(colon + 1));
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("bad port in " + text, ex);
        }
        if (port < 1 || port > 65_535)
        {
            throw new IllegalArgumentException("port must be 1 to 65535, got " + port);
        }
        try
        {
            return new InetSocketAddress(InetAddress.getByName(host), port);
        }
        catch (final UnknownHostException ex)
        {
            throw new IllegalArgumentException("unknown host in " + text, ex);
        }
    }

    private static String value(final String[] args, final int index, final String option)
    {
        if (index >= args.length)
        {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[index];
    }

    private static void usage(final PrintStream out)
    {
        out.println("usage: legit-clients --target HOST:PORT [--bind ADDRESS] [--rate N|0] [--concurrency N]");
        out.println("           [--duration SECONDS] [--attempts N] [--timeout-ms MS] [--retransmits N] [--handshake]");
        out.println("           [--template NAME|FILE] [--seed N] [--json FILE|-]");
    }
}
