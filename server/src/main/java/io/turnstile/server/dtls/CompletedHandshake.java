package io.turnstile.server.dtls;

import org.bouncycastle.tls.Certificate;
import org.bouncycastle.tls.CipherSuite;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.TlsServerContext;

/**
 * What one handshake negotiated: version, cipher suite, the DTLS-SRTP profile with its MKI and exported keying
 * material, and the client's certificate chain. Made by {@link TurnstileDtlsServer} when BouncyCastle reports the
 * handshake complete; read it from {@link HandshakeListener#onHandshakeComplete} or
 * {@link TurnstileDtlsServer#completedHandshake()}.
 */
public final class CompletedHandshake
{
    private static final byte[] NO_MKI = new byte[0];

    private final TlsServerContext context;
    private final ProtocolVersion version;
    private final int cipherSuite;
    private final SrtpKeyingMaterial srtp;
    private final byte[] srtpMki;
    private final Certificate clientCertificate;

    CompletedHandshake(
        final TlsServerContext context,
        final ProtocolVersion version,
        final int cipherSuite,
        final SrtpKeyingMaterial srtp,
        final byte[] srtpMki,
        final Certificate clientCertificate)
    {
        this.context = context;
        this.version = version;
        this.cipherSuite = cipherSuite;
        this.srtp = srtp;
        this.srtpMki = null == srtpMki ? NO_MKI : srtpMki;
        this.clientCertificate = null == clientCertificate ? Certificate.EMPTY_CHAIN : clientCertificate;
    }

    /**
     * BouncyCastle's context of the connection: for other exporters ({@code exportKeyingMaterial}), the session,
     * the security parameters.
     *
     * @return the server context.
     */
    public TlsServerContext context()
    {
        return context;
    }

    /**
     * The negotiated version.
     *
     * @return DTLS 1.2 for a {@link TurnstileDtlsServer}.
     */
    public ProtocolVersion version()
    {
        return version;
    }

    /**
     * The negotiated cipher suite.
     *
     * @return a {@link CipherSuite} value.
     */
    public int cipherSuite()
    {
        return cipherSuite;
    }

    /**
     * The negotiated cipher suite's name.
     *
     * @return e.g. {@code TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}.
     */
    public String cipherSuiteName()
    {
        return SuiteNames.name(cipherSuite);
    }

    /** {@link CipherSuite}'s constant names by value, read once: BouncyCastle has no lookup of its own. */
    private static final class SuiteNames
    {
        private static final java.util.Map<Integer, String> NAMES = new java.util.HashMap<>();

        static
        {
            for (final java.lang.reflect.Field field : CipherSuite.class.getFields())
            {
                if (field.getType() == int.class && field.getName().startsWith("TLS_"))
                {
                    try
                    {
                        NAMES.putIfAbsent(field.getInt(null), field.getName());
                    }
                    catch (final IllegalAccessException ex)
                    {
                        throw new IllegalStateException("CipherSuite's public constants are readable", ex);
                    }
                }
            }
        }

        static String name(final int suite)
        {
            final String name = NAMES.get(suite);
            return null == name ? String.format("0x%04X", suite) : name;
        }
    }

    /**
     * The DTLS-SRTP profile the server selected.
     *
     * @return the profile, or null when the session is plain DTLS.
     */
    public SrtpProfile srtpProfile()
    {
        return null == srtp ? null : srtp.profile();
    }

    /**
     * The SRTP keys and salts (RFC 5764 section 4.2).
     *
     * @return the material, or null when the session is plain DTLS.
     */
    public SrtpKeyingMaterial srtpKeyingMaterial()
    {
        return srtp;
    }

    /**
     * The MKI the server sent back in {@code use_srtp}: the client's when the policy echoes it, else empty (neither
     * side puts an MKI into SRTP packets).
     *
     * @return a copy, empty when none.
     */
    public byte[] srtpMki()
    {
        return srtpMki.clone();
    }

    /**
     * The client's certificate chain, leaf first.
     *
     * @return the chain; empty when none was requested or sent.
     */
    public Certificate clientCertificate()
    {
        return clientCertificate;
    }

    /**
     * Suite and SRTP profile, never keys.
     *
     * @return e.g. {@code DTLS 1.2 TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 SRTP_AES128_CM_HMAC_SHA1_80}.
     */
    @Override
    public String toString()
    {
        return version + " " + cipherSuiteName() + " " + (null == srtp ? "no SRTP" : srtp.profile().name()) +
            (srtpMki.length > 0 ? " MKI " + java.util.HexFormat.of().formatHex(srtpMki) : "") +
            (clientCertificate.isEmpty() ? "" : " client certificate");
    }
}
