package io.turnstile.server.handshake;

import io.turnstile.server.dtls.ClientCertificateCheck;
import io.turnstile.server.dtls.HandshakeListener;
import io.turnstile.server.dtls.SrtpPolicy;
import io.turnstile.server.dtls.TurnstileDtlsServer;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.tls.Certificate;
import org.bouncycastle.tls.HashAlgorithm;
import org.bouncycastle.tls.SignatureAlgorithm;
import org.bouncycastle.tls.SignatureAndHashAlgorithm;
import org.bouncycastle.tls.TlsCredentialedSigner;
import org.bouncycastle.tls.TlsPSKIdentityManager;
import org.bouncycastle.tls.TlsServer;
import org.bouncycastle.tls.crypto.TlsCertificate;
import org.bouncycastle.tls.crypto.TlsCryptoParameters;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaDefaultTlsCredentialedSigner;

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
 * Both kinds of server extend {@link TurnstileDtlsServer}, the public base applications extend too, so they carry its
 * interop defaults (DTLS 1.2 only; suites in the server's order, the JDK's first, then AES-CCM and CCM_8 through
 * {@link JcaTlsCryptoWithCcm}; only the groups {@link NamedGroupPolicy} proved, in the server's order; no secure
 * renegotiation indication required unless asked) and record the fatal alert they sent or received into a
 * {@link FatalAlertRecord}, so a failed handshake can be counted by its cause. DTLS-SRTP, client certificates and a
 * completion listener are set with {@link #srtp}, {@link #clientCertificates} and {@link #listener}, each giving new
 * credentials that share the crypto and the probed groups.
 */
public final class ServerCredentials
{
    private final TurnstileDtlsServer.Context config;
    private final PrivateKey privateKey;
    private final Certificate certificate;
    private final byte[] pskIdentity;
    private final byte[] psk;
    private final String description;

    private ServerCredentials(
        final TurnstileDtlsServer.Context config,
        final PrivateKey privateKey,
        final Certificate certificate,
        final byte[] pskIdentity,
        final byte[] psk,
        final String description)
    {
        this.config = config.conclude();
        this.privateKey = privateKey;
        this.certificate = certificate;
        this.pskIdentity = pskIdentity;
        this.psk = psk;
        this.description = description;
    }

    private static TurnstileDtlsServer.Context config(final JcaTlsCryptoWithCcm crypto, final int[] suites)
    {
        return new TurnstileDtlsServer.Context().crypto(crypto).cipherSuites(suites);
    }

    private static JcaTlsCryptoWithCcm newCrypto()
    {
        return JcaTlsCryptoWithCcm.create(new SecureRandom());
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
            return new ServerCredentials(config(crypto, TurnstileDtlsServer.ecdsaSuites()), keyPair.getPrivate(),
                certificate(crypto, holder), null, null, "self-signed ECDSA P-256 certificate CN=" + commonName + ", SHA-256 " +
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
        return new ServerCredentials(
            config(crypto, rsa ? TurnstileDtlsServer.rsaSuites() : TurnstileDtlsServer.ecdsaSuites()), key,
            certificate(crypto, holder), null, null,
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
        return new ServerCredentials(config(newCrypto(), TurnstileDtlsServer.pskSuites()), null, null,
            identity.clone(), key.clone(),
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
        Objects.requireNonNull(alerts, "alerts must not be null");
        if (null != psk)
        {
            return new EchoPskServer(this, handshakeTimeoutMillis, requireSecureRenegotiation, alerts);
        }
        return new EchoCertificateServer(this, handshakeTimeoutMillis, requireSecureRenegotiation, alerts);
    }

    /**
     * The same credentials negotiating DTLS-SRTP (RFC 5764).
     *
     * @param srtp the profiles and rules, or null for none.
     * @return new credentials sharing the crypto and the groups.
     */
    public ServerCredentials srtp(final SrtpPolicy srtp)
    {
        return with(config.copy().srtp(srtp));
    }

    /**
     * The same credentials requesting the client's certificate (certificate suites only) and letting the check
     * decide.
     *
     * @param check the decision, or null to request none.
     * @return new credentials sharing the crypto and the groups.
     */
    public ServerCredentials clientCertificates(final ClientCertificateCheck check)
    {
        return with(config.copy().clientCertificates(check));
    }

    /**
     * The same credentials telling a listener of every completed handshake.
     *
     * @param listener the listener, or null.
     * @return new credentials sharing the crypto and the groups.
     */
    public ServerCredentials listener(final HandshakeListener listener)
    {
        return with(config.copy().listener(listener));
    }

    private ServerCredentials with(final TurnstileDtlsServer.Context changed)
    {
        return new ServerCredentials(changed, privateKey, certificate, pskIdentity, psk, description);
    }

    /**
     * The configuration every server made here shares.
     *
     * @return the concluded context.
     */
    public TurnstileDtlsServer.Context config()
    {
        return config;
    }

    /**
     * The cipher suites servers made here offer, in the order they prefer them (those the crypto can run).
     *
     * @return a copy.
     */
    public int[] cipherSuites()
    {
        return config.cipherSuites();
    }

    /**
     * The key-exchange groups servers made here offer and how they choose among them.
     *
     * @return the policy, decided when these credentials were made.
     */
    public NamedGroupPolicy groups()
    {
        return config.groups();
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
        return config.crypto();
    }

    /** A certificate server: the base's negotiation, signing with the configured key. */
    private static final class EchoCertificateServer extends TurnstileDtlsServer
    {
        private final ServerCredentials credentials;

        EchoCertificateServer(
            final ServerCredentials credentials,
            final int handshakeTimeoutMillis,
            final boolean requireSecureRenegotiation,
            final FatalAlertRecord alerts)
        {
            super(credentials.config, handshakeTimeoutMillis, requireSecureRenegotiation, alerts);
            this.credentials = credentials;
        }

        @Override
        protected TlsCredentialedSigner getECDSASignerCredentials()
        {
            return signer(SignatureAlgorithm.ecdsa);
        }

        @Override
        protected TlsCredentialedSigner getRSASignerCredentials()
        {
            return signer(SignatureAlgorithm.rsa);
        }

        private TlsCredentialedSigner signer(final short signatureAlgorithm)
        {
            return new JcaDefaultTlsCredentialedSigner(new TlsCryptoParameters(context), credentials.crypto(),
                credentials.privateKey, credentials.certificate,
                SignatureAndHashAlgorithm.getInstance(HashAlgorithm.sha256, signatureAlgorithm));
        }
    }

    /** A PSK server: the base's negotiation, one identity and key. */
    private static final class EchoPskServer extends TurnstileDtlsServer
    {
        private final TlsPSKIdentityManager identities;

        EchoPskServer(
            final ServerCredentials credentials,
            final int handshakeTimeoutMillis,
            final boolean requireSecureRenegotiation,
            final FatalAlertRecord alerts)
        {
            super(credentials.config, handshakeTimeoutMillis, requireSecureRenegotiation, alerts);
            this.identities = new SingleIdentity(credentials.pskIdentity, credentials.psk);
        }

        @Override
        public TlsPSKIdentityManager getPSKIdentityManager()
        {
            return identities;
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
