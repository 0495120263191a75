package io.turnstile.server.handshake;

import io.turnstile.codec.PeerAddress;
import org.agrona.DirectBuffer;

import java.util.HashMap;

/**
 * Sessions found by their peer's address and port: the one key a DTLS 1.2 session without a Connection ID has. One
 * probe key is reused for every lookup, so finding a session allocates nothing.
 * <p>
 * <b>Note:</b> conductor thread only.
 */
public final class AddressSessionLookup implements SessionLookup
{
    private final HashMap<PeerKey, PeerSession> sessions = new HashMap<>();
    private final PeerKey probe = new PeerKey();

    /**
     * An empty lookup.
     */
    public AddressSessionLookup()
    {
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public PeerSession find(final PeerAddress source, final DirectBuffer datagram, final int offset, final int length)
    {
        return sessions.get(probe.set(source));
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public PeerSession findByPeer(final PeerKey peer)
    {
        return sessions.get(peer);
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void add(final PeerSession session)
    {
        sessions.put(session.peer(), session);
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public boolean remove(final PeerSession session)
    {
        return sessions.remove(session.peer(), session);
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public int size()
    {
        return sessions.size();
    }

}
