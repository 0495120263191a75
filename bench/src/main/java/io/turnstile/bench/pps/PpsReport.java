package io.turnstile.bench.pps;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes a harness run as JSON (every run with its per-second series, for plots and later comparison) and as a
 * markdown table a person reads, with Turnstile's ratios to the baselines the issues set targets against.
 */
final class PpsReport
{
    private final String mode;
    private final String environment;
    private final List<PpsRun.Result> results;
    private final List<PpsRun.Result> medians;
    private final int repeats;

    /**
     * A report.
     *
     * @param mode        responders, sweep or workers.
     * @param environment one line: machine, JDK, CPUs, pinning, MAC.
     * @param results     the runs, in order.
     */
    PpsReport(final String mode, final String environment, final List<PpsRun.Result> results)
    {
        this.mode = mode;
        this.environment = environment;
        this.results = results;
        final Map<String, List<PpsRun.Result>> groups = new LinkedHashMap<>();
        for (final PpsRun.Result r : results)
        {
            groups.computeIfAbsent(key(r.settings()), k -> new ArrayList<>()).add(r);
        }
        this.medians = groups.values().stream().map(PpsReport::median).toList();
        this.repeats = groups.values().stream().mapToInt(List::size).max().orElse(1);
    }

    private static String key(final PpsRun.Settings s)
    {
        return s.responder() + "/" + s.batchSize() + "/" + s.workers() + "/" + s.ratePps();
    }

    /**
     * The run whose replied pps is the median of its repeats (the lower middle one for an even count), so every
     * figure on its row comes from one real run; failed repeats are left out unless all failed.
     */
    private static PpsRun.Result median(final List<PpsRun.Result> runs)
    {
        final List<PpsRun.Result> ok = runs.stream().filter(r -> null == r.error())
            .sorted(Comparator.comparingDouble(PpsRun.Result::repliedPps)).toList();
        return ok.isEmpty() ? runs.getFirst() : ok.get((ok.size() - 1) / 2);
    }

    /**
     * Write {@code prefix.json} and {@code prefix.md}.
     *
     * @param prefix path without extension.
     * @return the markdown, to print.
     */
    String write(final Path prefix)
    {
        final String markdown = markdown();
        try
        {
            Files.createDirectories(prefix.toAbsolutePath().getParent());
            Files.writeString(Path.of(prefix + ".json"), json());
            Files.writeString(Path.of(prefix + ".md"), markdown);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot write " + prefix + ".{json,md}", ex);
        }
        return markdown;
    }

    /**
     * Every run with its settings, rates and per-second series.
     *
     * @return a JSON document.
     */
    String json()
    {
        final StringBuilder out = new StringBuilder(64 * 1024);
        out.append("{\n  \"mode\": ").append(quote(mode)).append(",\n  \"environment\": ").append(quote(environment))
            .append(",\n  \"runs\": [");
        for (int i = 0; i < results.size(); i++)
        {
            final PpsRun.Result r = results.get(i);
            final PpsRun.Settings s = r.settings();
            out.append(i == 0 ? "\n" : ",\n").append("    {")
                .append("\"responder\": ").append(quote(s.responder()))
                .append(", \"batch\": ").append(Responders.batches(s.responder()) ? s.batchSize() : 1)
                .append(", \"workers\": ").append(s.workers())
                .append(", \"responder_cpu\": ").append(s.responderCpu())
                .append(", \"flood_cpu\": ").append(s.floodCpu())
                .append(", \"target_pps\": ").append(s.ratePps() == 0 ? "\"max\"" : Long.toString(s.ratePps()))
                .append(", \"warmup_s\": ").append(s.warmupS())
                .append(", \"measure_s\": ").append(s.measureS())
                .append(",\n      \"description\": ").append(quote(r.description()))
                .append(",\n      \"topology\": ").append(quote(r.topology()))
                .append(",\n      \"load_average\": ").append(number(r.loadAverage()))
                .append(", \"measured_s\": ").append(number(r.measuredSeconds()))
                .append(",\n      \"offered_pps\": ").append(number(r.offeredPps()))
                .append(", \"received_pps\": ").append(number(r.receivedPps()))
                .append(", \"replied_pps\": ").append(number(r.repliedPps()))
                .append(", \"verified_pps\": ").append(number(r.verifiedPps()))
                .append(", \"dropped_pps\": ").append(number(r.droppedPps()))
                .append(", \"kernel_rcvbuf_drops_pps\": ").append(number(r.kernelDropPps()))
                .append(", \"reply_failures\": ").append(r.replyFailures())
                .append(", \"udp_no_ports\": ").append(r.noPorts())
                .append(",\n      \"error\": ").append(null == r.error() ? "null" : quote(r.error()))
                .append(",\n      \"seconds\": [");
            for (int j = 0; j < r.seconds().size(); j++)
            {
                final PpsRun.Second x = r.seconds().get(j);
                out.append(j == 0 ? "" : ", ").append("{\"t\": ").append(x.second())
                    .append(", \"measured\": ").append(x.measured())
                    .append(", \"interval_s\": ").append(number(x.seconds()))
                    .append(", \"offered\": ").append(x.offered())
                    .append(", \"received\": ").append(x.received())
                    .append(", \"replied\": ").append(x.replied())
                    .append(", \"dropped\": ").append(x.dropped())
                    .append(", \"kernel_drops\": ").append(x.kernelDrop()).append('}');
            }
            out.append("]}");
        }
        out.append("\n  ]\n}\n");
        return out.toString();
    }

    /**
     * The table a person reads, with Turnstile's ratios to the baselines the issues set targets against.
     *
     * @return markdown.
     */
    String markdown()
    {
        final StringBuilder out = new StringBuilder(8 * 1024);
        out.append("# Packets per second: ").append(mode).append("\n\n- ").append(environment).append('\n');
        results.stream().map(PpsRun.Result::topology).filter(t -> !t.isEmpty()).distinct()
            .forEach(t -> out.append("- topology: ").append(t).append('\n'));
        if (repeats > 1)
        {
            out.append("\nEach configuration ran ").append(repeats).append(" times, interleaved; each row is the run ")
                .append("with the median replied pps (all runs below).\n");
        }
        table(out, medians);
        out.append("\n_dropped_: the verifier's drops; _socket drops_: datagrams the kernel dropped at the responder's ")
            .append("full receive buffer (/proc/net/udp), the load it did not keep up with; _reply failures_: replies ")
            .append("not sent (kernel refused, queue full) in the window. UDP NoPorts over the measured windows ")
            .append("(machine-wide; each is an ICMP port-unreachable, which the sink topologies avoid): ")
            .append(results.stream().mapToLong(PpsRun.Result::noPorts).sum()).append(".\n");
        ratios(out);
        if (repeats > 1)
        {
            out.append("\nAll runs:\n");
            table(out, results);
        }
        out.append("\nResponders:\n\n");
        results.stream().map(r -> "- `" + r.settings().responder() + "`: " + r.description()).distinct()
            .forEach(line -> out.append(line).append('\n'));
        return out.toString();
    }

    private static void table(final StringBuilder out, final List<PpsRun.Result> rows)
    {
        out.append("\n| responder | batch | workers | target | offered pps | received pps | replied pps | " +
            "verified pps | dropped pps | socket drops pps | reply failures | load avg |\n");
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (final PpsRun.Result r : rows)
        {
            final PpsRun.Settings s = r.settings();
            out.append("| ").append(s.responder())
                .append(" | ").append(Responders.batches(s.responder()) ? Integer.toString(s.batchSize()) : "1")
                .append(" | ").append(s.workers())
                .append(" | ").append(s.ratePps() == 0 ? "max" : pps(s.ratePps()));
            if (null != r.error())
            {
                out.append(" | FAILED: ").append(r.error().replace('|', '/')).append(" ||||||||\n");
                continue;
            }
            out.append(" | ").append(pps(r.offeredPps()))
                .append(" | ").append(pps(r.receivedPps()))
                .append(" | ").append(pps(r.repliedPps()))
                .append(" | ").append(pps(r.verifiedPps()))
                .append(" | ").append(pps(r.droppedPps()))
                .append(" | ").append(pps(r.kernelDropPps()))
                .append(" | ").append(r.replyFailures())
                .append(" | ").append(String.format(Locale.ROOT, "%.2f", r.loadAverage()))
                .append(" |\n");
        }
    }

    private void ratios(final StringBuilder out)
    {
        final StringBuilder lines = new StringBuilder();
        for (final PpsRun.Result t : medians)
        {
            if (!"turnstile".equals(t.settings().responder()) || null != t.error() || t.settings().workers() != 1)
            {
                continue;
            }
            for (final PpsRun.Result b : medians)
            {
                final String name = b.settings().responder();
                if ("turnstile".equals(name) || null != b.error() || b.repliedPps() <= 0 ||
                    b.settings().workers() != 1 || b.settings().ratePps() != t.settings().ratePps() ||
                    (Responders.batches(name) && b.settings().batchSize() != t.settings().batchSize()))
                {
                    continue;
                }
                lines.append("| turnstile batch ").append(t.settings().batchSize()).append(" / ").append(name)
                    .append(Responders.batches(name) ? " batch " + b.settings().batchSize() : "")
                    .append(" | ").append(String.format(Locale.ROOT, "%.2f×", t.repliedPps() / b.repliedPps()))
                    .append(" | ").append(target(name)).append(" |\n");
            }
        }
        if (!lines.isEmpty())
        {
            out.append("\nReplied pps, Turnstile over each baseline at the same target rate")
                .append(repeats > 1 ? " (medians)" : "").append(":\n\n")
                .append("| ratio | value | issue target |\n|---|---:|---|\n").append(lines);
        }
    }

    private static String target(final String baseline)
    {
        return switch (baseline)
        {
            case "mmsg-nocrypto" -> "≥ 0.95× (issue 4)";
            case "nio" -> "≥ 1.5× (issue 3)";
            case "netty" -> "≥ 1.2× (issue 3)";
            default -> "";
        };
    }

    private static String pps(final double value)
    {
        return String.format(Locale.ROOT, "%,.0f", value).replace(',', ' ');
    }

    private static String number(final double value)
    {
        return Double.isFinite(value) ? String.format(Locale.ROOT, "%.1f", value) : "null";
    }

    static String quote(final String text)
    {
        final StringBuilder out = new StringBuilder(text.length() + 2).append('"');
        for (int i = 0; i < text.length(); i++)
        {
            final char c = text.charAt(i);
            switch (c)
            {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\t' -> out.append("\\t");
                default ->
                {
                    if (c < 0x20)
                    {
                        out.append(String.format(Locale.ROOT, "\\u%04x", (int)c));
                    }
                    else
                    {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
