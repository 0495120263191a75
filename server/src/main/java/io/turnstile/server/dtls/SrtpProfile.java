package io.turnstile.server.dtls;

import org.bouncycastle.tls.SRTPProtectionProfile;

import java.util.Locale;

/**
 * The DTLS-SRTP protection profiles Turnstile negotiates: RFC 5764 section 4.1.2 and RFC 7714 section 14.2, with their
 * IANA names, OpenSSL's spellings, code points, and the key and salt lengths that size the exported keying material
 * (RFC 5764 section 4.2: {@code 2 * (key + salt)} bytes).
 */
public enum SrtpProfile
{
    /** 0x0001: AES-128 counter mode, HMAC-SHA1 80-bit tag (RFC 5764). */
    SRTP_AES128_CM_HMAC_SHA1_80(SRTPProtectionProfile.SRTP_AES128_CM_HMAC_SHA1_80, "SRTP_AES128_CM_SHA1_80", 16, 14),
    /** 0x0002: AES-128 counter mode, HMAC-SHA1 32-bit tag (RFC 5764). */
    SRTP_AES128_CM_HMAC_SHA1_32(SRTPProtectionProfile.SRTP_AES128_CM_HMAC_SHA1_32, "SRTP_AES128_CM_SHA1_32", 16, 14),
    /** 0x0005: no encryption, HMAC-SHA1 80-bit tag (RFC 5764); keys still 128 bits, salt 112. */
    SRTP_NULL_HMAC_SHA1_80(SRTPProtectionProfile.SRTP_NULL_HMAC_SHA1_80, "SRTP_NULL_SHA1_80", 16, 14),
    /** 0x0006: no encryption, HMAC-SHA1 32-bit tag (RFC 5764). */
    SRTP_NULL_HMAC_SHA1_32(SRTPProtectionProfile.SRTP_NULL_HMAC_SHA1_32, "SRTP_NULL_SHA1_32", 16, 14),
    /** 0x0007: AES-128-GCM (RFC 7714), 96-bit salt. */
    SRTP_AEAD_AES_128_GCM(SRTPProtectionProfile.SRTP_AEAD_AES_128_GCM, "SRTP_AEAD_AES_128_GCM", 16, 12),
    /** 0x0008: AES-256-GCM (RFC 7714), 96-bit salt. */
    SRTP_AEAD_AES_256_GCM(SRTPProtectionProfile.SRTP_AEAD_AES_256_GCM, "SRTP_AEAD_AES_256_GCM", 32, 12);

    private static final SrtpProfile[] VALUES = values();

    private final int value;
    private final String openSslName;
    private final int keyLength;
    private final int saltLength;

    SrtpProfile(final int value, final String openSslName, final int keyLength, final int saltLength)
    {
        this.value = value;
        this.openSslName = openSslName;
        this.keyLength = keyLength;
        this.saltLength = saltLength;
    }

    /**
     * The profile's code point in {@code use_srtp}.
     *
     * @return e.g. 0x0001.
     */
    public int value()
    {
        return value;
    }

    /**
     * The IANA name, which is also the enum constant's name.
     *
     * @return e.g. {@code SRTP_AES128_CM_HMAC_SHA1_80}.
     */
    public String ianaName()
    {
        return name();
    }

    /**
     * OpenSSL's name ({@code SSL_CTX_set_tlsext_use_srtp}, {@code s_client -use_srtp}).
     *
     * @return e.g. {@code SRTP_AES128_CM_SHA1_80}.
     */
    public String openSslName()
    {
        return openSslName;
    }

    /**
     * Master key length.
     *
     * @return bytes.
     */
    public int keyLength()
    {
        return keyLength;
    }

    /**
     * Master salt length.
     *
     * @return bytes.
     */
    public int saltLength()
    {
        return saltLength;
    }

    /**
     * How many bytes to export with {@code EXTRACTOR-dtls_srtp} (RFC 5764 section 4.2): both sides' keys and salts.
     *
     * @return {@code 2 * (keyLength + saltLength)}: 60 for the AES-CM and NULL profiles, 56 for AES-128-GCM, 88 for
     *         AES-256-GCM.
     */
    public int keyingMaterialLength()
    {
        return 2 * (keyLength + saltLength);
    }

    /**
     * The profile with this code point.
     *
     * @param value a code point from {@code use_srtp}.
     * @return the profile, or null when Turnstile does not know it.
     */
    public static SrtpProfile ofValue(final int value)
    {
        for (final SrtpProfile profile : VALUES)
        {
            if (profile.value == value)
            {
                return profile;
            }
        }
        return null;
    }

    /**
     * The profile with this IANA or OpenSSL name, case-insensitive.
     *
     * @param name e.g. {@code SRTP_AES128_CM_HMAC_SHA1_80} or {@code SRTP_AES128_CM_SHA1_80}.
     * @return the profile.
     * @throws IllegalArgumentException naming the known profiles when the name is none of them.
     */
    public static SrtpProfile ofName(final String name)
    {
        final String upper = name.strip().toUpperCase(Locale.ROOT);
        for (final SrtpProfile profile : VALUES)
        {
            if (profile.name().equals(upper) || profile.openSslName.equals(upper))
            {
                return profile;
            }
        }
        final StringBuilder known = new StringBuilder();
        for (final SrtpProfile profile : VALUES)
        {
            known.append(known.isEmpty() ? "" : ", ").append(profile.name());
        }
        throw new IllegalArgumentException("unknown SRTP protection profile \"" + name.strip() + "\"; known: " +
            known + " (OpenSSL's spellings such as SRTP_AES128_CM_SHA1_80 too)");
    }
}
