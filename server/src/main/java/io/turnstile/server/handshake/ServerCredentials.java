package io.turnstile.server.handshake;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.Certificate;
import org.bouncycastle.tls.CipherSuite;
import org.bouncycastle.tls.DefaultTlsServer;
import org.bouncycastle.tls.HashAlgorithm;
import org.bouncycastle.tls.PSKTlsServer;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.SignatureAlgorithm;
import org.bouncycastle.tls.SignatureAndHashAlgorithm;
import org.bouncycastle.tls.TlsCredentialedSigner;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.TlsPSKIdentityManager;
import org.bouncycastle.tls.TlsServer;
import org.bouncycastle.tls.TlsServerContext;
import org.bouncycastle.tls.TlsUtils;
import org.bouncycastle.tls.crypto.TlsCertificate;
import org.bouncycastle.tls.crypto.TlsCryptoParameters;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaDefaultTlsCredentialedSigner;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCrypto;

import java.io.IOException;
import java.io.Reader;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.util.Date;
import java.util.Objects;

/**
 * What the echo server proves itself with, and the factory of one BouncyCastle {@link TlsServer} per handshake:
 * an ECDSA or RSA certificate (generated self-signed ECDSA P-256 at start, or PEM files), or a pre-shared key.
 * <p>
 * Crypto is {@link JcaTlsCryptoWithCcm}: BouncyCastle's {@link JcaTlsCrypto} over the JDK providers (the JDK's
 * AES-GCM, SHA and EC code have intrinsics, which made JcaTlsCrypto about twice as fast as BcTlsCrypto in this
 * project's cookie benchmarks), with BouncyCastle's lightweight AES-CCM for the CCM and CCM_8 suites the JDK cannot
 * run. Every server speaks DTLS 1.2 only and negotiates so that every standard-conforming DTLS 1.2 client gets through:
 * <ul>
 *     <li><b>Cipher suites</b> in the server's order: the JDK suites (GCM, ChaCha20-Poly1305, CBC) first, then AES-CCM
 *     and CCM_8 (RFC 6655, RFC 7251, RFC 8442), which CoAP devices (RFC 7252 section 9.1.3) often offer alone. No
 *     static-RSA suites.</li>
 *     <li><b>Groups</b>: only those {@link NamedGroupPolicy} proved at start, chosen in the server's order.</li>
 *     <li><b>Secure renegotiation indication</b> (RFC 5746) is not required by default: BouncyCastle's DTLS server
 *     never renegotiates, so the attack the indication prevents (a renegotiation spliced onto an attacker's
 *     connection) cannot happen, and clients that send neither the SCSV nor the extension (Debian's wolfSSL 5.5.4)
 *     would otherwise get handshake_failure. RFC 5746 section 3.6 leaves the choice to the server.
 *     {@code requireSecureRenegotiation} restores BouncyCastle's strict rule.</li>
 * </ul>
 * Each server also records the fatal alert it sent or received into a {@link FatalAlertRecord}, so a failed
 * handshake can be counted by its cause.
 */
public final class ServerCredentials
{
    private static final int[] ECDSA_SUITES =
    {
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
    };
    private static final int[] RSA_SUITES =
    {
        CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        CipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        CipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256,
        CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
    };
    /** ECDHE_ECDSA with AES-CCM (RFC 7251), after the JDK suites: BouncyCastle's software AES runs them. */
    private static final int[] ECDSA_CCM_SUITES =
    {
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CCM,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_CCM,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8,
    };
    private static final int[] PSK_SUITES =
    {
        CipherSuite.TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256,
        CipherSuite.TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256,
        CipherSuite.TLS_PSK_WITH_AES_128_GCM_SHA256,
        CipherSuite.TLS_PSK_WITH_CHACHA20_POLY1305_SHA256,
        CipherSuite.TLS_PSK_WITH_AES_128_CBC_SHA256,
    };
    /**
     * PSK with AES-CCM (RFC 6655, RFC 8442), after the JDK suites: forward-secret ECDHE_PSK first, then plain PSK,
     * then DHE_PSK (the dearest key exchange, for clients that offer nothing else).
     */
    private static final int[] PSK_CCM_SUITES =
    {
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

    private final JcaTlsCryptoWithCcm crypto;
    private final NamedGroupPolicy groups;
    private final int[] suites;
    private final PrivateKey privateKey;
    private final Certificate certificate;
    private final byte[] pskIdentity;
    private final byte[] psk;
    private final String description;

    private ServerCredentials(
        final JcaTlsCryptoWithCcm crypto,
        final PrivateKey privateKey,
        final Certificate certificate,
        final boolean rsa,
        final byte[] pskIdentity,
        final byte[] psk,
        final String description)
    {
        this.crypto = crypto;
        this.privateKey = privateKey;
        this.certificate = certificate;
        this.pskIdentity = pskIdentity;
        this.psk = psk;
        this.description = description;
        final int[] offered = null != psk ? concat(PSK_SUITES, PSK_CCM_SUITES) :
            rsa ? RSA_SUITES : concat(ECDSA_SUITES, ECDSA_CCM_SUITES);
        this.suites = TlsUtils.getSupportedCipherSuites(crypto, offered);
        // Finite-field groups matter only to the DHE_PSK suites; probing them costs a few ms of 2048+ bit DH.
        this.groups = NamedGroupPolicy.probe(crypto, NamedGroupPolicy.EC_PREFERENCE,
            null != psk ? NamedGroupPolicy.FINITE_FIELD_PREFERENCE : new int[0]);
    }

    private static JcaTlsCryptoWithCcm newCrypto()
    {
        return JcaTlsCryptoWithCcm.create(new SecureRandom());
    }

    private static int[] concat(final int[] first, final int[] second)
    {
        final int[] all = java.util.Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, all, first.length, second.length);
        return all;
    }

    /**
     * A fresh ECDSA P-256 key and a self-signed certificate for it, valid for a day.
     *
     * @param commonName the certificate's CN.
     * @return the credentials.
     * @throws GeneralSecurityException when the JDK cannot make a P-256 key.
     */
    public static ServerCredentials selfSigned(final String commonName) throws GeneralSecurityException
    {
        final KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
        final KeyPair keyPair = generator.generateKeyPair();
        final X500Name name = new X500Name("CN=" + commonName);
        final long nowMs = System.currentTimeMillis();
        final X509v3CertificateBuilder builder = new X509v3CertificateBuilder(
            name, BigInteger.valueOf(nowMs), new Date(nowMs - 60_000), new Date(nowMs + 86_400_000L), name,
            SubjectPublicKeyInfo.getInstance(keyPair.getPublic().getEncoded()));
        try
        {
            final X509CertificateHolder holder =
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keyPair.getPrivate()));
            final JcaTlsCryptoWithCcm crypto = newCrypto();
            return new ServerCredentials(crypto, keyPair.getPrivate(), certificate(crypto, holder), false, null,
                null, "self-signed ECDSA P-256 certificate CN=" + commonName + ", SHA-256 " +
                fingerprint(holder.getEncoded()));
        }
        catch (final org.bouncycastle.operator.OperatorCreationException | IOException ex)
        {
            throw new GeneralSecurityException("could not sign the self-signed certificate", ex);
        }
    }

    /**
     * A certificate and its private key from PEM files (EC or RSA key; PKCS#8 or traditional PEM).
     *
     * @param certificateFile PEM certificate (the first one is used).
     * @param keyFile         PEM private key.
     * @return the credentials.
     * @throws IOException when a file cannot be read or holds no certificate or key.
     */
    public static ServerCredentials fromPem(final Path certificateFile, final Path keyFile) throws IOException
    {
        final X509CertificateHolder holder;
        try (Reader reader = Files.newBufferedReader(certificateFile, StandardCharsets.US_ASCII);
            PEMParser parser = new PEMParser(reader))
        {
            final Object object = parser.readObject();
            if (!(object instanceof X509CertificateHolder certificateHolder))
            {
                throw new IOException("no PEM certificate in " + certificateFile);
            }
            holder = certificateHolder;
        }
        final PrivateKey key;
        try (Reader reader = Files.newBufferedReader(keyFile, StandardCharsets.US_ASCII);
            PEMParser parser = new PEMParser(reader))
        {
            final Object object = parser.readObject();
            final JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            if (object instanceof PEMKeyPair pair)
            {
                key = converter.getPrivateKey(pair.getPrivateKeyInfo());
            }
            else if (object instanceof PrivateKeyInfo info)
            {
                key = converter.getPrivateKey(info);
            }
            else
            {
                throw new IOException("no unencrypted PEM private key in " + keyFile);
            }
        }
        final boolean rsa = "RSA".equals(key.getAlgorithm());
        if (!rsa && !"EC".equals(key.getAlgorithm()))
        {
            throw new IOException("private key in " + keyFile + " must be EC or RSA, got " + key.getAlgorithm());
        }
        final JcaTlsCryptoWithCcm crypto = newCrypto();
        return new ServerCredentials(crypto, key, certificate(crypto, holder), rsa, null, null,
            (rsa ? "RSA" : "ECDSA") + " certificate " + holder.getSubject() + " from " + certificateFile +
            ", SHA-256 " + fingerprint(holder.getEncoded()));
    }

    /**
     * A pre-shared key (plain PSK and ECDHE-PSK suites).
     *
     * @param identity the identity clients present.
     * @param key      the key, at least 16 bytes.
     * @return the credentials.
     * @throws IllegalArgumentException when the identity is empty or the key is short.
     */
    public static ServerCredentials psk(final byte[] identity, final byte[] key)
    {
        Objects.requireNonNull(identity, "PSK identity must be set");
        Objects.requireNonNull(key, "PSK key must be set");
        if (identity.length == 0 || identity.length > 128)
        {
            throw new IllegalArgumentException("PSK identity must be 1 to 128 bytes, got " + identity.length);
        }
        if (key.length < 16)
        {
            throw new IllegalArgumentException("PSK key must be at least 16 bytes, got " + key.length);
        }
        return new ServerCredentials(newCrypto(), null, null, false, identity.clone(), key.clone(),
            "PSK identity \"" + new String(identity, StandardCharsets.UTF_8) + "\"");
    }

    private static Certificate certificate(final JcaTlsCryptoWithCcm crypto, final X509CertificateHolder holder)
        throws IOException
    {
        final TlsCertificate tlsCertificate = crypto.createCertificate(holder.getEncoded());
        return new Certificate(new TlsCertificate[]{ tlsCertificate });
    }

    private static String fingerprint(final byte[] der)
    {
        try
        {
            return java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(der));
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException("every JDK has SHA-256", ex);
        }
    }

    /**
     * A new BouncyCastle server for one handshake (servers hold per-connection state and are not reused), accepting
     * clients without a secure renegotiation indication and recording alerts nowhere.
     *
     * @param handshakeTimeoutMillis after which BouncyCastle gives up on the handshake.
     * @return the server.
     */
    public TlsServer newServer(final int handshakeTimeoutMillis)
    {
        return newServer(handshakeTimeoutMillis, false, new FatalAlertRecord());
    }

    /**
     * A new BouncyCastle server for one handshake (servers hold per-connection state and are not reused).
     *
     * @param handshakeTimeoutMillis     after which BouncyCastle gives up on the handshake.
     * @param requireSecureRenegotiation refuse (handshake_failure) a client that sends neither
     *                                   TLS_EMPTY_RENEGOTIATION_INFO_SCSV nor renegotiation_info (RFC 5746).
     * @param alerts                     where the server records the first fatal alert it sends or receives.
     * @return the server.
     */
    public TlsServer newServer(
        final int handshakeTimeoutMillis, final boolean requireSecureRenegotiation, final FatalAlertRecord alerts)
    {
        final Negotiation negotiation = new Negotiation(handshakeTimeoutMillis, requireSecureRenegotiation,
            Objects.requireNonNull(alerts, "alerts must not be null"));
        if (null != psk)
        {
            return new EchoPskServer(this, negotiation);
        }
        return new EchoCertificateServer(this, negotiation);
    }

    /**
     * The cipher suites servers made here offer, in the order they prefer them (those the crypto can run).
     *
     * @return a copy.
     */
    public int[] cipherSuites()
    {
        return suites.clone();
    }

    /**
     * The key-exchange groups servers made here offer and how they choose among them.
     *
     * @return the policy, decided when these credentials were made.
     */
    public NamedGroupPolicy groups()
    {
        return groups;
    }

    /**
     * Whether these are pre-shared-key credentials.
     *
     * @return true for PSK.
     */
    public boolean isPsk()
    {
        return null != psk;
    }

    /**
     * What the credentials are, for the start-up log: kind, subject and certificate fingerprint; never key bytes.
     *
     * @return a description.
     */
    public String description()
    {
        return description;
    }

    /**
     * The crypto every server made here uses.
     *
     * @return the crypto.
     */
    public JcaTlsCryptoWithCcm crypto()
    {
        return crypto;
    }

    /**
     * What both kinds of server negotiate alike: version, suites in server order, groups by the policy, the
     * renegotiation rule, the handshake timeout, and the alert record.
     */
    private static final class Negotiation
    {
        private final int handshakeTimeoutMillis;
        private final boolean requireSecureRenegotiation;
        private final FatalAlertRecord alerts;

        Negotiation(
            final int handshakeTimeoutMillis, final boolean requireSecureRenegotiation, final FatalAlertRecord alerts)
        {
            this.handshakeTimeoutMillis = handshakeTimeoutMillis;
            this.requireSecureRenegotiation = requireSecureRenegotiation;
            this.alerts = alerts;
        }

        void notifySecureRenegotiation(final boolean secureRenegotiation) throws IOException
        {
            if (!secureRenegotiation && requireSecureRenegotiation)
            {
                throw new TlsFatalAlert(AlertDescription.handshake_failure, "the client sent neither " +
                    "TLS_EMPTY_RENEGOTIATION_INFO_SCSV nor renegotiation_info (RFC 5746) and secure renegotiation " +
                    "is required");
            }
        }

        static int[] clientGroups(final TlsServerContext context)
        {
            return context.getSecurityParametersHandshake().getClientSupportedGroups();
        }
    }

    private static final class EchoCertificateServer extends DefaultTlsServer
    {
        private final ServerCredentials credentials;
        private final Negotiation negotiation;

        EchoCertificateServer(final ServerCredentials credentials, final Negotiation negotiation)
        {
            super(credentials.crypto);
            this.credentials = credentials;
            this.negotiation = negotiation;
        }

        @Override
        protected ProtocolVersion[] getSupportedVersions()
        {
            return ProtocolVersion.DTLSv12.only();
        }

        @Override
        protected int[] getSupportedCipherSuites()
        {
            return credentials.suites.clone();
        }

        @Override
        protected boolean preferLocalCipherSuites()
        {
            return true;
        }

        @Override
        public int[] getSupportedGroups()
        {
            return credentials.groups.groups();
        }

        @Override
        public boolean preferLocalSupportedGroups()
        {
            return true;
        }

        @Override
        protected int getMaximumNegotiableCurveBits()
        {
            return credentials.groups.maximumCurveBits(Negotiation.clientGroups(context));
        }

        @Override
        protected int getMaximumNegotiableFiniteFieldBits()
        {
            return credentials.groups.maximumFiniteFieldBits(Negotiation.clientGroups(context));
        }

        @Override
        protected int selectECDH(final int minimumCurveBits)
        {
            return credentials.groups.selectEcdh(Negotiation.clientGroups(context), minimumCurveBits);
        }

        @Override
        protected int selectDH(final int minimumFiniteFieldBits)
        {
            return credentials.groups.selectFiniteField(Negotiation.clientGroups(context), minimumFiniteFieldBits);
        }

        @Override
        public void notifySecureRenegotiation(final boolean secureRenegotiation) throws IOException
        {
            negotiation.notifySecureRenegotiation(secureRenegotiation);
        }

        @Override
        public void notifyAlertRaised(
            final short alertLevel, final short alertDescription, final String message, final Throwable cause)
        {
            negotiation.alerts.onRaised(alertLevel, alertDescription);
        }

        @Override
        public void notifyAlertReceived(final short alertLevel, final short alertDescription)
        {
            negotiation.alerts.onReceived(alertLevel, alertDescription);
        }

        @Override
        public int getHandshakeTimeoutMillis()
        {
            return negotiation.handshakeTimeoutMillis;
        }

        @Override
        protected TlsCredentialedSigner getECDSASignerCredentials() throws IOException
        {
            return signer(SignatureAlgorithm.ecdsa);
        }

        @Override
        protected TlsCredentialedSigner getRSASignerCredentials() throws IOException
        {
            return signer(SignatureAlgorithm.rsa);
        }

        private TlsCredentialedSigner signer(final short signatureAlgorithm)
        {
            return new JcaDefaultTlsCredentialedSigner(new TlsCryptoParameters(context), credentials.crypto,
                credentials.privateKey, credentials.certificate,
                SignatureAndHashAlgorithm.getInstance(HashAlgorithm.sha256, signatureAlgorithm));
        }
    }

    private static final class EchoPskServer extends PSKTlsServer
    {
        private final ServerCredentials credentials;
        private final Negotiation negotiation;

        EchoPskServer(final ServerCredentials credentials, final Negotiation negotiation)
        {
            super(credentials.crypto, new SingleIdentity(credentials.pskIdentity, credentials.psk));
            this.credentials = credentials;
            this.negotiation = negotiation;
        }

        @Override
        protected ProtocolVersion[] getSupportedVersions()
        {
            return ProtocolVersion.DTLSv12.only();
        }

        @Override
        protected int[] getSupportedCipherSuites()
        {
            return credentials.suites.clone();
        }

        @Override
        protected boolean preferLocalCipherSuites()
        {
            return true;
        }

        @Override
        public int[] getSupportedGroups()
        {
            return credentials.groups.groups();
        }

        @Override
        public boolean preferLocalSupportedGroups()
        {
            return true;
        }

        @Override
        protected int getMaximumNegotiableCurveBits()
        {
            return credentials.groups.maximumCurveBits(Negotiation.clientGroups(context));
        }

        @Override
        protected int getMaximumNegotiableFiniteFieldBits()
        {
            return credentials.groups.maximumFiniteFieldBits(Negotiation.clientGroups(context));
        }

        @Override
        protected int selectECDH(final int minimumCurveBits)
        {
            return credentials.groups.selectEcdh(Negotiation.clientGroups(context), minimumCurveBits);
        }

        @Override
        protected int selectDH(final int minimumFiniteFieldBits)
        {
            return credentials.groups.selectFiniteField(Negotiation.clientGroups(context), minimumFiniteFieldBits);
        }

        @Override
        public void notifySecureRenegotiation(final boolean secureRenegotiation) throws IOException
        {
            negotiation.notifySecureRenegotiation(secureRenegotiation);
        }

        @Override
        public void notifyAlertRaised(
            final short alertLevel, final short alertDescription, final String message, final Throwable cause)
        {
            negotiation.alerts.onRaised(alertLevel, alertDescription);
        }

        @Override
        public void notifyAlertReceived(final short alertLevel, final short alertDescription)
        {
            negotiation.alerts.onReceived(alertLevel, alertDescription);
        }

        @Override
        public int getHandshakeTimeoutMillis()
        {
            return negotiation.handshakeTimeoutMillis;
        }
    }

    private static final class SingleIdentity implements TlsPSKIdentityManager
    {
        private final byte[] identity;
        private final byte[] key;

        SingleIdentity(final byte[] identity, final byte[] key)
        {
            this.identity = identity;
            this.key = key;
        }

        @Override
        public byte[] getHint()
        {
            return null;
        }

        @Override
        public byte[] getPSK(final byte[] offered)
        {
            return MessageDigest.isEqual(identity, offered) ? key.clone() : null;
        }
    }
}
