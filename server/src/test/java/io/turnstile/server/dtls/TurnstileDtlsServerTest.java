package io.turnstile.server.dtls;

import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.HashAlgorithm;
import org.bouncycastle.tls.SRTPProtectionProfile;
import org.bouncycastle.tls.SignatureAlgorithm;
import org.bouncycastle.tls.SignatureAndHashAlgorithm;
import org.bouncycastle.tls.TlsCredentialedSigner;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.TlsFatalAlertReceived;
import org.bouncycastle.tls.crypto.TlsCryptoParameters;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaDefaultTlsCredentialedSigner;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The base server with a real BouncyCastle client over loopback UDP: DTLS-SRTP selection by server preference, the
 * same keying material exported on both sides, the MKI rule, plain sessions and required SRTP, and client
 * certificates decided by fingerprint.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class TurnstileDtlsServerTest
{
    private static final int[] WEBRTC_OFFER =
    {
        SRTPProtectionProfile.SRTP_AES128_CM_HMAC_SHA1_80,
        SRTPProtectionProfile.SRTP_AEAD_AES_128_GCM,
        SRTPProtectionProfile.SRTP_AEAD_AES_256_GCM,
    };
    private static final byte[] NO_MKI = new byte[0];

    private static SrtpTestPeers.Identity serverIdentity;
    private static SrtpTestPeers.Identity clientIdentity;
    private static TurnstileDtlsServer.Context base;

    @BeforeAll
    static void identities() throws Exception
    {
        serverIdentity = SrtpTestPeers.Identity.selfSigned("turnstile-dtls-server-test");
        clientIdentity = SrtpTestPeers.Identity.selfSigned("webrtc-client");
        base = new TurnstileDtlsServer.Context().cipherSuites(TurnstileDtlsServer.ecdsaSuites()).conclude();
    }

    /** The smallest application server: the base plus an ECDSA signer. */
    private static final class ApplicationServer extends TurnstileDtlsServer
    {
        ApplicationServer(final Context context)
        {
            super(context);
        }

        @Override
        protected TlsCredentialedSigner getECDSASignerCredentials()
        {
            return new JcaDefaultTlsCredentialedSigner(new TlsCryptoParameters(context), SrtpTestPeers.CRYPTO,
                serverIdentity.keyPair().getPrivate(), serverIdentity.chain(),
                SignatureAndHashAlgorithm.getInstance(HashAlgorithm.sha256, SignatureAlgorithm.ecdsa));
        }
    }

    @Test
    void shouldSelectTheServersPreferredProfileAndExportTheClientsKeyingMaterial() throws Exception
    {
        final List<CompletedHandshake> completed = new CopyOnWriteArrayList<>();
        final ApplicationServer server = new ApplicationServer(base.copy()
            .srtp(SrtpPolicy.of(SrtpProfile.SRTP_AEAD_AES_128_GCM, SrtpProfile.SRTP_AES128_CM_HMAC_SHA1_80))
            .listener(completed::add));
        final SrtpTestPeers.SrtpClient client = new SrtpTestPeers.SrtpClient(WEBRTC_OFFER, NO_MKI, null);

        final SrtpTestPeers.Outcome outcome = SrtpTestPeers.handshake(server, client);

        assertNull(outcome.clientFailure());
        assertNull(outcome.serverFailure());
        assertArrayEquals(new int[]{ SRTPProtectionProfile.SRTP_AEAD_AES_128_GCM },
            client.answer.getProtectionProfiles(), "server preference among the client's offer, one profile");
        assertEquals(0, client.answer.getMki().length);
        final CompletedHandshake done = server.completedHandshake();
        assertEquals(List.of(done), completed, "the listener saw the same completed handshake");
        assertEquals(SrtpProfile.SRTP_AEAD_AES_128_GCM, done.srtpProfile());
        assertEquals(56, client.exported.length, "RFC 7714: 2 * (16 + 12) bytes");
        assertArrayEquals(client.exported, done.srtpKeyingMaterial().material(), "both sides, the same keys");
        assertArrayEquals(java.util.Arrays.copyOfRange(client.exported, 16, 32),
            done.srtpKeyingMaterial().serverMasterKey(), "RFC 5764 4.2: the server's key follows the client's");
        assertArrayEquals(java.util.Arrays.copyOfRange(client.exported, 44, 56),
            done.srtpKeyingMaterial().serverMasterSalt());
    }

    @Test
    void shouldExportSixtyBytesForAesCounterModeLikeTheClient() throws Exception
    {
        final ApplicationServer server = new ApplicationServer(base.copy()
            .srtp(SrtpPolicy.parse("SRTP_AES128_CM_SHA1_32,SRTP_AES128_CM_SHA1_80")));
        final SrtpTestPeers.SrtpClient client = new SrtpTestPeers.SrtpClient(
            new int[]{ SRTPProtectionProfile.SRTP_AES128_CM_HMAC_SHA1_80 }, NO_MKI, null);

        SrtpTestPeers.handshake(server, client);

        assertEquals(SrtpProfile.SRTP_AES128_CM_HMAC_SHA1_80, server.completedHandshake().srtpProfile(),
            "the only shared profile, although not the server's first");
        assertEquals(60, client.exported.length);
        assertArrayEquals(client.exported, server.completedHandshake().srtpKeyingMaterial().material());
    }

    @Test
    void shouldAnswerWithAnEmptyMkiUnlessTheApplicationEchoesIt() throws Exception
    {
        final byte[] mki = { 0x01, 0x02, 0x03 };
        final SrtpPolicy policy = SrtpPolicy.of(SrtpProfile.SRTP_AES128_CM_HMAC_SHA1_80);

        final SrtpTestPeers.SrtpClient declined = new SrtpTestPeers.SrtpClient(WEBRTC_OFFER, mki, null);
        final ApplicationServer first = new ApplicationServer(base.copy().srtp(policy));
        SrtpTestPeers.handshake(first, declined);
        assertEquals(0, declined.answer.getMki().length, "RFC 5764 4.1.1: empty MKI, the server will not use it");
        assertEquals(0, first.completedHandshake().srtpMki().length);

        final SrtpTestPeers.SrtpClient echoed = new SrtpTestPeers.SrtpClient(WEBRTC_OFFER, mki, null);
        final ApplicationServer second = new ApplicationServer(base.copy().srtp(policy.echoMki(true)));
        SrtpTestPeers.handshake(second, echoed);
        assertArrayEquals(mki, echoed.answer.getMki(), "RFC 5764 4.1.1: the same MKI, the server will use it");
        assertArrayEquals(mki, second.completedHandshake().srtpMki());
    }

    @Test
    void shouldGiveAPlainSessionToAClientWithoutUseSrtpUnlessRequired() throws Exception
    {
        final SrtpPolicy policy = SrtpPolicy.of(SrtpProfile.SRTP_AES128_CM_HMAC_SHA1_80);
        final SrtpTestPeers.SrtpClient plain = new SrtpTestPeers.SrtpClient(new int[0], NO_MKI, null);
        final ApplicationServer optional = new ApplicationServer(base.copy().srtp(policy));

        final SrtpTestPeers.Outcome ok = SrtpTestPeers.handshake(optional, plain);

        assertNull(ok.clientFailure());
        assertNull(plain.answer, "no use_srtp in the ServerHello");
        assertNull(optional.completedHandshake().srtpProfile());
        assertNull(optional.completedHandshake().srtpKeyingMaterial());

        final SrtpTestPeers.SrtpClient refused = new SrtpTestPeers.SrtpClient(new int[0], NO_MKI, null);
        final ApplicationServer required = new ApplicationServer(base.copy().srtp(policy.required(true)));
        final SrtpTestPeers.Outcome failed = SrtpTestPeers.handshake(required, refused);

        assertEquals(AlertDescription.handshake_failure,
            assertInstanceOf(TlsFatalAlertReceived.class, failed.clientFailure()).getAlertDescription());
        final TlsFatalAlert cause = assertInstanceOf(TlsFatalAlert.class, failed.serverFailure());
        assertTrue(cause.getMessage().contains("DTLS-SRTP is required and the client sent no use_srtp"),
            cause.getMessage());
        assertEquals(AlertDescription.handshake_failure, required.alerts().description());
    }

    @Test
    void shouldRefuseAClientWhoseProfilesAreNoneOfTheServersWhenRequired() throws Exception
    {
        final ApplicationServer server = new ApplicationServer(base.copy()
            .srtp(SrtpPolicy.of(SrtpProfile.SRTP_AEAD_AES_256_GCM).required(true)));
        final SrtpTestPeers.SrtpClient client = new SrtpTestPeers.SrtpClient(
            new int[]{ SRTPProtectionProfile.SRTP_AES128_CM_HMAC_SHA1_80 }, NO_MKI, null);

        final SrtpTestPeers.Outcome failed = SrtpTestPeers.handshake(server, client);

        assertEquals(AlertDescription.handshake_failure,
            assertInstanceOf(TlsFatalAlertReceived.class, failed.clientFailure()).getAlertDescription());
        assertTrue(failed.serverFailure().getMessage().contains("client offered SRTP_AES128_CM_HMAC_SHA1_80"),
            failed.serverFailure().getMessage());
    }

    @Test
    void shouldAcceptTheClientCertificateWithThePinnedFingerprint() throws Exception
    {
        final ApplicationServer server = new ApplicationServer(base.copy()
            .clientCertificates(CertificateFingerprint.of(clientIdentity.der()))
            .srtp(SrtpPolicy.of(SrtpProfile.SRTP_AES128_CM_HMAC_SHA1_80)));
        final SrtpTestPeers.SrtpClient client = new SrtpTestPeers.SrtpClient(WEBRTC_OFFER, NO_MKI, clientIdentity);

        final SrtpTestPeers.Outcome outcome = SrtpTestPeers.handshake(server, client);

        assertNull(outcome.clientFailure());
        final CompletedHandshake done = server.completedHandshake();
        assertNotNull(done);
        assertArrayEquals(clientIdentity.der(), done.clientCertificate().getCertificateAt(0).getEncoded());
    }

    @Test
    void shouldRefuseAnotherCertificateWithBadCertificateAndNoneWithHandshakeFailure() throws Exception
    {
        final SrtpTestPeers.Identity stranger = SrtpTestPeers.Identity.selfSigned("stranger");
        final TurnstileDtlsServer.Context pinned =
            base.copy().clientCertificates(CertificateFingerprint.of(clientIdentity.der()));

        final ApplicationServer server = new ApplicationServer(pinned);
        final SrtpTestPeers.Outcome mismatch = SrtpTestPeers.handshake(server,
            new SrtpTestPeers.SrtpClient(WEBRTC_OFFER, NO_MKI, stranger));
        assertEquals(AlertDescription.bad_certificate,
            assertInstanceOf(TlsFatalAlertReceived.class, mismatch.clientFailure()).getAlertDescription());
        assertTrue(mismatch.serverFailure().getMessage().contains(
            "(SHA-256 " + CertificateFingerprint.of(stranger.der()) + ") was refused"),
            mismatch.serverFailure().getMessage());
        assertEquals(AlertDescription.bad_certificate, server.alerts().description());

        final ApplicationServer noCertificate = new ApplicationServer(pinned);
        final SrtpTestPeers.Outcome none = SrtpTestPeers.handshake(noCertificate,
            new SrtpTestPeers.SrtpClient(WEBRTC_OFFER, NO_MKI, null));
        assertEquals(AlertDescription.handshake_failure,
            assertInstanceOf(TlsFatalAlertReceived.class, none.clientFailure()).getAlertDescription());
    }

    @Test
    void shouldOfferOnlySuitesTheCryptoRunsAndRefuseAContextWithoutSuites()
    {
        final int[] offered = base.cipherSuites();
        assertTrue(offered.length > 0 && offered.length <= TurnstileDtlsServer.ecdsaSuites().length);
        final NullPointerException missing = org.junit.jupiter.api.Assertions.assertThrows(
            NullPointerException.class, () -> new TurnstileDtlsServer.Context().conclude());
        assertTrue(missing.getMessage().contains("cipherSuites must be set"), missing.getMessage());
    }
}
