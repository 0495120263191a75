package io.turnstile.tools.load;

import io.turnstile.tools.Captures;
import io.turnstile.tools.Cli;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * Command line of {@link LegitClients}, launcher {@code scripts/legit-clients}. Prints the report as one JSON line on
 * stdout (and into {@code --json FILE} when given), and a one-line human summary on stderr. Exits 0 when the run
 * completed, whatever its success ratio; 2 on bad options.
 */
@Command(name = "scripts/legit-clients", sortOptions = false, usageHelpWidth = 120, mixinStandardHelpOptions = true,
    description = "Legit DTLS clients doing the cookie exchange (and, with --handshake, waiting for the ServerHello) " +
        "against a server, latency in an HdrHistogram; prints one JSON report on stdout.")
public final class LegitClientsMain implements Callable<Integer>
{
    @Option(names = "--target", required = true, paramLabel = "HOST:PORT", converter = HostPort.class,
        description = "The server: HOST:PORT, [V6]:PORT or V6:PORT.")
    private InetSocketAddress target;
    @Option(names = "--bind", paramLabel = "ADDRESS", description = "Clients' source address (default: the target's " +
        "for a loopback target).")
    private InetAddress bind;
    @Option(names = "--rate", paramLabel = "N", description = "Attempts started per second, 0 for as fast as the " +
        "concurrency allows (default 100).")
    private int rate = LegitClients.Context.DEFAULT_RATE;
    @Option(names = "--concurrency", paramLabel = "N", description = "Sockets open at once (default 16).")
    private int concurrency = LegitClients.Context.DEFAULT_CONCURRENCY;
    @Option(names = "--duration", paramLabel = "SECONDS", description = "How long attempts start (default 10).")
    private double durationS = LegitClients.Context.DEFAULT_DURATION_MS / 1e3;
    @Option(names = "--attempts", paramLabel = "N", description = "Attempts at most (default 1M).")
    private long attempts = LegitClients.Context.DEFAULT_MAX_ATTEMPTS;
    @Option(names = "--timeout-ms", paramLabel = "MS", description = "First retransmission timeout, doubling " +
        "(default 1000).")
    private long timeoutMs = LegitClients.Context.DEFAULT_RETRANSMIT_TIMEOUT_MS;
    @Option(names = "--retransmits", paramLabel = "N", description = "Retransmissions before a timeout (default 2).")
    private int retransmits = LegitClients.Context.DEFAULT_MAX_RETRANSMITS;
    @Option(names = "--handshake", description = "Success is a ServerHello (a server with serve --echo).")
    private boolean handshake;
    @Option(names = "--template", paramLabel = "NAME|FILE", description = "The first hello (default " +
        Captures.DEFAULT_HELLO + ").")
    private String template = Captures.DEFAULT_HELLO;
    @Option(names = "--seed", paramLabel = "N", description = "Seed of the client randoms (default: the clock).")
    private Long seed;
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
        final LegitClients.Context context = new LegitClients.Context().target(target).bindAddress(bind).rate(rate)
            .concurrency(concurrency).durationMs(Math.round(durationS * 1000)).maxAttempts(attempts)
            .retransmitTimeoutMs(timeoutMs).maxRetransmits(retransmits).handshake(handshake).template(template);
        if (null != seed)
        {
            context.seed(seed);
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
        return 0;
    }

    /**
     * picocli's converter for {@code --target}.
     */
    static final class HostPort implements CommandLine.ITypeConverter<InetSocketAddress>
    {
        /**
         * {@inheritDoc}
         */
        @Override
        public InetSocketAddress convert(final String value)
        {
            return Cli.hostPort("--target", value);
        }
    }
}
