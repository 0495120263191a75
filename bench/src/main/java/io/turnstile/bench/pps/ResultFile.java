package io.turnstile.bench.pps;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * How a forked run hands its {@link PpsRun.Result} back to the parent: one {@code key TAB value} line per field and
 * one {@code second TAB ...} line per sample. The parent already holds the run's settings, so they are not written.
 */
final class ResultFile
{
    private ResultFile()
    {
    }

    /**
     * Write a result.
     *
     * @param result what the run measured.
     * @param path   where.
     */
    static void write(final PpsRun.Result result, final Path path)
    {
        final StringBuilder out = new StringBuilder(4096);
        line(out, "description", result.description());
        line(out, "topology", result.topology());
        line(out, "load", Double.toString(result.loadAverage()));
        line(out, "measured", Double.toString(result.measuredSeconds()));
        line(out, "offered", Double.toString(result.offeredPps()));
        line(out, "received", Double.toString(result.receivedPps()));
        line(out, "replied", Double.toString(result.repliedPps()));
        line(out, "verified", Double.toString(result.verifiedPps()));
        line(out, "dropped", Double.toString(result.droppedPps()));
        line(out, "kernel", Double.toString(result.kernelDropPps()));
        line(out, "failures", Long.toString(result.replyFailures()));
        line(out, "noports", Long.toString(result.noPorts()));
        line(out, "error", null == result.error() ? "" : result.error());
        for (final PpsRun.Second s : result.seconds())
        {
            out.append("second\t").append(s.second()).append('\t').append(s.measured()).append('\t')
                .append(s.offered()).append('\t').append(s.received()).append('\t').append(s.replied()).append('\t')
                .append(s.dropped()).append('\t').append(s.kernelDrop()).append('\t').append(s.seconds())
                .append('\n');
        }
        try
        {
            Files.writeString(path, out);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot write " + path, ex);
        }
    }

    /**
     * Read a result written by {@link #write}.
     *
     * @param path     where.
     * @param settings the run's settings, as the parent planned them.
     * @return the result.
     * @throws IOException when the file cannot be read.
     */
    static PpsRun.Result read(final Path path, final PpsRun.Settings settings) throws IOException
    {
        final Map<String, String> fields = new HashMap<>();
        final List<PpsRun.Second> seconds = new ArrayList<>();
        for (final String line : Files.readAllLines(path))
        {
            final String[] parts = line.split("\t", -1);
            if ("second".equals(parts[0]) && parts.length == 9)
            {
                seconds.add(new PpsRun.Second(Integer.parseInt(parts[1]), Boolean.parseBoolean(parts[2]),
                    Long.parseLong(parts[3]), Long.parseLong(parts[4]), Long.parseLong(parts[5]),
                    Long.parseLong(parts[6]), Long.parseLong(parts[7]), Double.parseDouble(parts[8])));
            }
            else if (parts.length == 2)
            {
                fields.put(parts[0], parts[1]);
            }
        }
        final String error = fields.getOrDefault("error", "missing result");
        return new PpsRun.Result(settings, fields.getOrDefault("description", settings.responder()),
            fields.getOrDefault("topology", ""), number(fields, "load"), number(fields, "measured"),
            number(fields, "offered"), number(fields, "received"), number(fields, "replied"),
            number(fields, "verified"), number(fields, "dropped"), number(fields, "kernel"),
            (long)number(fields, "failures"), (long)number(fields, "noports"), seconds,
            error.isEmpty() ? null : error);
    }

    private static double number(final Map<String, String> fields, final String key)
    {
        final String value = fields.get(key);
        return null == value ? 0 : Double.parseDouble(value);
    }

    private static void line(final StringBuilder out, final String key, final String value)
    {
        out.append(key).append('\t').append(value.replace('\t', ' ').replace('\n', ' ')).append('\n');
    }
}
