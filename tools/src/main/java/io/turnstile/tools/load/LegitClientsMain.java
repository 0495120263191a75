package io.turnstile.tools.load;

import io.turnstile.tools.Cli;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * Command line of {@link LegitClients}, launcher {@code scripts/legit-clients}: the options are the load's own
 * {@link LegitClients.Context}, plus {@code --json}. Prints the report as one JSON line on
 * stdout (and into {@code --json FILE} when given), and a one-line human summary on stderr. Exits 0 when the run
 * completed, whatever its success ratio; 2 on bad options.
 */
@Command(name = "scripts/legit-clients", sortOptions = false, usageHelpWidth = 120, mixinStandardHelpOptions = true,
    description = "Legit DTLS clients doing the cookie exchange (and, with --handshake, waiting for the ServerHello) " +
        "against a server, latency in an HdrHistogram; prints one JSON report on stdout.")
public final class LegitClientsMain implements Callable<Integer>
{
    @Mixin
    private LegitClients.Context context = new LegitClients.Context();
    @Option(names = "--json", paramLabel = "FILE|-", description = "Also write the report to FILE.")
    private String json;

    private LegitClientsMain()
    {
    }

    /**
     * Run a load from the command line.
     *
     * @param args options, see {@code --help}.
     */
    public static void main(final String[] args)
    {
        System.exit(Cli.execute("legit-clients", new LegitClientsMain(), args, System.out, System.err));
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public Integer call() throws IOException
    {
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
        return 0;
    }
}
