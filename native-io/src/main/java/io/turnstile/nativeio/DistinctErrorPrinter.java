package io.turnstile.nativeio;

import org.agrona.ErrorHandler;

import java.io.PrintStream;
import java.util.HashSet;
import java.util.Set;

/**
 * Prints each distinct error once, the first time it is seen, and stays quiet about repeats: a worker whose socket
 * broke fails every cycle, and one line saying so is worth more than a million. How often each one happened is
 * counted elsewhere ({@link VerifierServer#readErrors}); this only decides what a person reads.
 * <p>
 * Errors are told apart by type and message. At most {@code maxDistinct} are printed; past that one line says that
 * further kinds are counted, not printed, so a flood of distinct messages cannot fill a log. Thread safe: workers
 * report errors concurrently, and errors are rare enough for a lock.
 */
public final class DistinctErrorPrinter implements ErrorHandler
{
    private final PrintStream out;
    private final boolean stackTraces;
    private final int maxDistinct;
    private final Set<String> seen = new HashSet<>();
    private boolean saidFull;

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
        this.maxDistinct = maxDistinct;
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
        synchronized (this)
        {
            if (seen.contains(key))
            {
                return;
            }
            if (seen.size() >= maxDistinct)
            {
                if (!saidFull)
                {
                    saidFull = true;
                    out.println("turnstile: more than " + maxDistinct +
                        " distinct worker errors: further ones are counted in \"errors\", not printed");
                }
                return;
            }
            seen.add(key);
            out.println("turnstile: worker error (" + Thread.currentThread().getName() + "), printed once, " +
                "repeats counted in \"errors\": " + key);
            if (stackTraces)
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
    public synchronized int printed()
    {
        return seen.size();
    }
}
