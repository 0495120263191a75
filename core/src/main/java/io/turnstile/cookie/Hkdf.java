package io.turnstile.cookie;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.security.GeneralSecurityException;

/**
 * HKDF-SHA256, RFC 5869, for deriving cookie keys from a secret or a fleet master key. Runs on key rotation only,
 * never per packet, so it uses {@code javax.crypto.Mac} and allocates freely.
 */
public final class Hkdf
{
    private static final int HASH_LENGTH = 32;

    private Hkdf()
    {
    }

    /**
     * HKDF-Extract then HKDF-Expand.
     *
     * @param salt   optional salt; null or empty means a string of zeros of hash length (RFC 5869 section 2.2).
     * @param ikm    input keying material.
     * @param info   context and application specific information.
     * @param length of the output keying material, at most 255 * 32 bytes.
     * @return the output keying material.
     */
    public static byte[] deriveSha256(final byte[] salt, final byte[] ikm, final byte[] info, final int length)
    {
        if (length < 1 || length > 255 * HASH_LENGTH)
        {
            throw new IllegalArgumentException("HKDF-SHA256 output length must be 1 to 8160, got " + length);
        }
        try
        {
            final Mac mac = Mac.getInstance("HmacSHA256");
            final byte[] saltBytes = salt == null || salt.length == 0 ? new byte[HASH_LENGTH] : salt;
            mac.init(new SecretKeySpec(saltBytes, "HmacSHA256"));
            final byte[] prk = mac.doFinal(ikm);

            mac.init(new SecretKeySpec(prk, "HmacSHA256"));
            final byte[] okm = new byte[length];
            byte[] t = new byte[0];
            int written = 0;
            for (int i = 1; written < length; i++)
            {
                mac.update(t);
                mac.update(info);
                mac.update((byte)i);
                t = mac.doFinal();
                final int n = Math.min(t.length, length - written);
                System.arraycopy(t, 0, okm, written, n);
                written += n;
            }
            return okm;
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException("HmacSHA256 unavailable", ex);
        }
    }
}
