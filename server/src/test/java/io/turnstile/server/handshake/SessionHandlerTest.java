package io.turnstile.server.handshake;

import org.bouncycastle.tls.DTLSTransport;
import org.bouncycastle.tls.PSKTlsServer;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.TlsPSKIdentityManager;
import org.bouncycastle.tls.TlsServer;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCryptoProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The application's own BouncyCastle server ({@link TlsServerFactory}, here a plain {@code PSKTlsServer} that knows
 * nothing of Turnstile) and its own session loop ({@link SessionHandler}) behind the hand-off, with a real
 * BouncyCastle client on loopback.
 */
class SessionHandlerTest
{
    private static final byte[] IDENTITY = "app".getBytes(StandardCharsets.UTF_8);
    private static final byte[] PSK = "an application's own 32-byte key".getBytes(StandardCharsets.US_ASCII);

    private final List<String> events = new CopyOnWriteArrayList<>();

    private static TlsServer applicationServer()
    {
        return new PSKTlsServer(new JcaTlsCryptoProvider().create(new SecureRandom()),
            new TlsPSKIdentityManager()
            {
                @Override
                public byte[] getHint()
                {
                    return null;
                }

                @Override
                public byte[] getPSK(final byte[] identity)
                {
                    return java.util.Arrays.equals(IDENTITY, identity) ? PSK.clone() : null;
                }
            })
        {
            @Override
            protected ProtocolVersion[] getSupportedVersions()
            {
                return ProtocolVersion.DTLSv12.only();
            }
        };
    }

    private SessionTable.Context context()
    {
        return new SessionTable.Context()
            .serverFactory((peer, hello) ->
            {
                events.add("server for " + peer.port() + ", hello of " + hello.length + " bytes");
                return applicationServer();
            })
            .sessionHandler(new SessionHandler()
            {
                @Override
                public void onEstablished(final PeerKey peer, final TlsServer server, final DTLSTransport dtls)
                    throws IOException
                {
                    events.add("established " + peer.port() + " suite " +
                        server.getClass().getSuperclass().getSimpleName());
                    final byte[] buffer = new byte[dtls.getReceiveLimit()];
                    final int length = dtls.receive(buffer, 0, buffer.length, 10_000);
                    final byte[] reply = new String(buffer, 0, length, StandardCharsets.UTF_8)
                        .toUpperCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8);
                    dtls.send(reply, 0, reply.length);
                }

                @Override
                public void onHandshakeFailed(final PeerKey peer, final String cause)
                {
                    events.add("failed " + peer.port() + ": " + cause);
                }
            });
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void shouldRunTheApplicationsServerAndSessionLoopForAVerifiedPeer() throws Exception
    {
        try (LoopbackHandoffServer server = new LoopbackHandoffServer(context());
            DtlsTestClient client = DtlsTestClient.connect(server.port(), DtlsTestClient.pskClient(IDENTITY, PSK)))
        {
            assertEquals("HELLO APPLICATION", client.echo("hello application"), "the application's loop answered");
            final int port = client.localPeer().port();
            assertTrue(events.get(0).startsWith("server for " + port + ", hello of "), events::toString);
            assertEquals("established " + port + " suite PSKTlsServer", events.get(1));
            assertTrue(client.awaitClosedByServer(10_000), "the hand-off closes the connection when the loop returns");
            while (server.table().liveSessions() > 0)
            {
                Thread.sleep(10);
            }
            assertEquals(1, server.table().ended(PeerSession.End.CLOSED));
            assertEquals(0, server.table().echoed(), "not the echo loop");
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void shouldCountAFailedHandshakeByCauseAndTellTheApplication() throws Exception
    {
        final byte[] stranger = "stranger".getBytes(StandardCharsets.UTF_8);
        try (LoopbackHandoffServer server = new LoopbackHandoffServer(context()))
        {
            assertThrows(IOException.class,
                () -> DtlsTestClient.connect(server.port(), DtlsTestClient.pskClient(stranger, PSK, 3_000)));
            while (server.table().liveSessions() > 0)
            {
                Thread.sleep(10);
            }
            assertEquals(1, server.table().ended(PeerSession.End.HANDSHAKE_FAILED));
            assertEquals(1, server.table().failures().total(), "counted by cause, whatever server the application brought");
            final String failed = events.stream().filter((e) -> e.startsWith("failed ")).findFirst().orElseThrow();
            assertTrue(failed.contains("unknown_psk_identity sent"), failed);
            assertEquals(1, server.table().failures().alert(115), "unknown_psk_identity (115)");
        }
    }

    @Test
    void shouldRefuseAContextWithNeitherCredentialsNorAServerFactory()
    {
        final NullPointerException ex =
            assertThrows(NullPointerException.class, () -> new SessionTable.Context().conclude());
        assertEquals("credentials (a certificate or a PSK) or a serverFactory (the application's own server) must be set",
            ex.getMessage());
    }
}
