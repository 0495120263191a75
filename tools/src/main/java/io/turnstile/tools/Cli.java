package io.turnstile.tools;

import picocli.CommandLine;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Consumer;

/**
 * Runs the picocli commands of the tools and the harnesses alike: the last of a repeated option wins (a script's
 * defaults can be overridden by its caller's), help on {@code out}; a bad option (or a value the
 * command refuses with an {@link IllegalArgumentException}) named on {@code err} as {@code NAME: message} with a
 * pointer to {@code --help}, exit status 2. Also the one parser of the values every command line shares: counts
 * with k/M/G suffixes, rates, {@code HOST:PORT}.
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
     * Parse a harness's options (a {@code @Command} object with {@code @Option} fields), the last of a repeated
     * option winning, enum values in any case.
     *
     * @param options to fill.
     * @param args    the command line.
     * @param <T>     the options' type.
     * @return the options, or null when {@code --help} was asked for.
     * @throws IllegalArgumentException naming the bad option or value.
     */
    public static <T> T parse(final T options, final String... args)
    {
        final CommandLine cli = new CommandLine(options).setOverwrittenOptionsAllowed(true)
            .setCaseInsensitiveEnumValuesAllowed(true);
        try
        {
            cli.parseArgs(args);
        }
        catch (final CommandLine.ParameterException ex)
        {
            throw new IllegalArgumentException(message(ex), ex);
        }
        return cli.isUsageHelpRequested() ? null : options;
    }

    /**
     * Parse a harness's options for its {@code main}: on {@code --help} print the usage and exit 0; on a bad option
     * or value say so on stderr and exit {@value #BAD_OPTION}.
     *
     * @param name    prefixes error lines.
     * @param options to fill.
     * @param args    the command line.
     * @param check   validates the parsed options, throwing {@link IllegalArgumentException} naming the option.
     * @param <T>     the options' type.
     * @return the checked options.
     */
    public static <T> T parseOrExit(
        final String name, final T options, final String[] args, final Consumer<T> check)
    {
        try
        {
            if (null == parse(options, args))
            {
                new CommandLine(options).usage(System.out);
                System.exit(0);
            }
            check.accept(options);
            return options;
        }
        catch (final IllegalArgumentException ex)
        {
            System.exit(bad(name, System.err, ex.getMessage()));
            return options;
        }
    }

    /**
     * Parse a count with an optional k, M or G suffix.
     *
     * @param option names the option in the error.
     * @param value  e.g. {@code 10M}.
     * @param min    smallest allowed.
     * @param max    largest allowed.
     * @return the count.
     * @throws IllegalArgumentException naming the option when it is not a whole number in range.
     */
    public static long count(final String option, final String value, final long min, final long max)
    {
        long multiplier = 1;
        String digits = value.trim().replace("_", "");
        if (!digits.isEmpty())
        {
            multiplier = switch (Character.toUpperCase(digits.charAt(digits.length() - 1)))
            {
                case 'K' -> 1_000L;
                case 'M' -> 1_000_000L;
                case 'G' -> 1_000_000_000L;
                default -> 1L;
            };
            digits = multiplier > 1 ? digits.substring(0, digits.length() - 1) : digits;
        }
        final long parsed;
        try
        {
            parsed = Math.multiplyExact(Long.parseLong(digits), multiplier);
        }
        catch (final NumberFormatException | ArithmeticException ex)
        {
            throw new IllegalArgumentException(option + " must be a whole number, got " + value);
        }
        if (parsed < min || parsed > max)
        {
            throw new IllegalArgumentException(option + " must be " + min + " to " + max + ", got " + value);
        }
        return parsed;
    }

    /**
     * Parse an offered rate.
     *
     * @param option names the option in the error.
     * @param value  packets per second ({@code 50000}, {@code 50k}) or {@code max}.
     * @return the rate, 0 for max.
     * @throws IllegalArgumentException naming the option when it is neither.
     */
    public static long rate(final String option, final String value)
    {
        if ("max".equalsIgnoreCase(value.trim()))
        {
            return 0;
        }
        try
        {
            return count(option, value, 1, Long.MAX_VALUE);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException(option + ": a rate must be a number of pps or max, got " + value);
        }
    }

    /**
     * Parse {@code HOST:PORT}, {@code [V6]:PORT} or {@code V6:PORT}; {@code localhost} is 127.0.0.1.
     *
     * @param option names the option in the error.
     * @param text   to parse.
     * @return a resolved address.
     * @throws IllegalArgumentException naming what is wrong.
     */
    public static InetSocketAddress hostPort(final String option, final String text)
    {
        final int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1)
        {
            throw new IllegalArgumentException(option + " must be HOST:PORT, got " + text);
        }
        final String host = text.substring(0, colon).replaceAll("^\\[(.*)]$", "$1");
        if (!text.substring(colon + 1).chars().allMatch(Character::isDigit))
        {
            throw new IllegalArgumentException("bad port in " + option + " " + text);
        }
        final int port = (int)count(option + " port", text.substring(colon + 1), 1, 65_535);
        try
        {
            return new InetSocketAddress(InetAddress.getByName("localhost".equals(host) ? "127.0.0.1" : host), port);
        }
        catch (final UnknownHostException ex)
        {
            throw new IllegalArgumentException("unknown host in " + option + " " + text, ex);
        }
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
