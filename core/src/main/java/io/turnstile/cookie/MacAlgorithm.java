package io.turnstile.cookie;

/**
 * The MACs cookies can be made with, with their key and output lengths.
 * <p>
 * {@link #AES_CMAC} (RFC 4493) is the default: on x86 with AES-NI it is the fastest standard MAC the JDK offers at
 * zero allocation (see the README's benchmark table). {@link #HMAC_SHA256} is the RFC 6347 example, and
 * {@link #HMAC_SHA1} is Qt's default, for parity.
 */
public enum MacAlgorithm
{
    /** AES-128-CMAC, RFC 4493, through the JDK's AES-NI intrinsics. */
    AES_CMAC("aes-cmac", 16, 16),
    /** HMAC-SHA256, RFC 2104, with precomputed inner and outer states. */
    HMAC_SHA256("hmac-sha256", 32, 32),
    /** HMAC-SHA1, RFC 2104, with precomputed inner and outer states. */
    HMAC_SHA1("hmac-sha1", 20, 20);

    private static final MacAlgorithm[] VALUES = values();

    private final String label;
    private final int keyLength;
    private final int macLength;

    MacAlgorithm(final String label, final int keyLength, final int macLength)
    {
        this.label = label;
        this.keyLength = keyLength;
        this.macLength = macLength;
    }

    /**
     * The default algorithm: the fastest standard MAC measured here.
     *
     * @return {@link #AES_CMAC}.
     */
    public static MacAlgorithm defaultAlgorithm()
    {
        return AES_CMAC;
    }

    /**
     * Command-line and configuration name, e.g. {@code hmac-sha256}.
     *
     * @return the label.
     */
    public String label()
    {
        return label;
    }

    /**
     * Length of the keys this algorithm is run with.
     *
     * @return key length in bytes.
     */
    public int keyLength()
    {
        return keyLength;
    }

    /**
     * Length of the MAC output before truncation to the cookie.
     *
     * @return MAC length in bytes.
     */
    public int macLength()
    {
        return macLength;
    }

    /**
     * A new instance of the fastest zero-allocation implementation available on this JVM.
     *
     * @return an un-keyed MAC.
     */
    public CookieMac newMac()
    {
        return switch (this)
        {
            case AES_CMAC -> new AesCmac();
            case HMAC_SHA256, HMAC_SHA1 -> PrecomputedHmac.isSupported(this) ?
                new PrecomputedHmac(this) : new DigestHmac(this);
        };
    }

    /**
     * Look an algorithm up by {@link #label()}.
     *
     * @param label such as {@code aes-cmac}.
     * @return the algorithm.
     * @throws IllegalArgumentException naming the valid labels when none matches.
     */
    public static MacAlgorithm fromLabel(final String label)
    {
        for (final MacAlgorithm algorithm : VALUES)
        {
            if (algorithm.label.equalsIgnoreCase(label))
            {
                return algorithm;
            }
        }
        throw new IllegalArgumentException(
            "unknown MAC '" + label + "': use one of aes-cmac, hmac-sha256, hmac-sha1");
    }
}
