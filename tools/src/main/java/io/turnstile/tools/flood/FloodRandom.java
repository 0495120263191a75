package io.turnstile.tools.flood;

/**
 * A xorshift64* generator (Vigna, "An experimental exploration of Marsaglia's xorshift generators, scrambled",
 * 2016): three shifts and a multiply per 64 bits, no allocation, no synchronisation. Plenty for re-drawing hello
 * randoms and source addresses, which need to differ, not to be unpredictable.
 * <p>
 * <b>Note:</b> not thread safe and not cryptographic.
 */
final class FloodRandom
{
    private static final long MULTIPLIER = 0x2545F4914F6CDD1DL;

    private long state;

    /**
     * Seed the generator.
     *
     * @param seed any value; it is mixed first, and a zero state (the one xorshift cannot leave) is avoided.
     */
    FloodRandom(final long seed)
    {
        long z = seed + 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z ^= z >>> 31;
        state = 0 == z ? MULTIPLIER : z;
    }

    /**
     * The next 64 random bits.
     *
     * @return any long.
     */
    long nextLong()
    {
        long x = state;
        x ^= x >>> 12;
        x ^= x << 25;
        x ^= x >>> 27;
        state = x;
        return x * MULTIPLIER;
    }

    /**
     * A random index below a bound, from the high bits (the best ones of xorshift*).
     *
     * @param bound 1 to 2^31 - 1.
     * @return 0 to bound - 1.
     */
    int nextInt(final int bound)
    {
        return (int)(((nextLong() >>> 33) * bound) >>> 31);
    }
}
