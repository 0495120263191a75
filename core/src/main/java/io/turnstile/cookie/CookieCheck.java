package io.turnstile.cookie;

/**
 * What checking a ClientHello's cookie found. Only {@link #VALID} and {@link #VALID_PREVIOUS_KEY} verify; every
 * other result is answered with a fresh HelloVerifyRequest (RFC 6347 section 4.2.1: an invalid cookie is treated
 * like none).
 */
public enum CookieCheck
{
    /** Made by the current key, in date, MAC correct. */
    VALID,
    /**
     * Made by another key the ring accepts (the previous key within its grace window; in a fleet, the next epoch's
     * key near the boundary or a staged or replaced master's key), in date, MAC correct.
     */
    VALID_PREVIOUS_KEY,
    /** Not the length of a Turnstile cookie for the current algorithm. */
    WRONG_LENGTH,
    /** The key id names no key the ring accepts at this time (another master, a retired or a future key). */
    UNKNOWN_KEY,
    /** Older than the maximum cookie age. */
    EXPIRED,
    /** Its timestamp is ahead of the clock by more than the tolerated skew. */
    FROM_FUTURE,
    /** The MAC does not match: another address, port or hello, or a forgery. */
    BAD_MAC;

    private static final CookieCheck[] VALUES = values();

    /**
     * The check with a given ordinal, without allocating a copy of {@link #values()}.
     *
     * @param ordinal of the check.
     * @return the check.
     */
    public static CookieCheck get(final int ordinal)
    {
        return VALUES[ordinal];
    }

    /**
     * Whether this result verifies the hello.
     *
     * @return true for {@link #VALID} and {@link #VALID_PREVIOUS_KEY}.
     */
    public boolean isValid()
    {
        return this == VALID || this == VALID_PREVIOUS_KEY;
    }
}
