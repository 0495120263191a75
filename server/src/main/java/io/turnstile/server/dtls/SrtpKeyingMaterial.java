package io.turnstile.server.dtls;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * The SRTP master keys and salts both sides derive from a DTLS-SRTP handshake: {@code keyingMaterialLength} bytes
 * exported with the label {@code EXTRACTOR-dtls_srtp} and no context (RFC 5764 section 4.2), laid out as
 * <pre>
 *   client_write_SRTP_master_key [key length]   what the client protects its SRTP with
 *   server_write_SRTP_master_key [key length]   what the server protects its SRTP with
 *   client_write_SRTP_master_salt[salt length]
 *   server_write_SRTP_master_salt[salt length]
 * </pre>
 * <b>Note:</b> these are secrets: {@link #toString()} names the profile only.
 */
public final class SrtpKeyingMaterial
{
    /** The exporter label of RFC 5764 section 4.2. */
    public static final String EXPORTER_LABEL = "EXTRACTOR-dtls_srtp";

    private final SrtpProfile profile;
    private final byte[] material;

    /**
     * Wrap exported material.
     *
     * @param profile  the negotiated profile, which sizes the parts.
     * @param material exactly {@link SrtpProfile#keyingMaterialLength()} bytes, copied.
     * @throws IllegalArgumentException when the length does not fit the profile.
     */
    public SrtpKeyingMaterial(final SrtpProfile profile, final byte[] material)
    {
        this.profile = Objects.requireNonNull(profile, "profile must not be null");
        Objects.requireNonNull(material, "material must not be null");
        if (material.length != profile.keyingMaterialLength())
        {
            throw new IllegalArgumentException(profile + " needs " + profile.keyingMaterialLength() +
                " bytes of keying material, got " + material.length);
        }
        this.material = material.clone();
    }

    /**
     * The profile the material is for.
     *
     * @return the profile.
     */
    public SrtpProfile profile()
    {
        return profile;
    }

    /**
     * All of it, in the RFC's order.
     *
     * @return a copy.
     */
    public byte[] material()
    {
        return material.clone();
    }

    /**
     * The client's master key.
     *
     * @return a copy.
     */
    public byte[] clientMasterKey()
    {
        return Arrays.copyOfRange(material, 0, profile.keyLength());
    }

    /**
     * The server's master key.
     *
     * @return a copy.
     */
    public byte[] serverMasterKey()
    {
        return Arrays.copyOfRange(material, profile.keyLength(), 2 * profile.keyLength());
    }

    /**
     * The client's master salt.
     *
     * @return a copy.
     */
    public byte[] clientMasterSalt()
    {
        final int from = 2 * profile.keyLength();
        return Arrays.copyOfRange(material, from, from + profile.saltLength());
    }

    /**
     * The server's master salt.
     *
     * @return a copy.
     */
    public byte[] serverMasterSalt()
    {
        final int from = 2 * profile.keyLength() + profile.saltLength();
        return Arrays.copyOfRange(material, from, from + profile.saltLength());
    }

    /**
     * The material in hex, as {@code openssl s_client -keymatexport EXTRACTOR-dtls_srtp} prints it (upper case):
     * for debugging only.
     *
     * @return hex digits.
     */
    public String toHex()
    {
        return HexFormat.of().withUpperCase().formatHex(material);
    }

    /**
     * The profile, never the keys.
     *
     * @return e.g. {@code SrtpKeyingMaterial[SRTP_AES128_CM_HMAC_SHA1_80, 60 bytes]}.
     */
    @Override
    public String toString()
    {
        return "SrtpKeyingMaterial[" + profile + ", " + material.length + " bytes]";
    }
}
