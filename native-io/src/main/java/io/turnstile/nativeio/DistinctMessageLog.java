package io.turnstile.nativeio;

import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Writes a message the first time its key is seen and never again, for at most {@code capacity} distinct keys: a flood
 * of the same failure costs one line, and a flood of different ones costs at most {@code capacity} lines and keys
 * (then one line saying that further ones are only counted). Agrona's {@code DistinctErrorLog} keeps the same promise
 * for exceptions in a buffer; this one writes lines, which is what an operator reads on stderr.
 * <p>
 * Called when a handshake fails or a worker hits an error, never per datagram: the lock is off the datagram path.
 */
public final class DistinctMessageLog
{
    /** Longest key kept; longer keys are cut, so a key's memory is bounded too. */
    public static final int MAX_KEY_LENGTH = 256;

    private final int capacity;
    private final Consumer<String> sink;
    private final Set<String> seen = new HashSet<>();
    private boolean full;

    /**
     * A log.
     *
     * @param capacity most distinct keys remembered, at least 1.
     * @param sink     where lines go, e.g. {@code System.err::println}; must not throw.
     */
    public DistinctMessageLog(final int capacity, final Consumer<String> sink)
    {
        if (capacity < 1)
        {
            throw new IllegalArgumentException("capacity must be at least 1, got " + capacity);
        }
        this.capacity = capacity;
        this.sink = Objects.requireNonNull(sink, "sink must not be null");
    }

    /**
     * Write the line if the key is new and there is room for it.
     *
     * @param key  what makes two messages the same (no peer address in it, or every peer is new).
     * @param line what to write.
     * @return true when written.
     */
    public boolean log(final String key, final String line)
    {
        final String bounded = key.length() > MAX_KEY_LENGTH ? key.substring(0, MAX_KEY_LENGTH) : key;
        synchronized (this)
        {
            if (seen.contains(bounded))
            {
                return false;
            }
            if (seen.size() >= capacity)
            {
                if (!full)
                {
                    full = true;
                    sink.accept(line + " (the " + capacity + " distinct kinds of message this log keeps are " +
                        "used up: further new kinds are counted, not written)");
                    return true;
                }
                return false;
            }
            seen.add(bounded);
        }
        sink.accept(line);
        return true;
    }

    /**
     * Distinct keys written so far.
     *
     * @return at most the capacity.
     */
    public synchronized int size()
    {
        return seen.size();
    }
}
