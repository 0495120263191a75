package io.turnstile.server;

import java.io.PrintStream;
import java.util.Arrays;

/**
 * Entry point of {@code scripts/turnstile} and of {@code java -jar turnstile.jar}: dispatches to the sub-command
 * named first on the command line.
 * <pre>
 *   turnstile serve --bind HOST:PORT [options]    the verifier server ({@link ServeCommand})
 *   turnstile stat [--dir DIR] [options]          a running server's counters, from another process
 *                                                 (see {@link StatCommand#USAGE})
 *   turnstile help | --help                       the commands
 * </pre>
 * A sub-command is one line in {@link #USAGE} and one case in {@link #run(String[], PrintStream, PrintStream)}, given
 * the arguments after its name and the two streams, returning its exit code.
 */
public final class TurnstileMain
{
    /** Shown for {@code help} and for a missing or unknown command. */
    public static final String USAGE = """
        usage: turnstile COMMAND [options]

        commands:
          serve --bind HOST:PORT [options]   answer DTLS ClientHellos with cookies, count verified ones
                                             ('turnstile serve --help' for the options)
          stat [--dir DIR] [--json] [--count N]
                                             a running server's counters with rates, read from its
                                             memory-mapped counters file ('turnstile stat --help')
          help                               this text
        """;

    private TurnstileMain()
    {
    }

    /**
     * Run a sub-command and exit with its code.
     *
     * @param args the sub-command and its options.
     */
    public static void main(final String[] args)
    {
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Run a sub-command without exiting, for tests and embedding.
     *
     * @param args the sub-command and its options.
     * @param out  standard output.
     * @param err  standard error.
     * @return the exit code: 0, 1 for a failure while running, 2 for bad usage.
     */
    public static int run(final String[] args, final PrintStream out, final PrintStream err)
    {
        if (args.length == 0)
        {
            err.print(USAGE);
            return UsageException.EXIT_CODE;
        }
        final String[] rest = Arrays.copyOfRange(args, 1, args.length);
        // One case per sub-command.
        return switch (args[0])
        {
            case "serve" -> new ServeCommand(out, err).run(rest);
            case "stat" -> new StatCommand(out, err).run(rest);
            case "help", "--help", "-h" ->
            {
                out.print(USAGE);
                yield 0;
            }
            default ->
            {
                err.println("turnstile: unknown command '" + args[0] + "'");
                err.print(USAGE);
                yield UsageException.EXIT_CODE;
            }
        };
    }
}
