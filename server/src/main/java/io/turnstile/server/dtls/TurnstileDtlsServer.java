package io.turnstile.server.dtls;

import io.turnstile.server.handshake.FatalAlertRecord;
import io.turnstile.server.handshake.JcaTlsCryptoWithCcm;
import io.turnstile.server.handshake.NamedGroupPolicy;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.Certificate;
import org.bouncycastle.tls.CertificateRequest;
import org.bouncycastle.tls.CipherSuite;
import org.bouncycastle.tls.ClientCertificateType;
import org.bouncycastle.tls.DefaultTlsServer;
import org.bouncycastle.tls.KeyExchangeAlgorithm;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.SecurityParameters;
import org.bouncycastle.tls.TlsCredentials;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.TlsSRTPUtils;
import org.bouncycastle.tls.TlsUtils;
import org.bouncycastle.tls.UseSRTPData;

import java.io.IOException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Hashtable;
import java.util.Objects;

/**
 * The base of every BouncyCastle DTLS server run behind Turnstile: extend it with your credentials (override
 * {@code getECDSASignerCredentials()} / {@code getRSASignerCredentials()}, or {@code getPSKIdentityManager()} for PSK)
 * and it negotiates so that every standard-conforming DTLS 1.2 client gets through, speaks DTLS-SRTP, checks client
 * certificates and says why a handshake failed:
 * <ul>
 *     <li><b>DTLS 1.2 only</b>, cipher suites in the server's order ({@link Context#cipherSuites}, filtered to those
 *     the crypto runs); the crypto is {@link JcaTlsCryptoWithCcm} by default: the JDK's providers plus
 *     BouncyCastle's AES-CCM, so CoAP's CCM_8 suites (RFC 7252 section 9.1.3) work.</li>
 *     <li><b>Groups</b>: only those {@link NamedGroupPolicy} proved usable at start, chosen in the server's order
 *     (BouncyCastle's own choice takes the client's first group, which the JDK may not have).</li>
 *     <li><b>Secure renegotiation indication</b> (RFC 5746) not required unless configured: BouncyCastle's DTLS
 *     server never renegotiates, and section 3.6 lets a server continue without it.</li>
 *     <li><b>DTLS-SRTP</b> (RFC 5764) with an {@link SrtpPolicy}: {@code use_srtp} by server preference among the
 *     client's offer, the MKI as section 4.1.1 says, {@code EXTRACTOR-dtls_srtp} exported on completion.</li>
 *     <li><b>Client certificates</b> with a {@link ClientCertificateCheck}: requested on certificate suites, decided by
 *     the application.</li>
 *     <li><b>Failure causes</b>: the first fatal alert sent or received lands in {@link #alerts()}, which the
 *     hand-off counts by alert.</li>
 *     <li><b>Completion</b>: {@link #completedHandshake()} and the {@link HandshakeListener}.</li>
 * </ul>
 * A server holds one connection's state: make a new one per handshake; share the {@link Context}.
 */
public abstract class TurnstileDtlsServer extends DefaultTlsServer
{
    private static final int[] ECDSA_SUITES =
    {
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
        // AES-CCM (RFC 7251) after the JDK suites: BouncyCastle's software AES runs them.
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CCM,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_CCM,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8,
    };
    private static final int[] RSA_SUITES =
    {
        CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        CipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        CipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256,
        CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
    };
    private static final int[] PSK_SUITES =
    {
        CipherSuite.TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256,
        CipherSuite.TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256,
        CipherSuite.TLS_PSK_WITH_AES_128_GCM_SHA256,
        CipherSuite.TLS_PSK_WITH_CHACHA20_POLY1305_SHA256,
        CipherSuite.TLS_PSK_WITH_AES_128_CBC_SHA256,
        // AES-CCM (RFC 6655, RFC 8442): forward-secret ECDHE_PSK first, then plain PSK, then DHE_PSK (the dearest
        // key exchange, for clients that offer nothing else).
        CipherSuite.TLS_ECDHE_PSK_WITH_AES_128_CCM_SHA256,
        CipherSuite.TLS_ECDHE_PSK_WITH_AES_128_CCM_8_SHA256,
        CipherSuite.TLS_PSK_WITH_AES_128_CCM,
        CipherSuite.TLS_PSK_WITH_AES_256_CCM,
        CipherSuite.TLS_PSK_WITH_AES_128_CCM_8,
        CipherSuite.TLS_PSK_WITH_AES_256_CCM_8,
        CipherSuite.TLS_DHE_PSK_WITH_AES_128_CCM,
        CipherSuite.TLS_DHE_PSK_WITH_AES_256_CCM,
        CipherSuite.TLS_PSK_DHE_WITH_AES_128_CCM_8,
        CipherSuite.TLS_PSK_DHE_WITH_AES_256_CCM_8,
    };

    private final Context config;
    private final int handshakeTimeoutMillis;
    private final boolean requireSecureRenegotiation;
    private final FatalAlertRecord alerts;
    private SrtpProfile srtpProfile;
    private byte[] srtpMki;
    private Certificate clientCertificate;
    private CompletedHandshake completed;

    /**
     * A server for one handshake with the context's timeout and renegotiation rule, and an alert record of its own.
     *
     * @param context shared configuration, concluded here if it was not yet.
     */
    protected TurnstileDtlsServer(final Context context)
    {
        this(context.conclude(), context.handshakeTimeoutMillis(), context.requireSecureRenegotiation(),
            new FatalAlertRecord());
    }

    /**
     * A server for one handshake whose deadline and alert record the hand-off gives.
     *
     * @param context                    shared configuration, concluded here if it was not yet.
     * @param handshakeTimeoutMillis     after which BouncyCastle gives up (what is left of the hand-off's deadline).
     * @param requireSecureRenegotiation refuse (handshake_failure) a client without an RFC 5746 indication.
     * @param alerts                     where the first fatal alert sent or received is recorded.
     */
    protected TurnstileDtlsServer(
        final Context context,
        final int handshakeTimeoutMillis,
        final boolean requireSecureRenegotiation,
        final FatalAlertRecord alerts)
    {
        super(context.conclude().crypto());
        this.config = context;
        this.handshakeTimeoutMillis = handshakeTimeoutMillis;
        this.requireSecureRenegotiation = requireSecureRenegotiation;
        this.alerts = Objects.requireNonNull(alerts, "alerts must not be null");
    }

    /**
     * The ECDSA suites a certificate server offers by default, in preference order: GCM, ChaCha20-Poly1305, CBC,
     * then AES-CCM and CCM_8 (RFC 7251).
     *
     * @return a copy.
     */
    public static int[] ecdsaSuites()
    {
        return ECDSA_SUITES.clone();
    }

    /**
     * The RSA-certificate suites offered by default (ECDHE only; no CCM exists for RSA, no static RSA offered).
     *
     * @return a copy.
     */
    public static int[] rsaSuites()
    {
        return RSA_SUITES.clone();
    }

    /**
     * The PSK suites offered by default: ECDHE_PSK and PSK with the JDK's ciphers, then AES-CCM (RFC 6655, RFC 8442)
     * with ECDHE_PSK, PSK and DHE_PSK.
     *
     * @return a copy.
     */
    public static int[] pskSuites()
    {
        return PSK_SUITES.clone();
    }

    /**
     * {@inheritDoc}
     */
    @Override
    protected ProtocolVersion[] getSupportedVersions()
    {
        return ProtocolVersion.DTLSv12.only();
    }

    /**
     * {@inheritDoc}
     */
    @Override
    protected int[] getSupportedCipherSuites()
    {
        return config.cipherSuites();
    }

    /**
     * {@inheritDoc}
     */
    @Override
    protected boolean preferLocalCipherSuites()
    {
        return true;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public int[] getSupportedGroups()
    {
        return config.groups().groups();
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public boolean preferLocalSupportedGroups()
    {
        return true;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    protected int getMaximumNegotiableCurveBits()
    {
        return config.groups().maximumCurveBits(clientGroups());
    }

    /**
     * {@inheritDoc}
     */
    @Override
    protected int getMaximumNegotiableFiniteFieldBits()
    {
        return config.groups().maximumFiniteFieldBits(clientGroups());
    }

    /**
     * {@inheritDoc}
     */
    @Override
    protected int selectECDH(final int minimumCurveBits)
    {
        return config.groups().selectEcdh(clientGroups(), minimumCurveBits);
    }

    /**
     * {@inheritDoc}
     */
    @Override
    protected int selectDH(final int minimumFiniteFieldBits)
    {
        return config.groups().selectFiniteField(clientGroups(), minimumFiniteFieldBits);
    }

    private int[] clientGroups()
    {
        return context.getSecurityParametersHandshake().getClientSupportedGroups();
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void notifySecureRenegotiation(final boolean secureRenegotiation) throws IOException
    {
        if (!secureRenegotiation && requireSecureRenegotiation)
        {
            throw new TlsFatalAlert(AlertDescription.handshake_failure, "the client sent neither " +
                "TLS_EMPTY_RENEGOTIATION_INFO_SCSV nor renegotiation_info (RFC 5746) and secure renegotiation " +
                "is required");
        }
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void notifyAlertRaised(
        final short alertLevel, final short alertDescription, final String message, final Throwable cause)
    {
        alerts.onRaised(alertLevel, alertDescription);
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void notifyAlertReceived(final short alertLevel, final short alertDescription)
    {
        alerts.onReceived(alertLevel, alertDescription);
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public int getHandshakeTimeoutMillis()
    {
        return handshakeTimeoutMillis;
    }

    /**
     * Reads the client's {@code use_srtp} and selects a profile by server preference (RFC 5764 section 4.1.1);
     * with a required policy, a client without a shared profile fails here with handshake_failure.
     *
     * @param clientExtensions the ClientHello's extensions.
     * @throws IOException on a malformed {@code use_srtp} (decode_error) or a refused client.
     */
    @Override
    @SuppressWarnings("rawtypes") // BouncyCastle's signature
    public void processClientExtensions(final Hashtable clientExtensions) throws IOException
    {
        super.processClientExtensions(clientExtensions);
        final SrtpPolicy srtp = config.srtp();
        if (null == srtp)
        {
            return;
        }
        final UseSRTPData offer = TlsSRTPUtils.getUseSRTPExtension(clientExtensions);
        srtpProfile = null == offer ? null : srtp.select(offer.getProtectionProfiles());
        if (null == srtpProfile)
        {
            if (srtp.required())
            {
                throw new TlsFatalAlert(AlertDescription.handshake_failure, null == offer ?
                    "DTLS-SRTP is required and the client sent no use_srtp extension" :
                    "DTLS-SRTP is required and the client offered none of " + srtp.profiles().length +
                    " server profiles (client offered " + describe(offer.getProtectionProfiles()) + ")");
            }
            return;
        }
        // RFC 5764 section 4.1.1: echo the client's MKI (we will use it) or answer with an empty one (we will not).
        srtpMki = srtp.echoMki() && null != offer.getMki() ? offer.getMki().clone() : TlsUtils.EMPTY_BYTES;
    }

    private static String describe(final int[] values)
    {
        final StringBuilder sb = new StringBuilder();
        for (final int value : values)
        {
            final SrtpProfile profile = SrtpProfile.ofValue(value);
            sb.append(sb.isEmpty() ? "" : ",").append(null == profile ? String.format("0x%04x", value) :
                profile.name());
        }
        return sb.isEmpty() ? "an empty list" : sb.toString();
    }

    /**
     * Adds {@code use_srtp} with the selected profile and the MKI answer when a profile was selected.
     *
     * @return the ServerHello's extensions.
     * @throws IOException from BouncyCastle.
     */
    @Override
    @SuppressWarnings("rawtypes") // BouncyCastle's signature
    public Hashtable getServerExtensions() throws IOException
    {
        final Hashtable extensions = super.getServerExtensions();
        if (null != srtpProfile)
        {
            TlsSRTPUtils.addUseSRTPExtension(extensions, new UseSRTPData(new int[]{ srtpProfile.value() }, srtpMki));
        }
        return extensions;
    }

    /**
     * With a {@link ClientCertificateCheck}, requests an ECDSA or RSA certificate on certificate suites (none on PSK
     * suites, RFC 4279), naming no authorities: WebRTC's certificates are self-signed.
     *
     * @return the request, or null.
     */
    @Override
    public CertificateRequest getCertificateRequest()
    {
        if (null == config.clientCertificates() || isPskKeyExchange())
        {
            return null;
        }
        return new CertificateRequest(
            new short[]{ ClientCertificateType.ecdsa_sign, ClientCertificateType.rsa_sign },
            TlsUtils.getDefaultSupportedSignatureAlgorithms(context), null);
    }

    /**
     * Hands the client's chain to the {@link ClientCertificateCheck}.
     *
     * @param clientCertificate the chain, possibly empty.
     * @throws IOException handshake_failure for no certificate, bad_certificate for a refused one.
     */
    @Override
    public void notifyClientCertificate(final Certificate clientCertificate) throws IOException
    {
        final ClientCertificateCheck check = config.clientCertificates();
        if (null == check)
        {
            // Not requested: BouncyCastle never calls this then, but a subclass's own request might.
            throw new TlsFatalAlert(AlertDescription.internal_error, "a client certificate arrived unrequested");
        }
        if (null == clientCertificate || clientCertificate.isEmpty())
        {
            throw new TlsFatalAlert(AlertDescription.handshake_failure,
                "a client certificate is required and the client sent none");
        }
        if (!check.accept(clientCertificate))
        {
            throw new TlsFatalAlert(AlertDescription.bad_certificate, "the client certificate (SHA-256 " +
                CertificateFingerprint.ofLeaf(clientCertificate) + ") was refused by " + check);
        }
        this.clientCertificate = clientCertificate;
    }

    /**
     * Certificate credentials as {@link DefaultTlsServer} chooses them; none for the PSK key exchanges.
     *
     * @return the credentials, null for PSK.
     * @throws IOException from the signer getters.
     */
    @Override
    public TlsCredentials getCredentials() throws IOException
    {
        if (isPskKeyExchange())
        {
            return null;
        }
        return super.getCredentials();
    }

    private boolean isPskKeyExchange()
    {
        final SecurityParameters parameters = context.getSecurityParametersHandshake();
        final int keyExchange = null == parameters ? -1 : parameters.getKeyExchangeAlgorithm();
        return keyExchange == KeyExchangeAlgorithm.PSK || keyExchange == KeyExchangeAlgorithm.DHE_PSK ||
            keyExchange == KeyExchangeAlgorithm.ECDHE_PSK;
    }

    /**
     * Exports the SRTP keying material when a profile was selected and tells the {@link HandshakeListener}.
     *
     * @throws IOException when the listener fails the handshake.
     */
    @Override
    public void notifyHandshakeComplete() throws IOException
    {
        super.notifyHandshakeComplete();
        final SecurityParameters parameters = context.getSecurityParametersConnection();
        SrtpKeyingMaterial srtp = null;
        if (null != srtpProfile)
        {
            srtp = new SrtpKeyingMaterial(srtpProfile, context.exportKeyingMaterial(
                SrtpKeyingMaterial.EXPORTER_LABEL, null, srtpProfile.keyingMaterialLength()));
        }
        completed = new CompletedHandshake(context, parameters.getNegotiatedVersion(), parameters.getCipherSuite(),
            srtp, srtpMki, clientCertificate);
        final HandshakeListener listener = config.listener();
        if (null != listener)
        {
            listener.onHandshakeComplete(completed);
        }
    }

    /**
     * What the handshake negotiated, once complete.
     *
     * @return the completed handshake, or null before completion.
     */
    public CompletedHandshake completedHandshake()
    {
        return completed;
    }

    /**
     * The first fatal alert this server sent or received.
     *
     * @return the record.
     */
    public FatalAlertRecord alerts()
    {
        return alerts;
    }

    /**
     * The shared configuration.
     *
     * @return the concluded context.
     */
    public Context config()
    {
        return config;
    }

    /**
     * What every server of one application shares: crypto, suites, groups, the renegotiation rule, the handshake
     * timeout, the SRTP policy, the client-certificate check and the completion listener. Fluent setters, then
     * {@link #conclude()} fills defaults (the crypto, the groups proved with it) and filters the suites to those the
     * crypto runs; concluding again after a setter redoes only what depends on it.
     */
    public static final class Context
    {
        /** Default handshake timeout. */
        public static final int DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;

        private JcaTlsCryptoWithCcm crypto;
        private int[] cipherSuites;
        private int[] usableSuites;
        private NamedGroupPolicy groups;
        private boolean requireSecureRenegotiation;
        private int handshakeTimeoutMillis = DEFAULT_HANDSHAKE_TIMEOUT_MS;
        private SrtpPolicy srtp;
        private ClientCertificateCheck clientCertificates;
        private HandshakeListener listener;

        /**
         * Defaults everywhere; the cipher suites must be set.
         */
        public Context()
        {
        }

        /**
         * A copy sharing the crypto, the groups and the callbacks, to change a setting for some servers.
         *
         * @return a new context.
         */
        public Context copy()
        {
            final Context copy = new Context();
            copy.crypto = crypto;
            copy.cipherSuites = cipherSuites;
            copy.usableSuites = usableSuites;
            copy.groups = groups;
            copy.requireSecureRenegotiation = requireSecureRenegotiation;
            copy.handshakeTimeoutMillis = handshakeTimeoutMillis;
            copy.srtp = srtp;
            copy.clientCertificates = clientCertificates;
            copy.listener = listener;
            return copy;
        }

        /**
         * Validate and fill defaults: the crypto, the usable suites, the groups (probed once with a key agreement
         * each; finite-field groups only when a suite uses DHE).
         *
         * @return this.
         * @throws IllegalArgumentException or NullPointerException naming the bad value.
         */
        public Context conclude()
        {
            Objects.requireNonNull(cipherSuites, "cipherSuites must be set, e.g. TurnstileDtlsServer.ecdsaSuites()");
            if (handshakeTimeoutMillis < 100 || handshakeTimeoutMillis > 600_000)
            {
                throw new IllegalArgumentException(
                    "handshakeTimeoutMillis must be 100 to 600000, got " + handshakeTimeoutMillis);
            }
            if (null == crypto)
            {
                crypto = JcaTlsCryptoWithCcm.create(new SecureRandom());
            }
            if (null == usableSuites)
            {
                usableSuites = TlsUtils.getSupportedCipherSuites(crypto, cipherSuites);
                if (usableSuites.length == 0)
                {
                    throw new IllegalArgumentException("cipherSuites: the crypto runs none of " +
                        Arrays.toString(cipherSuites));
                }
            }
            if (null == groups)
            {
                boolean finiteField = false;
                for (final int suite : usableSuites)
                {
                    final int keyExchange = TlsUtils.getKeyExchangeAlgorithm(suite);
                    finiteField |= keyExchange == KeyExchangeAlgorithm.DHE_PSK ||
                        keyExchange == KeyExchangeAlgorithm.DHE_RSA || keyExchange == KeyExchangeAlgorithm.DHE_DSS;
                }
                // Finite-field groups matter only to DHE suites; probing them costs a few ms of 2048+ bit DH.
                groups = NamedGroupPolicy.probe(crypto, NamedGroupPolicy.EC_PREFERENCE,
                    finiteField ? NamedGroupPolicy.FINITE_FIELD_PREFERENCE : new int[0]);
            }
            return this;
        }

        /**
         * The crypto every server uses.
         *
         * @param crypto default {@code JcaTlsCryptoWithCcm.create(new SecureRandom())}.
         * @return this.
         */
        public Context crypto(final JcaTlsCryptoWithCcm crypto)
        {
            this.crypto = crypto;
            this.usableSuites = null;
            this.groups = null;
            return this;
        }

        /**
         * The crypto.
         *
         * @return the crypto, null before {@link #conclude()} unless set.
         */
        public JcaTlsCryptoWithCcm crypto()
        {
            return crypto;
        }

        /**
         * The cipher suites to offer, most preferred first; those the crypto cannot run are left out.
         *
         * @param cipherSuites e.g. {@link #ecdsaSuites()}, {@link #pskSuites()}.
         * @return this.
         */
        public Context cipherSuites(final int[] cipherSuites)
        {
            this.cipherSuites = cipherSuites.clone();
            this.usableSuites = null;
            return this;
        }

        /**
         * The suites offered, once concluded: those of the configured ones the crypto runs.
         *
         * @return a copy.
         */
        public int[] cipherSuites()
        {
            return (null == usableSuites ? cipherSuites : usableSuites).clone();
        }

        /**
         * The groups offered and how they are chosen.
         *
         * @param groups default probed from the crypto at {@link #conclude()}.
         * @return this.
         */
        public Context groups(final NamedGroupPolicy groups)
        {
            this.groups = groups;
            return this;
        }

        /**
         * The group policy.
         *
         * @return the policy, null before {@link #conclude()} unless set.
         */
        public NamedGroupPolicy groups()
        {
            return groups;
        }

        /**
         * Refuse clients that send neither TLS_EMPTY_RENEGOTIATION_INFO_SCSV nor renegotiation_info (RFC 5746).
         *
         * @param requireSecureRenegotiation default false.
         * @return this.
         */
        public Context requireSecureRenegotiation(final boolean requireSecureRenegotiation)
        {
            this.requireSecureRenegotiation = requireSecureRenegotiation;
            return this;
        }

        /**
         * Whether clients must indicate secure renegotiation support.
         *
         * @return true for the strict rule.
         */
        public boolean requireSecureRenegotiation()
        {
            return requireSecureRenegotiation;
        }

        /**
         * After how long BouncyCastle gives up on a handshake (servers made for the hand-off get what is left of its
         * deadline instead).
         *
         * @param handshakeTimeoutMillis default {@value #DEFAULT_HANDSHAKE_TIMEOUT_MS}, 100 to 600000.
         * @return this.
         */
        public Context handshakeTimeoutMillis(final int handshakeTimeoutMillis)
        {
            this.handshakeTimeoutMillis = handshakeTimeoutMillis;
            return this;
        }

        /**
         * The handshake timeout.
         *
         * @return milliseconds.
         */
        public int handshakeTimeoutMillis()
        {
            return handshakeTimeoutMillis;
        }

        /**
         * Negotiate DTLS-SRTP (RFC 5764).
         *
         * @param srtp the profiles and rules; default null, {@code use_srtp} ignored.
         * @return this.
         */
        public Context srtp(final SrtpPolicy srtp)
        {
            this.srtp = srtp;
            return this;
        }

        /**
         * The SRTP policy.
         *
         * @return the policy, or null.
         */
        public SrtpPolicy srtp()
        {
            return srtp;
        }

        /**
         * Request and check client certificates.
         *
         * @param clientCertificates the application's decision; default null, no certificate requested.
         * @return this.
         */
        public Context clientCertificates(final ClientCertificateCheck clientCertificates)
        {
            this.clientCertificates = clientCertificates;
            return this;
        }

        /**
         * The client-certificate check.
         *
         * @return the check, or null.
         */
        public ClientCertificateCheck clientCertificates()
        {
            return clientCertificates;
        }

        /**
         * Told of every completed handshake.
         *
         * @param listener default null.
         * @return this.
         */
        public Context listener(final HandshakeListener listener)
        {
            this.listener = listener;
            return this;
        }

        /**
         * The completion listener.
         *
         * @return the listener, or null.
         */
        public HandshakeListener listener()
        {
            return listener;
        }
    }
}
