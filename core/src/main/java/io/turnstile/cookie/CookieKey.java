package io.turnstile.cookie;

/**
 * One cookie key: its one-byte id, carried in every cookie made with it, its algorithm and its key bytes.
 * Immutable.
 */
public final class CookieKey
{
    private final int id;
    private final MacAlgorithm algorithm;
    private final byte[] key;

    /**
     * A key.
     *
     * @param id        0 to 255, carried in the cookie to pick the key when verifying.
     * @param algorithm the key is used with.
     * @param key       of {@link MacAlgorithm#keyLength()} bytes for CMAC, at least 16 bytes for HMAC; copied.
     */
    public CookieKey(final int id, final MacAlgorithm algorithm, final byte[] key)
    {
        if (id < 0 || id > 255)
        {
            throw new IllegalArgumentException("key id must be 0 to 255, got " + id);
        }
        if (algorithm == null)
        {
            throw new NullPointerException("algorithm must not be null");
        }
        if (key == null || key.length < GeneratorParameters.MIN_SECRET_LENGTH)
        {
            throw new IllegalArgumentException(
                "cookie key must be at least " + GeneratorParameters.MIN_SECRET_LENGTH + " bytes");
        }
        if (algorithm == MacAlgorithm.AES_CMAC && key.length != algorithm.keyLength())
        {
            throw new IllegalArgumentException("AES-CMAC key must be 16 bytes, got " + key.length);
        }
        this.id = id;
        this.algorithm = algorithm;
        this.key = key.clone();
    }

    /**
     * The id carried in cookies made with this key.
     *
     * @return 0 to 255.
     */
    public int id()
    {
        return id;
    }

    /**
     * The algorithm of this key.
     *
     * @return the algorithm.
     */
    public MacAlgorithm algorithm()
    {
        return algorithm;
    }

    /**
     * Key a MAC with this key.
     *
     * @param mac to key; must be of {@link #algorithm()}.
     */
    public void initMac(final CookieMac mac)
    {
        if (mac.algorithm() != algorithm)
        {
            throw new IllegalArgumentException("MAC is " + mac.algorithm() + ", key is " + algorithm);
        }
        mac.init(key);
    }

    /**
     * Whether two keys hold the same key bytes, compared in constant time.
     *
     * @param other key.
     * @return true when algorithm and key bytes are the same.
     */
    public boolean sameKeyAs(final CookieKey other)
    {
        return other.algorithm == algorithm && java.security.MessageDigest.isEqual(key, other.key);
    }

    /**
     * {@inheritDoc}
     */
    public String toString()
    {
        return "CookieKey{id=" + id + ", algorithm=" + algorithm.label() + ", key=<" + key.length + " bytes>}";
    }
}
