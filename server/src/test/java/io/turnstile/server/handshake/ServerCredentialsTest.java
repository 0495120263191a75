package io.turnstile.server.handshake;

import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.BasicTlsPSKIdentity;
import org.bouncycastle.tls.CertificateRequest;
import org.bouncycastle.tls.CipherSuite;
import org.bouncycastle.tls.NamedGroup;
import org.bouncycastle.tls.PSKTlsClient;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.TlsAuthentication;
import org.bouncycastle.tls.TlsCredentials;
import org.bouncycastle.tls.TlsFatalAlertReceived;
import org.bouncycastle.tls.TlsServerCertificate;
import org.bouncycastle.tls.crypto.TlsECConfig;
import org.bouncycastle.tls.crypto.TlsECDomain;
import org.bouncycastle.tls.crypto.impl.bc.BcTlsCrypto;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Vector;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the servers made by {@link ServerCredentials} negotiate, with BouncyCastle's own client (on its lightweight
 * crypto, which has every curve and CCM) through core's verifier and the hand-off on loopback: every CCM and CCM_8
 * suite, the JDK suites preferred, only usable groups, and a clean handshake_failure when nothing is common.
 */
class ServerCredentialsTest
{
    private static final byte[] IDENTITY = "coap-device".getBytes(StandardCharsets.UTF_8);
    private static final byte[] PSK = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final int[] ECDSA_CCM =
    {
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CCM, CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_CCM,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8, CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8,
    };
    private static final int[] PSK_CCM =
    {
        CipherSuite.TLS_ECDHE_PSK_WITH_AES_128_CCM_SHA256, CipherSuite.TLS_ECDHE_PSK_WITH_AES_128_CCM_8_SHA256,
        CipherSuite.TLS_PSK_WITH_AES_128_CCM, CipherSuite.TLS_PSK_WITH_AES_256_CCM,
        CipherSuite.TLS_PSK_WITH_AES_128_CCM_8, CipherSuite.TLS_PSK_WITH_AES_256_CCM_8,
        CipherSuite.TLS_DHE_PSK_WITH_AES_128_CCM, CipherSuite.TLS_DHE_PSK_WITH_AES_256_CCM,
        CipherSuite.TLS_PSK_DHE_WITH_AES_128_CCM_8, CipherSuite.TLS_PSK_DHE_WITH_AES_256_CCM_8,
    };
    private static ServerCredentials certificate;
    private static ServerCredentials psk;

    @BeforeAll
    static void credentials() throws Exception
    {
        certificate = ServerCredentials.selfSigned("turnstile-credentials-test");
        psk = ServerCredentials.psk(IDENTITY, PSK);
    }

    @Test
    void shouldOfferCcmAfterTheJdkSuites()
    {
        final int[] suites = certificate.cipherSuites();
        assertEquals(CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, suites[0]);
        assertTrue(Arrays.equals(ECDSA_CCM, Arrays.copyOfRange(suites, suites.length - ECDSA_CCM.length,
            suites.length)), Arrays.toString(suites));
        final int[] pskSuites = psk.cipherSuites();
        assertTrue(Arrays.equals(PSK_CCM, Arrays.copyOfRange(pskSuites, pskSuites.length - PSK_CCM.length,
            pskSuites.length)), Arrays.toString(pskSuites));
    }

    @Test
    void shouldProbeFiniteFieldGroupsOnlyForThePskDheSuites()
    {
        assertEquals("x25519, secp256r1, x448, secp384r1, secp521r1", certificate.groups().describe());
        assertTrue(psk.groups().isUsable(NamedGroup.ffdhe2048), psk.groups().describe());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldCompleteEveryEcdsaCcmSuite() throws Exception
    {
        try (LoopbackHandoffServer server = new LoopbackHandoffServer(new SessionTable.Context()
            .credentials(certificate)))
        {
            for (final int suite : ECDSA_CCM)
            {
                assertHandshakeAndEcho(server.port(), new RecordingClient(false, new int[]{ suite }, null), suite);
            }
            assertEquals(ECDSA_CCM.length, server.table().completed());
        }
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void shouldCompleteEveryPskCcmSuite() throws Exception
    {
        try (LoopbackHandoffServer server = new LoopbackHandoffServer(new SessionTable.Context().credentials(psk)))
        {
            for (final int suite : PSK_CCM)
            {
                assertHandshakeAndEcho(server.port(), new RecordingClient(true, new int[]{ suite }, null), suite);
            }
            assertEquals(PSK_CCM.length, server.table().completed());
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void shouldPreferTheJdkSuiteWhenTheClientListsCcmFirst() throws Exception
    {
        try (LoopbackHandoffServer server = new LoopbackHandoffServer(new SessionTable.Context()
            .credentials(certificate)))
        {
            final RecordingClient client = new RecordingClient(false, new int[]{
                CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8, CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 },
                null);
            assertHandshakeAndEcho(server.port(), client, CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256);
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void shouldUseAUsableGroupWhenTheClientListsBinaryAndBrainpoolCurvesFirst() throws Exception
    {
        try (LoopbackHandoffServer server = new LoopbackHandoffServer(new SessionTable.Context()
            .credentials(certificate)))
        {
            final RecordingClient client = new RecordingClient(false,
                new int[]{ CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 },
                new int[]{ NamedGroup.sect571r1, NamedGroup.brainpoolP512r1, NamedGroup.secp384r1,
                    NamedGroup.secp256r1 });
            assertHandshakeAndEcho(server.port(), client, CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256);
            assertEquals(NamedGroup.secp256r1, client.group.get(), "the server's preference among the usable ones");
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void shouldRefuseWithHandshakeFailureWhenNoUsableGroupIsCommon() throws Exception
    {
        try (LoopbackHandoffServer server = new LoopbackHandoffServer(new SessionTable.Context()
            .credentials(certificate).failureLog((line) -> { })))
        {
            final RecordingClient client = new RecordingClient(false,
                new int[]{ CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 },
                new int[]{ NamedGroup.sect571r1, NamedGroup.brainpoolP512r1 });
            final TlsFatalAlertReceived alert = assertThrows(TlsFatalAlertReceived.class,
                () -> DtlsTestClient.connect(server.port(), client).close());
            assertEquals(AlertDescription.handshake_failure, alert.getAlertDescription(),
                "no common suite, not internal_error mid-handshake");
            awaitCondition(() -> server.table().failures().alert(AlertDescription.handshake_failure) == 1);
            assertEquals(0, server.table().failures().alert(AlertDescription.internal_error));
        }
    }

    private static void assertHandshakeAndEcho(final int port, final RecordingClient client, final int suite)
        throws Exception
    {
        try (DtlsTestClient connected = DtlsTestClient.connect(port, client))
        {
            assertEquals(suite, client.negotiated.get(), "negotiated 0x" +
                Integer.toHexString(client.negotiated.get()) + ", expected 0x" + Integer.toHexString(suite));
            final String line = "suite 0x" + Integer.toHexString(suite);
            assertEquals(line, connected.echo(line));
        }
    }

    private static void awaitCondition(final java.util.function.BooleanSupplier condition) throws InterruptedException
    {
        final long deadline = System.currentTimeMillis() + 10_000;
        while (!condition.getAsBoolean() && System.currentTimeMillis() < deadline)
        {
            Thread.sleep(10);
        }
        assertTrue(condition.getAsBoolean(), "condition not met in 10 s");
    }

    /**
     * A BouncyCastle client on its lightweight crypto offering exactly the given suites (and groups, when given),
     * recording the suite negotiated and the ECDHE group the server chose.
     */
    private static final class RecordingClient extends PSKTlsClient
    {
        private final boolean psk;
        private final int[] suites;
        private final int[] groups;
        private final AtomicInteger negotiated = new AtomicInteger(-1);
        private final AtomicInteger group;

        RecordingClient(final boolean psk, final int[] suites, final int[] groups)
        {
            this(psk, suites, groups, new AtomicInteger(-1));
        }

        private RecordingClient(final boolean psk, final int[] suites, final int[] groups, final AtomicInteger group)
        {
            super(new GroupRecordingCrypto(group), new BasicTlsPSKIdentity(IDENTITY, PSK));
            this.psk = psk;
            this.suites = suites;
            this.groups = groups;
            this.group = group;
        }

        @Override
        protected ProtocolVersion[] getSupportedVersions()
        {
            return ProtocolVersion.DTLSv12.only();
        }

        @Override
        protected int[] getSupportedCipherSuites()
        {
            return suites.clone();
        }

        @Override
        @SuppressWarnings({ "rawtypes", "unchecked" })
        protected Vector getSupportedGroups(final Vector namedGroupRoles)
        {
            if (null == groups)
            {
                return super.getSupportedGroups(namedGroupRoles);
            }
            final Vector vector = new Vector();
            for (final int g : groups)
            {
                vector.add(g);
            }
            return vector;
        }

        @Override
        public TlsAuthentication getAuthentication()
        {
            if (psk)
            {
                return null;
            }
            return new TlsAuthentication()
            {
                @Override
                public void notifyServerCertificate(final TlsServerCertificate serverCertificate)
                {
                }

                @Override
                public TlsCredentials getClientCredentials(final CertificateRequest certificateRequest)
                {
                    return null;
                }
            };
        }

        @Override
        public void notifyHandshakeComplete() throws java.io.IOException
        {
            super.notifyHandshakeComplete();
            negotiated.set(context.getSecurityParametersConnection().getCipherSuite());
        }

        @Override
        public int getHandshakeTimeoutMillis()
        {
            return DtlsTestClient.HANDSHAKE_TIMEOUT_MS;
        }
    }

    /**
     * BouncyCastle's lightweight crypto (every curve, CCM) noting the curve of each ECDHE domain it is asked for: on
     * a client, that is the group the server chose in its ServerKeyExchange.
     */
    private static final class GroupRecordingCrypto extends BcTlsCrypto
    {
        private final AtomicInteger group;

        GroupRecordingCrypto(final AtomicInteger group)
        {
            super(new SecureRandom());
            this.group = group;
        }

        @Override
        public TlsECDomain createECDomain(final TlsECConfig ecConfig)
        {
            group.set(ecConfig.getNamedGroup());
            return super.createECDomain(ecConfig);
        }
    }
}
