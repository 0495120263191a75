package io.turnstile.server.handshake;

/**
 * Where a session's datagrams go out and how its peer is let go: in a server, the worker's {@code Outbox}
 * ({@code offerSend}, {@code offerRelease}); in a test, a plain socket.
 * <p>
 * <b>Note:</b> called from handshake threads, concurrently: implementations must be thread safe and must not block.
 */
public interface PeerOutput
{
    /**
     * Send one datagram to a peer.
     *
     * @param peer   the peer.
     * @param buffer the datagram.
     * @param offset of the datagram.
     * @param length of the datagram.
     * @return false when it could not be queued (dropped, as UDP may; BouncyCastle retransmits).
     */
    boolean send(PeerKey peer, byte[] buffer, int offset, int length);

    /**
     * Tell the worker to forget the peer: its datagrams go through the verifier again.
     *
     * @param peer the peer whose session ended.
     * @return false when the request could not be queued.
     */
    boolean release(PeerKey peer);
}
