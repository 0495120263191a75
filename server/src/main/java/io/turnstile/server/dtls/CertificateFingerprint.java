package io.turnstile.server.dtls;

import org.bouncycastle.tls.Certificate;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Objects;

/**
 * A SHA-256 certificate fingerprint, as WebRTC signalling carries it ({@code a=fingerprint:sha-256 AB:CD:..},
 * RFC 8122 section 5), and the {@link ClientCertificateCheck} that accepts exactly the client whose leaf certificate
 * has it.
 */
public final class CertificateFingerprint implements ClientCertificateCheck
{
    /** Bytes of a SHA-256 fingerprint. */
    public static final int LENGTH = 32;

    private final byte[] sha256;

    private CertificateFingerprint(final byte[] sha256)
    {
        this.sha256 = sha256;
    }

    /**
     * Parse a fingerprint: 64 hex digits, optionally in colon-separated pairs, either case, an optional
     * {@code sha-256 } prefix (SDP's form).
     *
     * @param text e.g. {@code AB:CD:...} or {@code abcd...}.
     * @return the fingerprint.
     * @throws IllegalArgumentException saying what is wrong.
     */
    public static CertificateFingerprint parse(final String text)
    {
        Objects.requireNonNull(text, "fingerprint must not be null");
        String digits = text.strip();
        if (digits.regionMatches(true, 0, "sha-256 ", 0, 8))
        {
            digits = digits.substring(8).strip();
        }
        if (digits.indexOf(':') >= 0)
        {
            if (!digits.matches("(\\p{XDigit}{2}:)*\\p{XDigit}{2}"))
            {
                throw new IllegalArgumentException("a SHA-256 fingerprint with colons must be hex pairs separated " +
                    "by single colons, got \"" + text + "\"");
            }
            digits = digits.replace(":", "");
        }
        if (digits.length() != 2 * LENGTH || !digits.chars().allMatch(c -> Character.digit(c, 16) >= 0))
        {
            throw new IllegalArgumentException("a SHA-256 fingerprint is 64 hex digits (32 bytes, colons " +
                "optional), got \"" + text + "\"");
        }
        return new CertificateFingerprint(HexFormat.of().parseHex(digits));
    }

    /**
     * The fingerprint of a DER-encoded certificate.
     *
     * @param der the certificate's encoding.
     * @return its SHA-256 fingerprint.
     */
    public static CertificateFingerprint of(final byte[] der)
    {
        return new CertificateFingerprint(sha256(der));
    }

    /**
     * The fingerprint of a chain's leaf.
     *
     * @param chain a non-empty chain.
     * @return the leaf's fingerprint.
     * @throws IOException when the leaf cannot be encoded.
     */
    public static CertificateFingerprint ofLeaf(final Certificate chain) throws IOException
    {
        if (chain.isEmpty())
        {
            throw new IllegalArgumentException("an empty chain has no leaf");
        }
        return of(chain.getCertificateAt(0).getEncoded());
    }

    private static byte[] sha256(final byte[] der)
    {
        try
        {
            return MessageDigest.getInstance("SHA-256").digest(der);
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException("every JDK has SHA-256", ex);
        }
    }

    /**
     * Accept exactly the chain whose leaf has this fingerprint (compared in constant time).
     *
     * @param chain the client's chain, leaf first.
     * @return true on a match.
     * @throws IOException when the leaf cannot be encoded.
     */
    @Override
    public boolean accept(final Certificate chain) throws IOException
    {
        return !chain.isEmpty() && MessageDigest.isEqual(sha256, sha256(chain.getCertificateAt(0).getEncoded()));
    }

    /**
     * The fingerprint's bytes.
     *
     * @return a copy.
     */
    public byte[] bytes()
    {
        return sha256.clone();
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public boolean equals(final Object other)
    {
        return other instanceof CertificateFingerprint that && MessageDigest.isEqual(sha256, that.sha256);
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public int hashCode()
    {
        return java.util.Arrays.hashCode(sha256);
    }

    /**
     * SDP's form.
     *
     * @return upper-case hex pairs separated by colons.
     */
    @Override
    public String toString()
    {
        return HexFormat.ofDelimiter(":").withUpperCase().formatHex(sha256);
    }
}
