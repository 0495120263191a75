package io.turnstile.server.handshake;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A session's whole life over real loopback sockets, with BouncyCastle's client going through core's verifier
 * (HVR, cookie hello) and then a real handshake against the session: continuity on the wire, echo, idle timeout.
 */
class PeerSessionTest
{
    private static final byte[] PSK_IDENTITY = "client1".getBytes(StandardCharsets.UTF_8);
    private static final byte[] PSK = new byte[32];

    private static ServerCredentials certificate;

    @BeforeAll
    static void credentials() throws Exception
    {
        certificate = ServerCredentials.selfSigned("turnstile-test");
    }

    @AfterAll
    static void none()
    {
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void shouldHandshakeWithCertificateAndEcho() throws Exception
    {
        try (LoopbackHandoffServer server = new LoopbackHandoffServer(new SessionTable.Context()
            .credentials(certificate)))
        {
            try (DtlsTestClient client = DtlsTestClient.connect(server.port(), DtlsTestClient.certificateClient()))
            {
                assertEquals("hello turnstile", client.echo("hello turnstile"));
                assertEquals("again", client.echo("again"));
                assertContinuity(server, client.localPeer());
            }
            assertEquals(1, server.table().completed());
            assertNull(server.failure());
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void shouldHandshakeWithPskAndEcho() throws Exception
    {
        try (LoopbackHandoffServer server = new LoopbackHandoffServer(new SessionTable.Context()
            .credentials(ServerCredentials.psk(PSK_IDENTITY, PSK))))
        {
            try (DtlsTestClient client = DtlsTestClient.connect(server.port(),
                DtlsTestClient.pskClient(PSK_IDENTITY, PSK)))
            {
                assertEquals("psk echo", client.echo("psk echo"));
                assertContinuity(server, client.localPeer());
            }
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void shouldCloseIdleSessionAndReleasePeer() throws Exception
    {
        try (LoopbackHandoffServer server = new LoopbackHandoffServer(new SessionTable.Context()
            .credentials(ServerCredentials.psk(PSK_IDENTITY, PSK)).idleTimeoutMillis(300)))
        {
            try (DtlsTestClient client = DtlsTestClient.connect(server.port(),
                DtlsTestClient.pskClient(PSK_IDENTITY, PSK)))
            {
                assertEquals("x", client.echo("x"));
                assertTrue(client.awaitClosedByServer(10_000), "the server closes an idle session with close_notify");
                while (server.table().liveSessions() > 0)
                {
                    Thread.sleep(10);
                }
                assertEquals(1, server.table().ended(PeerSession.End.IDLE_TIMED_OUT));
                assertEquals(1, server.released());
                assertNull(server.table().session(client.localPeer()));
            }
        }
    }

    static void assertContinuity(final LoopbackHandoffServer server, final PeerKey peer)
    {
        final LoopbackHandoffServer.Verified verified = server.verified(peer);
        assertNotNull(verified, "the peer's hello was verified");
        final byte[] first = server.firstSent(peer);
        assertNotNull(first, "the session sent its first flight");
        assertTrue(first.length >= 25);
        assertEquals(22, first[0], "handshake record");
        assertEquals(0, ((first[3] & 0xFF) << 8) | (first[4] & 0xFF), "epoch 0");
        long recordSeq = 0;
        for (int i = 5; i < 11; i++)
        {
            recordSeq = (recordSeq << 8) | (first[i] & 0xFF);
        }
        assertEquals(verified.recordSequenceNumber(), recordSeq,
            "RFC 6347 4.2.1: the ServerHello repeats the verified ClientHello's record sequence number");
        assertEquals(2, first[13], "the first message is the ServerHello");
        final int messageSeq = ((first[17] & 0xFF) << 8) | (first[18] & 0xFF);
        assertEquals(verified.messageSeq(), messageSeq,
            "the ServerHello's message_seq follows the ClientHello's (ClientHello 1 -> ServerHello 1)");
    }
}
