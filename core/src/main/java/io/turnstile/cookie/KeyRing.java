package io.turnstile.cookie;

import java.util.Arrays;

/**
 * An immutable snapshot of the keys in force: the current key, which makes every new cookie, and every other key
 * that still verifies cookies, each within its own window of validity. Published whole by {@link CookieKeys}, so a
 * thread verifying against a ring never sees half a rotation.
 * <p>
 * Keys are indexed by their one-byte id (the cookie's first byte), so picking the key for a cookie is one array
 * read: no search, and one MAC per cookie however many keys the ring accepts. In a fleet the ring holds, for each
 * master key accepted, the previous epoch's key (for the grace window), the current epoch's and, near the end of
 * the epoch, the next epoch's (for peers whose clocks are slightly ahead).
 */
public final class KeyRing
{
    private static final int IDS = 256;

    private final long generation;
    private final CookieKey current;
    private final CookieKey previous;
    private final long previousValidUntilMs;
    private final long rotateAtMs;
    private final CookieKey[] byId = new CookieKey[IDS];
    private final long[] validFromMs = new long[IDS];
    private final long[] validUntilMs = new long[IDS];
    private final int[] ids;

    /**
     * A ring of a current key and at most one previous key.
     *
     * @param generation           increases by one with each ring a {@link CookieKeys} publishes.
     * @param current              key that makes new cookies.
     * @param previous             key that still verifies, or null.
     * @param previousValidUntilMs end of the previous key's grace window, epoch milliseconds.
     * @param rotateAtMs           when the ring is due to be replaced, epoch milliseconds; Long.MAX_VALUE for never.
     */
    public KeyRing(
        final long generation,
        final CookieKey current,
        final CookieKey previous,
        final long previousValidUntilMs,
        final long rotateAtMs)
    {
        this(generation, current, previous, previousValidUntilMs, rotateAtMs,
            new CookieKey[0], new long[0], new long[0]);
    }

    /**
     * A ring of a current key, an optional previous key and further accepted keys, each valid in a window.
     *
     * @param generation           increases by one with each ring a {@link CookieKeys} publishes.
     * @param current              key that makes new cookies; always accepted.
     * @param previous             key that still verifies until {@code previousValidUntilMs}, or null.
     * @param previousValidUntilMs end of the previous key's grace window, epoch milliseconds.
     * @param rotateAtMs           when the ring is due to be replaced, epoch milliseconds; Long.MAX_VALUE for never.
     * @param others               further keys that verify (e.g. the next epoch's, another master's).
     * @param othersFromMs         for each of {@code others}, when it starts verifying, epoch milliseconds.
     * @param othersUntilMs        for each of {@code others}, when it stops verifying (inclusive), epoch milliseconds.
     * @throws IllegalArgumentException when two keys share an id, or the arrays differ in length.
     */
    public KeyRing(
        final long generation,
        final CookieKey current,
        final CookieKey previous,
        final long previousValidUntilMs,
        final long rotateAtMs,
        final CookieKey[] others,
        final long[] othersFromMs,
        final long[] othersUntilMs)
    {
        if (current == null)
        {
            throw new NullPointerException("current key must not be null");
        }
        if (others.length != othersFromMs.length || others.length != othersUntilMs.length)
        {
            throw new IllegalArgumentException("one validity window per other key: " + others.length + " keys, " +
                othersFromMs.length + " starts, " + othersUntilMs.length + " ends");
        }
        this.generation = generation;
        this.current = current;
        this.previous = previous;
        this.previousValidUntilMs = previousValidUntilMs;
        this.rotateAtMs = rotateAtMs;
        int count = 0;
        final int[] ids = new int[2 + others.length];
        ids[count++] = put(current, Long.MIN_VALUE, Long.MAX_VALUE);
        if (previous != null)
        {
            ids[count++] = put(previous, Long.MIN_VALUE, previousValidUntilMs);
        }
        for (int i = 0; i < others.length; i++)
        {
            ids[count++] = put(others[i], othersFromMs[i], othersUntilMs[i]);
        }
        this.ids = Arrays.copyOf(ids, count);
    }

    private int put(final CookieKey key, final long fromMs, final long untilMs)
    {
        final int id = key.id();
        if (byId[id] != null)
        {
            throw new IllegalArgumentException("two keys of a ring must have different ids: " + id);
        }
        byId[id] = key;
        validFromMs[id] = fromMs;
        validUntilMs[id] = untilMs;
        return id;
    }

    /**
     * The generation of this ring.
     *
     * @return a number that grows with every published ring.
     */
    public long generation()
    {
        return generation;
    }

    /**
     * The key that makes new cookies.
     *
     * @return the current key.
     */
    public CookieKey current()
    {
        return current;
    }

    /**
     * The key that still verifies cookies during its grace window (for fleet keys: the previous epoch's key of the
     * master that issues).
     *
     * @return the previous key, or null.
     */
    public CookieKey previous()
    {
        return previous;
    }

    /**
     * End of the previous key's grace window.
     *
     * @return epoch milliseconds.
     */
    public long previousValidUntilMs()
    {
        return previousValidUntilMs;
    }

    /**
     * When this ring is due to be replaced.
     *
     * @return epoch milliseconds, or Long.MAX_VALUE.
     */
    public long rotateAtMs()
    {
        return rotateAtMs;
    }

    /**
     * The key with an id, whether or not it verifies at a given time. No allocation.
     *
     * @param id 0 to 255, a cookie's first byte.
     * @return the key, or null when the ring holds none with that id.
     */
    public CookieKey key(final int id)
    {
        return byId[id];
    }

    /**
     * Whether the key with an id verifies cookies at a time. No allocation.
     *
     * @param id    0 to 255.
     * @param nowMs epoch milliseconds.
     * @return true when the ring holds such a key and {@code nowMs} lies in its window.
     */
    public boolean accepts(final int id, final long nowMs)
    {
        return byId[id] != null && nowMs >= validFromMs[id] && nowMs <= validUntilMs[id];
    }

    /**
     * How many keys the ring holds, the current one included.
     *
     * @return 1 to 256.
     */
    public int size()
    {
        return ids.length;
    }

    /**
     * The id of the i-th key the ring holds (0 is the current key).
     *
     * @param index 0 to {@link #size()} - 1.
     * @return the key id.
     */
    public int idAt(final int index)
    {
        return ids[index];
    }
}
