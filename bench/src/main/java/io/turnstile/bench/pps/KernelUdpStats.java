package io.turnstile.bench.pps;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What the kernel counts that a responder cannot: datagrams dropped at the responder's own sockets because their
 * receive buffers were full (the {@code drops} column of {@code /proc/net/udp} for the sockets bound to its port), the
 * flood it did not keep up with; and, machine-wide from {@code /proc/net/snmp}, datagrams to ports nobody listens on
 * (NoPorts: each an ICMP port-unreachable, which the sink topologies exist to avoid).
 */
final class KernelUdpStats
{
    private static final Path SNMP = Path.of("/proc/net/snmp");
    private static final Path[] SOCKETS = {Path.of("/proc/net/udp"), Path.of("/proc/net/udp6")};

    private KernelUdpStats()
    {
    }

    /**
     * Datagrams dropped since they opened by every UDP socket bound to a local port (all SO_REUSEPORT workers).
     *
     * @param port the responder's port.
     * @return the sum of their drop counters, or -1 where the files are unreadable (not Linux).
     */
    static long socketDrops(final int port)
    {
        final String suffix = String.format(java.util.Locale.ROOT, ":%04X", port);
        long drops = 0;
        boolean read = false;
        for (final Path path : SOCKETS)
        {
            try
            {
                for (final String line : Files.readAllLines(path))
                {
                    final String[] fields = line.trim().split("\\s+");
                    if (fields.length > 12 && fields[1].endsWith(suffix))
                    {
                        drops += Long.parseLong(fields[fields.length - 1]);
                    }
                }
                read = true;
            }
            catch (final IOException | RuntimeException ex)
            {
                // udp6 may be absent where IPv6 is disabled.
            }
        }
        return read ? drops : -1;
    }

    /**
     * Datagrams that arrived for a port nobody listens on (each one would be an ICMP port-unreachable).
     *
     * @return the count, or -1 where unreadable.
     */
    static long noPorts()
    {
        return field("NoPorts");
    }

    private static long field(final String name)
    {
        try
        {
            final List<String> lines = Files.readAllLines(SNMP);
            for (int i = 0; i + 1 < lines.size(); i++)
            {
                if (lines.get(i).startsWith("Udp:") && lines.get(i + 1).startsWith("Udp:"))
                {
                    final String[] names = lines.get(i).trim().split("\\s+");
                    final String[] values = lines.get(i + 1).trim().split("\\s+");
                    for (int j = 1; j < names.length && j < values.length; j++)
                    {
                        if (names[j].equals(name))
                        {
                            return Long.parseLong(values[j]);
                        }
                    }
                }
            }
            return -1;
        }
        catch (final IOException | RuntimeException ex)
        {
            return -1;
        }
    }

    /**
     * The 1-minute load average, to show in a report how busy the machine was.
     *
     * @return the load average, or -1 where unreadable.
     */
    static double loadAverage()
    {
        try
        {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+")[0]);
        }
        catch (final IOException | RuntimeException ex)
        {
            return -1;
        }
    }
}
