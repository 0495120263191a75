package io.turnstile.nativeio;

import io.turnstile.codec.PeerAddress;
import org.agrona.DirectBuffer;

/**
 * Told of each datagram from a peer in the worker's {@link AcceptedPeers}: such a peer has already proved its address
 * with a cookie, so its datagrams skip the verifier and go to the application (a DTLS handshake in progress, or
 * application data), counted as {@link WorkerCounter#PEER_DATAGRAMS}.
 * <p>
 * <b>Note:</b> called on the worker's thread inside its duty cycle, with buffers that are reused when it returns:
 * copy what must outlive the call, and do not block. Replies go through the worker's {@link Outbox}; it may also
 * add or remove peers of the worker's {@link AcceptedPeers} directly, being on its thread (other threads use the
 * worker's {@link PeerCommands}). It should not throw: an
 * exception ends the duty cycle there, goes to the agent runner's error handler, and the rest of the batch is lost.
 */
@FunctionalInterface
public interface PeerDatagramHandler
{
    /**
     * One datagram from an accepted peer.
     *
     * @param datagram the datagram, at offset 0.
     * @param length   of the datagram.
     * @param peer     the peer's address and port; a view valid during the call only.
     * @param value    what the hand-off attached to the peer ({@link AcceptedPeers#attach}), or
     *                 {@link AcceptedPeers#NO_VALUE}: found by the same lookup that found the peer.
     */
    void onPeerDatagram(DirectBuffer datagram, int length, PeerAddress peer, int value);
}
