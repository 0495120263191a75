package io.turnstile.server.handshake;

import io.turnstile.codec.PeerAddress;
import org.agrona.DirectBuffer;

/**
 * How the {@link SessionConductor} finds the session a datagram belongs to. Today sessions are found by the peer's
 * address and port ({@link AddressSessionLookup}); a DTLS 1.2 Connection ID (RFC 9146: records of content type
 * tls12_cid, 25, carry the id after the sequence number) would be found by the id in the record instead, so a session
 * survives its peer's NAT rebinding. The lookup is given the datagram as well as its source for that reason.
 * <p>
 * <b>Note:</b> conductor thread only; {@link #find} must not allocate.
 */
public interface SessionLookup
{
    /**
     * The session a datagram belongs to.
     *
     * @param source   where it came from.
     * @param datagram the datagram.
     * @param offset   of the datagram.
     * @param length   of the datagram.
     * @return the session, or null.
     */
    PeerSession find(PeerAddress source, DirectBuffer datagram, int offset, int length);

    /**
     * The session a verified peer already has, if any (by its address: a new peer has no id yet).
     *
     * @param peer the peer.
     * @return the session, or null.
     */
    PeerSession findByPeer(PeerKey peer);

    /**
     * Index a new session under every key it can be found by.
     *
     * @param session the session.
     */
    void add(PeerSession session);

    /**
     * Forget a session under every key.
     *
     * @param session the session.
     * @return false when it was not indexed (already removed).
     */
    boolean remove(PeerSession session);

    /**
     * Sessions indexed.
     *
     * @return the count.
     */
    int size();

}
