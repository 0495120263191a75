package io.turnstile.cookie;

import java.util.Arrays;

/**
 * An algorithm and a secret set by the application, as Qt's {@code QDtlsClientVerifier::GeneratorParameters}.
 * <p>
 * For HMAC the secret is the HMAC key. For AES-CMAC a 16-byte secret is the AES key and any other length is
 * condensed to one with HKDF-SHA256. Secrets shorter than {@value #MIN_SECRET_LENGTH} bytes are refused: a cookie
 * is only as hard to forge as its secret is to guess.
 */
public final class GeneratorParameters
{
    /** Shortest secret accepted. */
    public static final int MIN_SECRET_LENGTH = 16;

    private final MacAlgorithm algorithm;
    private final byte[] secret;

    /**
     * Parameters.
     *
     * @param algorithm the MAC.
     * @param secret    at least {@value #MIN_SECRET_LENGTH} bytes; copied.
     * @throws IllegalArgumentException when the secret is null, empty or short.
     */
    public GeneratorParameters(final MacAlgorithm algorithm, final byte[] secret)
    {
        if (algorithm == null)
        {
            throw new IllegalArgumentException("cookie MAC algorithm must not be null");
        }
        if (secret == null || secret.length == 0)
        {
            throw new IllegalArgumentException("cookie secret must not be empty");
        }
        if (secret.length < MIN_SECRET_LENGTH)
        {
            throw new IllegalArgumentException(
                "cookie secret is " + secret.length + " bytes; at least " + MIN_SECRET_LENGTH + " are needed");
        }
        this.algorithm = algorithm;
        this.secret = secret.clone();
    }

    /**
     * The MAC.
     *
     * @return the algorithm.
     */
    public MacAlgorithm algorithm()
    {
        return algorithm;
    }

    /**
     * The secret.
     *
     * @return a copy of the secret.
     */
    public byte[] secret()
    {
        return secret.clone();
    }

    /**
     * The MAC key this secret gives for {@link #algorithm()}.
     *
     * @return key bytes.
     */
    byte[] macKey()
    {
        if (algorithm == MacAlgorithm.AES_CMAC && secret.length != algorithm.keyLength())
        {
            return Hkdf.deriveSha256(null, secret, "turnstile aes-cmac key".getBytes(java.nio.charset.StandardCharsets.US_ASCII), algorithm.keyLength());
        }
        return secret.clone();
    }

    /**
     * {@inheritDoc}
     */
    public boolean equals(final Object o)
    {
        return o instanceof GeneratorParameters other &&
            other.algorithm == algorithm &&
            java.security.MessageDigest.isEqual(other.secret, secret);
    }

    /**
     * {@inheritDoc}
     */
    public int hashCode()
    {
        return algorithm.hashCode() * 31 + Arrays.hashCode(secret);
    }

    /**
     * {@inheritDoc}
     */
    public String toString()
    {
        return "GeneratorParameters{algorithm=" + algorithm.label() + ", secret=<" + secret.length + " bytes>}";
    }
}
