package io.turnstile.server.dtls;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.tls.Certificate;
import org.bouncycastle.tls.CertificateRequest;
import org.bouncycastle.tls.DTLSClientProtocol;
import org.bouncycastle.tls.DTLSServerProtocol;
import org.bouncycastle.tls.DTLSTransport;
import org.bouncycastle.tls.DefaultTlsClient;
import org.bouncycastle.tls.HashAlgorithm;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.SignatureAlgorithm;
import org.bouncycastle.tls.SignatureAndHashAlgorithm;
import org.bouncycastle.tls.TlsAuthentication;
import org.bouncycastle.tls.TlsCredentials;
import org.bouncycastle.tls.TlsExtensionsUtils;
import org.bouncycastle.tls.TlsSRTPUtils;
import org.bouncycastle.tls.TlsServer;
import org.bouncycastle.tls.TlsServerCertificate;
import org.bouncycastle.tls.UDPTransport;
import org.bouncycastle.tls.UseSRTPData;
import org.bouncycastle.tls.crypto.TlsCertificate;
import org.bouncycastle.tls.crypto.TlsCryptoParameters;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaDefaultTlsCredentialedSigner;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCrypto;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCryptoProvider;

import java.io.IOException;
import java.math.BigInteger;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.util.Date;
import java.util.Hashtable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;

/**
 * Test peers for the DTLS-SRTP and client-certificate tests: a BouncyCastle client that offers {@code use_srtp}
 * (and optionally a certificate) and exports the SRTP keying material itself, a self-signed key pair, and one real
 * handshake over two connected loopback UDP sockets.
 */
final class SrtpTestPeers
{
    static final JcaTlsCrypto CRYPTO = new JcaTlsCryptoProvider().create(new SecureRandom());

    private SrtpTestPeers()
    {
    }

    /** A self-signed ECDSA P-256 key pair and its certificate, in BouncyCastle's TLS form. */
    record Identity(KeyPair keyPair, Certificate chain, byte[] der)
    {
        static Identity selfSigned(final String commonName) throws Exception
        {
            final KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
            final KeyPair keyPair = generator.generateKeyPair();
            final X500Name name = new X500Name("CN=" + commonName);
            final long nowMs = System.currentTimeMillis();
            final byte[] der = new X509v3CertificateBuilder(name, BigInteger.valueOf(nowMs),
                new Date(nowMs - 60_000), new Date(nowMs + 86_400_000L), name,
                SubjectPublicKeyInfo.getInstance(keyPair.getPublic().getEncoded()))
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(keyPair.getPrivate())).getEncoded();
            final TlsCertificate certificate = CRYPTO.createCertificate(der);
            return new Identity(keyPair, new Certificate(new TlsCertificate[]{ certificate }), der);
        }
    }

    /** A DTLS 1.2 client offering SRTP profiles (none: no {@code use_srtp}), recording what the server answered. */
    static final class SrtpClient extends DefaultTlsClient
    {
        private final int[] profiles;
        private final byte[] mki;
        private final Identity identity;
        UseSRTPData answer;
        byte[] exported;
        int exportLength;

        SrtpClient(final int[] profiles, final byte[] mki, final Identity identity)
        {
            super(CRYPTO);
            this.profiles = profiles;
            this.mki = mki;
            this.identity = identity;
        }

        @Override
        protected ProtocolVersion[] getSupportedVersions()
        {
            return ProtocolVersion.DTLSv12.only();
        }

        @Override
        public int getHandshakeTimeoutMillis()
        {
            return 5_000;
        }

        @Override
        @SuppressWarnings({ "rawtypes", "unchecked" })
        public Hashtable getClientExtensions() throws IOException
        {
            final Hashtable extensions = TlsExtensionsUtils.ensureExtensionsInitialised(super.getClientExtensions());
            if (profiles.length > 0)
            {
                TlsSRTPUtils.addUseSRTPExtension(extensions, new UseSRTPData(profiles, mki));
            }
            return extensions;
        }

        @Override
        @SuppressWarnings("rawtypes")
        public void processServerExtensions(final Hashtable serverExtensions) throws IOException
        {
            super.processServerExtensions(serverExtensions);
            answer = null == serverExtensions ? null : TlsSRTPUtils.getUseSRTPExtension(serverExtensions);
        }

        @Override
        public void notifyHandshakeComplete() throws IOException
        {
            super.notifyHandshakeComplete();
            final SrtpProfile profile = null == answer ? null : SrtpProfile.ofValue(answer.getProtectionProfiles()[0]);
            if (null != profile)
            {
                exportLength = profile.keyingMaterialLength();
                exported = context.exportKeyingMaterial("EXTRACTOR-dtls_srtp", null, exportLength);
            }
        }

        @Override
        public TlsAuthentication getAuthentication()
        {
            return new TlsAuthentication()
            {
                @Override
                public void notifyServerCertificate(final TlsServerCertificate serverCertificate)
                {
                    // WebRTC checks the server's fingerprint from signalling; these tests look at the client's.
                }

                @Override
                public TlsCredentials getClientCredentials(final CertificateRequest request)
                {
                    if (null == identity)
                    {
                        return null;
                    }
                    return new JcaDefaultTlsCredentialedSigner(new TlsCryptoParameters(context), CRYPTO,
                        identity.keyPair().getPrivate(), identity.chain(),
                        SignatureAndHashAlgorithm.getInstance(HashAlgorithm.sha256, SignatureAlgorithm.ecdsa));
                }
            };
        }
    }

    /**
     * BouncyCastle closes its transport when a handshake fails; a closed server socket would make the kernel answer
     * the client's next flight with port-unreachable before the client reads the alert. The test closes it itself.
     */
    private static final class SocketKeepingTransport extends UDPTransport
    {
        SocketKeepingTransport(final DatagramSocket socket) throws IOException
        {
            super(socket, 1500);
        }

        @Override
        public void close()
        {
        }
    }

    /** How one handshake went on each side. */
    record Outcome(DTLSTransport client, Exception clientFailure, DTLSTransport server, Exception serverFailure)
    {
    }

    /**
     * One handshake over two loopback sockets connected to each other, server on its own thread.
     */
    static Outcome handshake(final TlsServer server, final SrtpClient client) throws Exception
    {
        final InetAddress loopback = InetAddress.getLoopbackAddress();
        try (DatagramSocket serverSocket = new DatagramSocket(new InetSocketAddress(loopback, 0));
            DatagramSocket clientSocket = new DatagramSocket(new InetSocketAddress(loopback, 0)))
        {
            serverSocket.connect(clientSocket.getLocalSocketAddress());
            clientSocket.connect(serverSocket.getLocalSocketAddress());
            final FutureTask<DTLSTransport> accept = new FutureTask<>(
                () -> new DTLSServerProtocol().accept(server, new SocketKeepingTransport(serverSocket)));
            final Thread thread = new Thread(accept, "srtp-test-server");
            thread.start();
            DTLSTransport clientTransport = null;
            Exception clientFailure = null;
            try
            {
                clientTransport = new DTLSClientProtocol().connect(client, new UDPTransport(clientSocket, 1500));
            }
            catch (final IOException ex)
            {
                clientFailure = ex;
            }
            DTLSTransport serverTransport = null;
            Exception serverFailure = null;
            try
            {
                serverTransport = accept.get(10, TimeUnit.SECONDS);
            }
            catch (final ExecutionException ex)
            {
                serverFailure = (Exception)ex.getCause();
            }
            return new Outcome(clientTransport, clientFailure, serverTransport, serverFailure);
        }
    }
}
