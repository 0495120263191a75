package io.turnstile.cookie;

import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * HMAC (RFC 2104) by hand on a reused JDK {@link MessageDigest}: the portable zero-allocation fallback.
 * <p>
 * It hashes the ipad and opad blocks again for every message, two more compressions than
 * {@link PrecomputedHmac}, because a JDK digest cannot be returned to a saved state through its public API
 * without {@code clone()}, which allocates.
 */
public final class DigestHmac implements CookieMac
{
    private static final int BLOCK = 64;

    private final MacAlgorithm algorithm;
    private final MessageDigest digest;
    private final byte[] ipad = new byte[BLOCK];
    private final byte[] opad = new byte[BLOCK];
    private final byte[] inner;
    private boolean keyed;

    /**
     * An un-keyed HMAC.
     *
     * @param algorithm {@link MacAlgorithm#HMAC_SHA256} or {@link MacAlgorithm#HMAC_SHA1}.
     */
    public DigestHmac(final MacAlgorithm algorithm)
    {
        this.algorithm = algorithm;
        this.digest = newDigest(algorithm);
        this.inner = new byte[algorithm.macLength()];
    }

    static MessageDigest newDigest(final MacAlgorithm algorithm)
    {
        final String name = switch (algorithm)
        {
            case HMAC_SHA256 -> "SHA-256";
            case HMAC_SHA1 -> "SHA-1";
            default -> throw new IllegalArgumentException(algorithm + " is not an HMAC");
        };
        try
        {
            return MessageDigest.getInstance(name);
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException("this JVM has no " + name, ex);
        }
    }

    /**
     * Fill the ipad and opad blocks for a key, hashing keys longer than a block first (RFC 2104 section 2).
     */
    static void padKey(final MessageDigest digest, final byte[] key, final byte[] ipad, final byte[] opad)
    {
        if (key == null || key.length == 0)
        {
            throw new IllegalArgumentException("HMAC key must not be empty");
        }
        final byte[] k = key.length > BLOCK ? digest.digest(key) : key;
        Arrays.fill(ipad, (byte)0x36);
        Arrays.fill(opad, (byte)0x5c);
        for (int i = 0; i < k.length; i++)
        {
            ipad[i] ^= k[i];
            opad[i] ^= k[i];
        }
        digest.reset();
    }

    /**
     * {@inheritDoc}
     */
    public MacAlgorithm algorithm()
    {
        return algorithm;
    }

    /**
     * {@inheritDoc}
     */
    public void init(final byte[] key)
    {
        padKey(digest, key, ipad, opad);
        keyed = true;
    }

    /**
     * {@inheritDoc}
     */
    public void compute(
        final byte[] input, final int offset, final int length, final byte[] output, final int outputOffset)
    {
        if (!keyed)
        {
            throw new IllegalStateException("init(key) before compute");
        }
        try
        {
            digest.update(ipad, 0, BLOCK);
            digest.update(input, offset, length);
            digest.digest(inner, 0, inner.length);
            digest.update(opad, 0, BLOCK);
            digest.update(inner, 0, inner.length);
            digest.digest(output, outputOffset, inner.length);
        }
        catch (final DigestException ex)
        {
            throw new IllegalStateException("digest output too short", ex);
        }
    }
}
