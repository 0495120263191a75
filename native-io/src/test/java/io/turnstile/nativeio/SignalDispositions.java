package io.turnstile.nativeio;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Test support: which signals this process ignores, as the kernel reports it in the SigIgn mask of
 * {@code /proc/self/status} (proc(5)), so that tests can check a disposition set below the JVM. Shared with the server
 * module's tests through the test-jar.
 */
public final class SignalDispositions
{
    private SignalDispositions()
    {
    }

    /**
     * Whether this process ignores a signal.
     *
     * @param signal the signal number, 1 to 64.
     * @return true when its disposition is SIG_IGN.
     * @throws IOException when /proc/self/status cannot be read.
     */
    public static boolean ignored(final int signal) throws IOException
    {
        for (final String line : Files.readAllLines(Path.of("/proc/self/status")))
        {
            if (line.startsWith("SigIgn:"))
            {
                final long mask = Long.parseUnsignedLong(line.substring("SigIgn:".length()).trim(), 16);
                return (mask & (1L << (signal - 1))) != 0;
            }
        }
        throw new IOException("no SigIgn line in /proc/self/status");
    }
}
