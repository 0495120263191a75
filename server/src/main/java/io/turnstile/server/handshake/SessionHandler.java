package io.turnstile.server.handshake;

import org.bouncycastle.tls.DTLSTransport;
import org.bouncycastle.tls.TlsServer;

import java.io.IOException;

/**
 * What the application does with a peer once the hand-off's handshake completed, and what it learns when one fails:
 * without one, the session runs the echo server's loop.
 * <pre>{@code
 * new SessionTable.Context()
 *     .serverFactory((peer, hello) -> new MyDtlsServer(...))          // the application's own TlsServer
 *     .sessionHandler(new SessionHandler()
 *     {
 *         public void onEstablished(PeerKey peer, TlsServer server, DTLSTransport dtls) throws IOException
 *         {
 *             // server.getContext().getSecurityParametersConnection(): suite, SRTP profile, certificates...
 *             byte[] buf = new byte[dtls.getReceiveLimit()];
 *             int n;
 *             while ((n = dtls.receive(buf, 0, buf.length, 30_000)) >= 0) { handle(peer, buf, n, dtls); }
 *         }
 *
 *         public void onHandshakeFailed(PeerKey peer, String cause) { log.info(peer + ": " + cause); }
 *     });
 * }</pre>
 * <p>
 * <b>Note:</b> {@link #onEstablished} runs on the session's own thread (virtual by default) and the session lasts as
 * long as it does; the hand-off closes the {@code DTLSTransport} (close_notify) when it returns or throws. Its
 * receives end with {@link PeerTransport.IdleExpiredException} once the idle timeout passes and with an
 * {@link IOException} when the server shuts down: let them propagate.
 */
public interface SessionHandler
{
    /**
     * A handshake completed: serve the peer until done.
     *
     * @param peer   the peer.
     * @param server the server the {@link TlsServerFactory} made, for the negotiated parameters.
     * @param dtls   the established connection.
     * @throws IOException when the connection fails or times out; the session then ends.
     */
    void onEstablished(PeerKey peer, TlsServer server, DTLSTransport dtls) throws IOException;

    /**
     * A handshake failed or timed out (also counted in the session table's failures by cause).
     *
     * @param peer  the peer.
     * @param cause why, as the failure log says it: the alert and who sent it, or the timeout.
     */
    default void onHandshakeFailed(final PeerKey peer, final String cause)
    {
    }
}
