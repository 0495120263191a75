package io.turnstile.server.handshake;

import io.turnstile.server.dtls.SrtpPolicy;
import io.turnstile.server.dtls.SrtpProfile;
import org.bouncycastle.tls.SRTPProtectionProfile;
import org.bouncycastle.tls.TlsSRTPUtils;
import org.bouncycastle.tls.UseSRTPData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The echo server's per-session report through the real hand-off: BouncyCastle clients with and without
 * {@code use_srtp} complete, each session gets one line (keys only when asked) and the counts by profile are in the
 * JSON.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class EchoSessionReportTest
{
    @Test
    void shouldReportEachSessionsProfileAndCountThemWithoutKeysUnlessAsked() throws Exception
    {
        final List<String> lines = new CopyOnWriteArrayList<>();
        final EchoSessionReport report = new EchoSessionReport(false, lines::add);
        final ServerCredentials credentials = ServerCredentials.selfSigned("report-test")
            .srtp(SrtpPolicy.of(SrtpProfile.SRTP_AES128_CM_HMAC_SHA1_80)).listener(report);
        try (LoopbackHandoffServer server = new LoopbackHandoffServer(new SessionTable.Context()
            .credentials(credentials).failureLog((line) -> { })))
        {
            try (DtlsTestClient srtp = DtlsTestClient.connect(server.port(), srtpClient()))
            {
                assertEquals("with srtp", srtp.echo("with srtp"));
            }
            try (DtlsTestClient plain = DtlsTestClient.connect(server.port(), DtlsTestClient.certificateClient()))
            {
                assertEquals("plain", plain.echo("plain"));
            }
        }
        assertEquals(1, report.sessions(SrtpProfile.SRTP_AES128_CM_HMAC_SHA1_80));
        assertEquals(1, report.sessions(null));
        assertEquals(2, lines.size(), lines::toString);
        assertTrue(lines.get(0).contains("SRTP SRTP_AES128_CM_HMAC_SHA1_80, MKI none"), lines.get(0));
        assertTrue(lines.get(1).contains("SRTP none"), lines.get(1));
        assertFalse(String.join("\n", lines).contains("keying material"), "no keys without the debug option");
        final StringBuilder json = new StringBuilder();
        report.appendJson(json);
        assertTrue(json.toString().startsWith(",\"srtp\":{\"SRTP_AES128_CM_HMAC_SHA1_80\":1,"), json::toString);
        assertTrue(json.toString().endsWith("\"none\":1}"), json::toString);
    }

    private static org.bouncycastle.tls.TlsClient srtpClient()
    {
        final org.bouncycastle.tls.DefaultTlsClient base = (org.bouncycastle.tls.DefaultTlsClient)
            DtlsTestClient.certificateClient();
        return new org.bouncycastle.tls.DefaultTlsClient(DtlsTestClient.CRYPTO)
        {
            @Override
            protected org.bouncycastle.tls.ProtocolVersion[] getSupportedVersions()
            {
                return org.bouncycastle.tls.ProtocolVersion.DTLSv12.only();
            }

            @Override
            @SuppressWarnings({ "rawtypes", "unchecked" })
            public Hashtable getClientExtensions() throws IOException
            {
                final Hashtable extensions = org.bouncycastle.tls.TlsExtensionsUtils
                    .ensureExtensionsInitialised(super.getClientExtensions());
                TlsSRTPUtils.addUseSRTPExtension(extensions, new UseSRTPData(
                    new int[]{ SRTPProtectionProfile.SRTP_AES128_CM_HMAC_SHA1_80 }, new byte[0]));
                return extensions;
            }

            @Override
            public org.bouncycastle.tls.TlsAuthentication getAuthentication() throws IOException
            {
                return base.getAuthentication();
            }
        };
    }
}
