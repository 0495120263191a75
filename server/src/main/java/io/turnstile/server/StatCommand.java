package io.turnstile.server;

import io.turnstile.nativeio.CountersFile;
import io.turnstile.status.CounterTypes;
import org.agrona.concurrent.status.CountersReader;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * {@code turnstile stat}: read a running server's counters from another process, the way Aeron's {@code AeronStat}
 * reads a media driver's: map its {@link CountersFile} read-only and print every counter with its label, value and
 * rate per second, once per interval. No RPC, and nothing the server does changes while it is read.
 * <p>
 * Without {@code --dir} it looks for the running servers' directories ({@code /dev/shm/turnstile-PID} whose pid is
 * alive): one is read, several are listed. Exit codes: 0, 1 when there is no server to read or it stopped, 2 for bad
 * usage or several servers and no {@code --dir}.
 */
public final class StatCommand
{
    /** Shown by {@code --help}. */
    public static final String USAGE = """
        usage: turnstile stat [--dir DIR] [--json] [--interval SECONDS] [--count N] [--list]

        Reads a running 'turnstile serve' from its memory-mapped counters file: every counter with its label,
        value and rate per second, once per interval.

          --dir DIR           the server's --counters-dir (default: the only running server under %s)
          --list              list the running servers (pid, start time, directory) and exit
          --json              one JSON object per sample: {"t":..,"epoch_ms":..,"pid":..,"dir":..,"counters":[
                              {"id":..,"type_id":..,"kind":..,"worker":..,"label":..,"value":..,"rate":..},..]}
          --interval SECONDS  between samples; rates are over it (default 1)
          --count N           stop after N samples (default 0: until interrupted or the server stops)
          --help              this text
        """;

    private final PrintStream out;
    private final PrintStream err;
    private final Path parent;

    /**
     * A command writing to the given streams, looking for servers under {@link CountersFile#defaultParent()}.
     *
     * @param out samples and the list.
     * @param err errors.
     */
    public StatCommand(final PrintStream out, final PrintStream err)
    {
        this(out, err, CountersFile.defaultParent());
    }

    /**
     * A command looking for servers under a given directory.
     *
     * @param out    samples and the list.
     * @param err    errors.
     * @param parent where the servers' directories are.
     */
    public StatCommand(final PrintStream out, final PrintStream err, final Path parent)
    {
        this.out = out;
        this.err = err;
        this.parent = parent;
    }

    /**
     * Run until the count is reached, the server stops or the thread is interrupted.
     *
     * @param args the options after {@code stat}.
     * @return the exit code.
     */
    public int run(final String[] args)
    {
        try
        {
            return stat(Options.parse(args));
        }
        catch (final UsageException ex)
        {
            err.println("turnstile stat: " + ex.getMessage());
            err.println("try 'turnstile stat --help'");
            return UsageException.EXIT_CODE;
        }
    }

    private int stat(final Options options)
    {
        if (options.help)
        {
            out.print(String.format(Locale.ROOT, USAGE, parent));
            out.flush();
            return 0;
        }
        final List<Path> running = Files.isDirectory(parent) ? CountersFile.findRunning(parent) : List.of();
        if (options.list)
        {
            list(running);
            return 0;
        }
        Path dir = options.dir;
        if (null == dir)
        {
            if (running.isEmpty())
            {
                err.println("turnstile stat: no running server under " + parent +
                    " (start one with 'turnstile serve', or give --dir)");
                return 1;
            }
            if (running.size() > 1)
            {
                list(running);
                err.println("turnstile stat: " + running.size() + " servers run: choose one with --dir");
                return UsageException.EXIT_CODE;
            }
            dir = running.getFirst();
        }
        try (CountersFile file = CountersFile.mapReadOnly(dir))
        {
            if (!file.isOwnerAlive())
            {
                err.println("turnstile stat: the server of " + dir + " (pid " + file.pid() + ") is not running");
                return 1;
            }
            return sample(file, options);
        }
        catch (final IllegalStateException ex)
        {
            err.println("turnstile stat: " + ex.getMessage());
            return 1;
        }
    }

    private void list(final List<Path> running)
    {
        for (final Path dir : running)
        {
            try (CountersFile file = CountersFile.mapReadOnly(dir))
            {
                out.println("pid " + file.pid() + "  started " + Instant.ofEpochMilli(file.startTimestampMs()) +
                    "  " + dir);
            }
            catch (final IllegalStateException ignore)
            {
                // stopped between the listing and now
            }
        }
        out.flush();
    }

    private int sample(final CountersFile file, final Options options)
    {
        final CountersReader reader = file.countersReader();
        final int capacity = reader.maxCounterId() + 1;
        final long[] previous = new long[capacity];
        final long[] current = new long[capacity];
        read(reader, previous);
        long previousNs = System.nanoTime();
        final long startNs = previousNs;
        for (long samples = 0; options.count == 0 || samples < options.count; samples++)
        {
            try
            {
                TimeUnit.NANOSECONDS.sleep(options.intervalNs);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                return 0;
            }
            if (!file.isOwnerAlive())
            {
                err.println("turnstile stat: the server (pid " + file.pid() + ") stopped");
                return 1;
            }
            read(reader, current);
            final long nowNs = System.nanoTime();
            final double seconds = Math.max(nowNs - previousNs, 1) / 1e9;
            final String text = options.json ?
                json(file, reader, current, previous, seconds, (nowNs - startNs) / 1e9) :
                table(file, reader, current, previous, seconds);
            out.println(text);
            out.flush();
            System.arraycopy(current, 0, previous, 0, capacity);
            previousNs = nowNs;
        }
        return 0;
    }

    private static void read(final CountersReader reader, final long[] values)
    {
        for (int id = 0; id < values.length; id++)
        {
            values[id] = reader.getCounterState(id) == CountersReader.RECORD_ALLOCATED ?
                reader.getCounterValue(id) : 0;
        }
    }

    private static String table(
        final CountersFile file, final CountersReader reader, final long[] values, final long[] previous,
        final double seconds)
    {
        final StringBuilder sb = new StringBuilder(4096);
        sb.append(String.format(Locale.ROOT, "%s - turnstile pid %d, %s%n", Instant.now(), file.pid(),
            file.directory()));
        sb.append(String.format(Locale.ROOT, "%4s %6s %20s %12s  %s", "id", "type", "value", "per second", "label"));
        reader.forEach((counterId, typeId, keyBuffer, label) -> sb.append(String.format(Locale.ROOT,
            "%n%4d %6d %,20d %,12.0f  %s", counterId, typeId, values[counterId],
            (values[counterId] - previous[counterId]) / seconds, label)));
        return sb.toString();
    }

    private static String json(
        final CountersFile file, final CountersReader reader, final long[] values, final long[] previous,
        final double seconds, final double t)
    {
        final StringBuilder sb = new StringBuilder(8192);
        sb.append(String.format(Locale.ROOT, "{\"t\":%.3f", t))
            .append(",\"epoch_ms\":").append(System.currentTimeMillis())
            .append(",\"pid\":").append(file.pid())
            .append(",\"dir\":");
        StatsReporter.appendJsonString(sb, file.directory().toString());
        sb.append(",\"counters\":[");
        final int start = sb.length();
        reader.forEach((counterId, typeId, keyBuffer, label) ->
        {
            sb.append(sb.length() == start ? "" : ",")
                .append("{\"id\":").append(counterId)
                .append(",\"type_id\":").append(typeId)
                .append(",\"kind\":\"").append(CounterTypes.kind(typeId))
                .append("\",\"worker\":").append(CounterTypes.workerId(keyBuffer))
                .append(",\"label\":");
            StatsReporter.appendJsonString(sb, label);
            sb.append(",\"value\":").append(values[counterId])
                .append(",\"rate\":").append(Math.round((values[counterId] - previous[counterId]) / seconds))
                .append('}');
        });
        return sb.append("]}").toString();
    }

    /**
     * The parsed command line.
     */
    static final class Options
    {
        private boolean help;
        private boolean list;
        private boolean json;
        private Path dir;
        private long intervalNs = TimeUnit.SECONDS.toNanos(1);
        private long count;

        static Options parse(final String... args)
        {
            final Options options = new Options();
            for (int i = 0; i < args.length; i++)
            {
                final String arg = args[i];
                switch (arg)
                {
                    case "--help", "-h" -> options.help = true;
                    case "--list" -> options.list = true;
                    case "--json" -> options.json = true;
                    case "--dir" -> options.dir = Path.of(value(args, ++i, arg));
                    case "--interval" -> options.intervalNs = interval(value(args, ++i, arg));
                    case "--count" -> options.count = count(value(args, ++i, arg));
                    default -> throw new UsageException("unknown option '" + arg + "'");
                }
            }
            return options;
        }

        private static String value(final String[] args, final int i, final String name)
        {
            if (i >= args.length || args[i].startsWith("--"))
            {
                throw new UsageException(name + " needs a value");
            }
            return args[i];
        }

        private static long interval(final String value)
        {
            try
            {
                final double seconds = Double.parseDouble(value);
                if (seconds >= 0.01 && seconds <= 3600)
                {
                    return Math.round(seconds * 1e9);
                }
            }
            catch (final NumberFormatException ignore)
            {
                // reported below with the accepted range
            }
            throw new UsageException("--interval must be 0.01 to 3600 seconds, got '" + value + "'");
        }

        private static long count(final String value)
        {
            try
            {
                final long count = Long.parseLong(value);
                if (count >= 0)
                {
                    return count;
                }
            }
            catch (final NumberFormatException ignore)
            {
                // reported below with the accepted range
            }
            throw new UsageException("--count must be 0 (no limit) or more, got '" + value + "'");
        }
    }
}
