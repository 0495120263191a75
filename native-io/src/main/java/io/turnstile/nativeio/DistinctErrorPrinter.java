package io.turnstile.nativeio;

import org.agrona.ErrorHandler;

import java.io.PrintStream;

/**
 * Prints each distinct error once, the first time it is seen, and stays quiet about repeats: a worker whose socket
 * broke fails every cycle, and one line saying so is worth more than a million. How often each one happened is
 * counted elsewhere ({@link VerifierServer#readErrors}); this only decides what a person reads.
 * <p>
 * Errors are told apart by type and message, by a {@link DistinctMessageLog}: at most {@code maxDistinct} are printed,
 * and the first one past that says that further kinds are counted, not printed, so a flood of distinct messages
 * cannot fill a log. Thread safe: workers report errors concurrently, and errors are rare enough for a lock.
 */
public final class DistinctErrorPrinter implements ErrorHandler
{
    private final PrintStream out;
    private final boolean stackTraces;
    private final DistinctMessageLog log;

    /**
     * A printer.
     *
     * @param out         where the lines go.
     * @param stackTraces true to print each distinct error's stack trace, false for one line of type and message.
     * @param maxDistinct how many distinct errors to print at most, 1 or more.
     * @throws IllegalArgumentException when maxDistinct is below 1.
     */
    public DistinctErrorPrinter(final PrintStream out, final boolean stackTraces, final int maxDistinct)
    {
        if (maxDistinct < 1)
        {
            throw new IllegalArgumentException("maxDistinct must be 1 or more, got " + maxDistinct);
        }
        this.out = out;
        this.stackTraces = stackTraces;
        this.log = new DistinctMessageLog(maxDistinct, out::println);
    }

    /**
     * Print the error if it is the first of its kind.
     *
     * @param throwable the error.
     */
    @Override
    public void onError(final Throwable throwable)
    {
        final String key = throwable.toString();
        final boolean written = log.log(key, "turnstile: worker error (" + Thread.currentThread().getName() +
            "), printed once, repeats counted in \"errors\": " + key);
        if (written && stackTraces)
        {
            synchronized (this)
            {
                throwable.printStackTrace(out);
            }
        }
    }

    /**
     * How many distinct errors were printed.
     *
     * @return 0 to maxDistinct.
     */
    public int printed()
    {
        return log.size();
    }
}
