package io.turnstile.server.handshake;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AddressSessionLookupTest
{
    private static final PeerOutput NOWHERE = (peer, buffer, offset, length) -> true;

    private static PeerSession session(final PeerKey peer)
    {
        return new PeerSession(peer, 0, new PeerTransport(peer, NOWHERE, 4, 1472, 1452), new byte[0], 0, 0,
            null, null, null);
    }

    @Test
    void shouldFindASessionByItsPeersAddressAndPortOnly()
    {
        final AddressSessionLookup lookup = new AddressSessionLookup();
        final PeerKey peer = PeerKey.of(new byte[]{ 127, 0, 0, 1 }, 4000);
        final PeerSession session = session(peer);
        lookup.add(session);
        final UnsafeBuffer datagram = new UnsafeBuffer(new byte[13]);

        assertSame(session, lookup.find(PeerKey.of(new byte[]{ 127, 0, 0, 1 }, 4000).peer(), datagram, 0, 13));
        assertSame(session, lookup.findByPeer(PeerKey.of(new byte[]{ 127, 0, 0, 1 }, 4000)));
        assertNull(lookup.find(PeerKey.of(new byte[]{ 127, 0, 0, 1 }, 4001).peer(), datagram, 0, 13),
            "another port is another peer");
        assertEquals(1, lookup.size());
        assertFalse(lookup.remove(session(peer)), "only the session held is removed");
        assertTrue(lookup.remove(session));
        assertEquals(0, lookup.size());
    }
}
