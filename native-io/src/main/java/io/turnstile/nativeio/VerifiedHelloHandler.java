package io.turnstile.nativeio;

import io.turnstile.codec.PeerAddress;
import io.turnstile.verifier.ClientHelloVerifier;
import org.agrona.DirectBuffer;

/**
 * Told of each ClientHello whose cookie verified: the peer owns its address, so this is where a real handshake, or a
 * hand-off to the game server, begins.
 * <p>
 * <b>Note:</b> called on the worker's thread inside its duty cycle, with buffers that are reused when it returns:
 * copy what must outlive the call, and do not block. Being on the worker's thread, it may accept the peer into the
 * worker's {@link AcceptedPeers} ({@code acceptedPeers.add(peer)}), so that
 * the peer's next datagrams go to the {@link PeerDatagramHandler} instead of the verifier.
 */
@FunctionalInterface
public interface VerifiedHelloHandler
{
    /** A handler that ignores verified hellos, for servers that only count them. */
    VerifiedHelloHandler NONE = (datagram, length, peer, verifier) -> {};

    /**
     * One verified hello.
     *
     * @param datagram the datagram, at offset 0.
     * @param length   of the datagram.
     * @param peer     the peer's address and port; a view valid during the call only.
     * @param verifier the verifier, whose getters describe the hello (sequence numbers, key id, fragment).
     */
    void onVerified(DirectBuffer datagram, int length, PeerAddress peer, ClientHelloVerifier verifier);
}
