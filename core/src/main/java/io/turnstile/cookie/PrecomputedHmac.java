package io.turnstile.cookie;

import org.agrona.UnsafeApi;

import java.security.DigestException;
import java.security.MessageDigest;

/**
 * HMAC (RFC 2104) with the ipad and opad blocks hashed once per key, on the JDK's SHA-NI/AVX digest intrinsics.
 * <p>
 * A JDK {@link MessageDigest} cannot be returned to a saved midstate through its public API without
 * {@code clone()}, which allocates. This class instead reads the SUN provider's chaining state after hashing the
 * ipad and opad blocks once, and per message writes it back together with the processed-byte count, through
 * Agrona's {@link UnsafeApi} (the JVM already runs with {@code --add-opens java.base/jdk.internal.misc} for
 * Agrona). That saves two of the compressions {@link DigestHmac} does, with the JDK's intrinsic compression.
 * <p>
 * <b>Note:</b> this depends on the field layout of {@code sun.security.provider.DigestBase}, {@code SHA2} and
 * {@code SHA}. {@link #isSupported(MacAlgorithm)} finds the fields and runs a known-answer self-test against
 * {@code javax.crypto.Mac} once; where either fails, {@link MacAlgorithm#newMac()} uses {@link DigestHmac}.
 */
public final class PrecomputedHmac implements CookieMac
{
    private static final int BLOCK = 64;
    private static final long DIGEST_SPI_OFFSET;
    private static final long BYTES_PROCESSED_OFFSET;
    private static final long SHA2_STATE_OFFSET;
    private static final long SHA1_STATE_OFFSET;
    private static final boolean FIELDS_FOUND;
    private static final boolean SHA256_SUPPORTED;
    private static final boolean SHA1_SUPPORTED;

    static
    {
        long spi = -1;
        long processed = -1;
        long sha2 = -1;
        long sha1 = -1;
        boolean found;
        try
        {
            spi = UnsafeApi.objectFieldOffset(Class.forName("java.security.MessageDigest$Delegate"), "digestSpi");
            processed = UnsafeApi.objectFieldOffset(
                Class.forName("sun.security.provider.DigestBase"), "bytesProcessed");
            sha2 = UnsafeApi.objectFieldOffset(Class.forName("sun.security.provider.SHA2"), "state");
            sha1 = UnsafeApi.objectFieldOffset(Class.forName("sun.security.provider.SHA"), "state");
            found = true;
        }
        catch (final Throwable ex)
        {
            found = false;
        }
        DIGEST_SPI_OFFSET = spi;
        BYTES_PROCESSED_OFFSET = processed;
        SHA2_STATE_OFFSET = sha2;
        SHA1_STATE_OFFSET = sha1;
        FIELDS_FOUND = found;
        SHA256_SUPPORTED = found && selfTest(MacAlgorithm.HMAC_SHA256);
        SHA1_SUPPORTED = found && selfTest(MacAlgorithm.HMAC_SHA1);
    }

    private final MacAlgorithm algorithm;
    private final MessageDigest digest;
    private final Object spi;
    private final int[] state;
    private final int[] innerState;
    private final int[] outerState;
    private final byte[] inner;

    private boolean keyed;

    /**
     * An un-keyed HMAC.
     *
     * @param algorithm {@link MacAlgorithm#HMAC_SHA256} or {@link MacAlgorithm#HMAC_SHA1}.
     * @throws IllegalStateException when this JVM's digests do not have the expected layout.
     */
    public PrecomputedHmac(final MacAlgorithm algorithm)
    {
        if (!FIELDS_FOUND)
        {
            throw new IllegalStateException("this JVM's SUN digests do not have the expected fields");
        }
        this.algorithm = algorithm;
        this.digest = DigestHmac.newDigest(algorithm);
        this.spi = UnsafeApi.getReference(digest, DIGEST_SPI_OFFSET);
        final String spiClass = spi.getClass().getName();
        final long stateOffset;
        if (algorithm == MacAlgorithm.HMAC_SHA256 && spiClass.equals("sun.security.provider.SHA2$SHA256"))
        {
            stateOffset = SHA2_STATE_OFFSET;
        }
        else if (algorithm == MacAlgorithm.HMAC_SHA1 && spiClass.equals("sun.security.provider.SHA"))
        {
            stateOffset = SHA1_STATE_OFFSET;
        }
        else
        {
            throw new IllegalStateException("unexpected digest implementation " + spiClass + " for " + algorithm);
        }
        this.state = (int[])UnsafeApi.getReference(spi, stateOffset);
        this.innerState = new int[state.length];
        this.outerState = new int[state.length];
        this.inner = new byte[algorithm.macLength()];
    }

    /**
     * Whether this JVM's digest layout was found and a precomputed-state HMAC matches {@code javax.crypto.Mac}.
     *
     * @param algorithm an HMAC algorithm.
     * @return true when {@link PrecomputedHmac} can be used for it.
     */
    public static boolean isSupported(final MacAlgorithm algorithm)
    {
        return switch (algorithm)
        {
            case HMAC_SHA256 -> SHA256_SUPPORTED;
            case HMAC_SHA1 -> SHA1_SUPPORTED;
            default -> false;
        };
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
        final byte[] ipad = new byte[BLOCK];
        final byte[] opad = new byte[BLOCK];
        DigestHmac.padKey(digest, key, ipad, opad);
        saveStateAfter(ipad, innerState);
        saveStateAfter(opad, outerState);
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
            restore(innerState);
            digest.update(input, offset, length);
            digest.digest(inner, 0, inner.length);
            restore(outerState);
            digest.update(inner, 0, inner.length);
            digest.digest(output, outputOffset, inner.length);
        }
        catch (final DigestException ex)
        {
            throw new IllegalStateException("digest output too short", ex);
        }
    }

    private void saveStateAfter(final byte[] block, final int[] saved)
    {
        digest.reset();
        digest.update(block, 0, BLOCK);
        System.arraycopy(state, 0, saved, 0, state.length);
        digest.reset();
    }

    private void restore(final int[] saved)
    {
        // reset() first: after digest() the JDK defers its reset to the next update, which would undo ours.
        digest.reset();
        System.arraycopy(saved, 0, state, 0, state.length);
        UnsafeApi.putLong(spi, BYTES_PROCESSED_OFFSET, BLOCK);
    }

    private static boolean selfTest(final MacAlgorithm algorithm)
    {
        try
        {
            final String jceName = algorithm == MacAlgorithm.HMAC_SHA256 ? "HmacSHA256" : "HmacSHA1";
            final byte[] key = new byte[algorithm.keyLength()];
            final byte[] message = new byte[200];
            for (int i = 0; i < key.length; i++)
            {
                key[i] = (byte)(i * 7 + 1);
            }
            for (int i = 0; i < message.length; i++)
            {
                message[i] = (byte)(i * 13 + 5);
            }
            final javax.crypto.Mac reference = javax.crypto.Mac.getInstance(jceName);
            reference.init(new javax.crypto.spec.SecretKeySpec(key, jceName));

            final PrecomputedHmac candidate = new PrecomputedHmac(algorithm);
            candidate.init(key);
            final byte[] out = new byte[algorithm.macLength()];
            for (int length = 0; length <= message.length; length += 37)
            {
                reference.update(message, 0, length);
                final byte[] expected = reference.doFinal();
                candidate.compute(message, 0, length, out, 0);
                if (!MessageDigest.isEqual(expected, out))
                {
                    return false;
                }
            }
            return true;
        }
        catch (final Throwable ex)
        {
            return false;
        }
    }
}
