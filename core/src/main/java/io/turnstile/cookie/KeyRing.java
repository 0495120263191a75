package io.turnstile.cookie;

/**
 * An immutable snapshot of the keys in force: the current key, which makes every new cookie, and the previous key,
 * which still verifies cookies until {@link #previousValidUntilMs()}. Published whole by {@link CookieKeys}, so a
 * thread verifying against a ring never sees half a rotation.
 */
public final class KeyRing
{
    private final long generation;
    private final CookieKey current;
    private final CookieKey previous;
    private final long previousValidUntilMs;
    private final long rotateAtMs;

    /**
     * A ring.
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
        if (current == null)
        {
            throw new NullPointerException("current key must not be null");
        }
        if (previous != null && previous.id() == current.id())
        {
            throw new IllegalArgumentException("current and previous keys must have different ids: " + current.id());
        }
        this.generation = generation;
        this.current = current;
        this.previous = previous;
        this.previousValidUntilMs = previousValidUntilMs;
        this.rotateAtMs = rotateAtMs;
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
     * The key that still verifies cookies during its grace window.
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
}
