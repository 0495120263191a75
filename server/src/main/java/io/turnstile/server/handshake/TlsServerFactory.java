package io.turnstile.server.handshake;

import org.bouncycastle.tls.TlsServer;

/**
 * Makes the BouncyCastle {@link TlsServer} that handshakes with one verified peer: the application's own server (its
 * suites, DTLS-SRTP, client certificates, PSK lookup), where {@link ServerCredentials#newServer} is only the echo
 * server's. Extend {@code io.turnstile.server.dtls.TurnstileDtlsServer} to keep the interop defaults (no renegotiation
 * indication required, only key-exchange groups that work, the CCM suites).
 * <p>
 * Whatever server it returns, the hand-off counts a failed handshake by its cause (the alert BouncyCastle raised or
 * received, or the timeout) and tells the {@link SessionHandler}.
 * <p>
 * <b>Note:</b> called on the session's own thread, once per verified peer, before the handshake starts; it may block
 * (e.g. look the peer up) but every millisecond counts against the handshake timeout.
 */
@FunctionalInterface
public interface TlsServerFactory
{
    /**
     * A server for one peer.
     *
     * @param peer        the verified peer: it proved it owns this address and port.
     * @param clientHello the verified ClientHello as one DTLS record (reassembled when it came in fragments); the
     *                    application may read its extensions, e.g. the SNI or the SRTP profiles offered.
     * @return a new server, not shared with another handshake.
     * @throws java.io.IOException to refuse the peer: the session ends as a failed handshake with this cause.
     */
    TlsServer newServer(PeerKey peer, byte[] clientHello) throws java.io.IOException;
}
