package io.turnstile.server.handshake;

import org.agrona.DirectBuffer;

/**
 * Where a session's datagrams go out: in a server, the worker's {@code Outbox} ({@link OutboxOutput}); in a test, a
 * plain socket. Letting the peer go is not the session's business: its owner, the {@link SessionConductor}, releases
 * the peer through the worker's command queue when the session ends.
 * <p>
 * <b>Note:</b> called from session threads, concurrently: implementations must be thread safe and must not block.
 */
public interface PeerOutput
{
    /**
     * Send one datagram to a peer.
     *
     * @param peer   the peer.
     * @param buffer the datagram; read before this returns.
     * @param offset of the datagram.
     * @param length of the datagram.
     * @return false when it could not be queued (dropped, as UDP may; BouncyCastle retransmits).
     */
    boolean send(PeerKey peer, DirectBuffer buffer, int offset, int length);
}
