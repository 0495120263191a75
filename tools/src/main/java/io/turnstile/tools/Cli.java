package io.turnstile.tools;

import picocli.CommandLine;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Runs the picocli commands of the tools and the harnesses alike: the last of a repeated option wins (a script's
 * defaults can be overridden by its caller's), help on {@code out}; a bad option (or a value the
 * command refuses with an {@link IllegalArgumentException}) named on {@code err} as {@code NAME: message} with a
 * pointer to {@code --help}, exit status 2.
 */
public final class Cli
{
    /** Exit status for a bad option or value. */
    public static final int BAD_OPTION = 2;

    private Cli()
    {
    }

    /**
     * Parse the arguments into the command and run it.
     *
     * @param name    prefixes error lines, e.g. {@code flood}.
     * @param command a {@code @Command} that is a {@link java.util.concurrent.Callable} of the exit status.
     * @param args    the command line.
     * @param out     receives the help text.
     * @param err     receives errors.
     * @return the exit status.
     */
    public static int execute(
        final String name, final Object command, final String[] args, final PrintStream out, final PrintStream err)
    {
        return new CommandLine(command)
            .setOverwrittenOptionsAllowed(true)
            .setOut(new PrintWriter(out, true, StandardCharsets.UTF_8))
            .setErr(new PrintWriter(err, true, StandardCharsets.UTF_8))
            .setParameterExceptionHandler((ex, ignored) -> bad(name, err, message(ex)))
            .setExecutionExceptionHandler((ex, cli, ignored) ->
            {
                if (ex instanceof IllegalArgumentException)
                {
                    return bad(name, err, ex.getMessage());
                }
                throw ex;
            })
            .execute(args);
    }

    /**
     * Say what is wrong with the command line.
     *
     * @param name    prefixes the line.
     * @param err     where to say it.
     * @param message what is wrong.
     * @return {@link #BAD_OPTION}.
     */
    public static int bad(final String name, final PrintStream err, final String message)
    {
        err.println(name + ": " + message);
        err.println("Try --help.");
        return BAD_OPTION;
    }

    /**
     * A bad command line in the words of the project's own parsers: {@code unknown option --x},
     * {@code --x needs a value}, else picocli's message.
     *
     * @param ex what picocli found.
     * @return the message.
     */
    public static String message(final CommandLine.ParameterException ex)
    {
        if (ex instanceof CommandLine.UnmatchedArgumentException unmatched)
        {
            final List<String> arguments = unmatched.getUnmatched();
            return "unknown option " + (arguments.isEmpty() ? "" : arguments.getFirst());
        }
        if (ex instanceof CommandLine.MissingParameterException missing && !missing.getMissing().isEmpty() &&
            missing.getMissing().getFirst() instanceof CommandLine.Model.OptionSpec option &&
            ex.getMessage().startsWith("Missing required parameter"))
        {
            return option.longestName() + " needs a value";
        }
        return ex.getMessage();
    }
}
