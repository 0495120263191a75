package io.turnstile.bench.pps;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The kernel's UDP counters from {@code /proc/net/snmp}: datagrams dropped because a socket's receive buffer was full
 * (RcvbufErrors) are the flood the responder did not keep up with, which its own counters cannot see. They are
 * machine-wide; a quiet machine has nothing else adding to them.
 */
final class KernelUdpStats
{
    private static final Path SNMP = Path.of("/proc/net/snmp");

    private KernelUdpStats()
    {
    }

    /**
     * Datagrams dropped on full receive buffers since boot.
     *
     * @return the count, or -1 where the file is missing or unreadable (not Linux).
     */
    static long receiveBufferErrors()
    {
        return field("RcvbufErrors");
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
