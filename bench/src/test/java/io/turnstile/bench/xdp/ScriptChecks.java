package io.turnstile.bench.xdp;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * What the script tests of the {@code --xdp} topology check around a run: the tools it needs, and that none of its
 * namespaces is left behind.
 */
final class ScriptChecks
{
    private ScriptChecks()
    {
    }

    /**
     * Whether a command is an executable on the PATH.
     *
     * @param command its name.
     * @return true when some PATH directory has it.
     */
    static boolean onPath(final String command)
    {
        for (final String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
        {
            if (Files.isExecutable(Path.of(dir, command)))
            {
                return true;
            }
        }
        return false;
    }

    /**
     * Assert that no network namespace with the prefix the script printed is left.
     *
     * @param output  the script's output.
     * @param printed the pattern of the line naming its namespaces, group 1 the prefix (tsq and the script's PID).
     */
    static void assertNoNamespaceLeft(final String output, final Pattern printed) throws IOException,
        InterruptedException
    {
        final String prefix = printed.matcher(output).results().map((m) -> m.group(1)).findFirst()
            .orElseThrow(() -> new AssertionError(output));
        final Process list = new ProcessBuilder("ip", "netns", "list").redirectErrorStream(true).start();
        final String namespaces = new String(list.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        list.waitFor();
        assertFalse(namespaces.contains(prefix), namespaces);
    }
}
