package io.turnstile.server.handshake;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SessionSlotsTest
{
    private static final PeerOutput NOWHERE = (peer, buffer, offset, length) -> true;

    private static PeerTransport transport(final int port)
    {
        return new PeerTransport(PeerKey.of(new byte[]{ 127, 0, 0, 1 }, port), NOWHERE, 4, 1500, 1500);
    }

    @Test
    void shouldGiveEachLiveSessionASlotAndRefuseBeyondTheCapacity()
    {
        final SessionSlots slots = new SessionSlots(2);
        final PeerTransport first = transport(1);
        final PeerTransport second = transport(2);
        assertEquals(0, slots.claim(first), "lowest slot first");
        assertEquals(1, slots.claim(second));
        assertEquals(-1, slots.claim(transport(3)), "every slot taken");
        assertSame(first, slots.get(0, PeerKey.of(new byte[]{ 127, 0, 0, 1 }, 1).peer()));
        assertSame(second, slots.get(1, PeerKey.of(new byte[]{ 127, 0, 0, 1 }, 2).peer()));
        assertEquals(0, slots.free());
    }

    @Test
    void shouldAnswerNullForAStaleSlotNowHeldByAnotherPeer()
    {
        // The worker of peer 1 has not applied its RELEASE yet when slot 0 goes to peer 2's new session.
        final SessionSlots slots = new SessionSlots(1);
        assertEquals(0, slots.claim(transport(1)));
        slots.free(0);
        assertNull(slots.get(0, PeerKey.of(new byte[]{ 127, 0, 0, 1 }, 1).peer()), "a freed slot holds nothing");
        final PeerTransport next = transport(2);
        assertEquals(0, slots.claim(next));
        assertNull(slots.get(0, PeerKey.of(new byte[]{ 127, 0, 0, 1 }, 1).peer()), "not peer 1's any more");
        assertSame(next, slots.get(0, PeerKey.of(new byte[]{ 127, 0, 0, 1 }, 2).peer()));
        assertNull(slots.get(7, PeerKey.of(new byte[]{ 127, 0, 0, 1 }, 2).peer()), "out of range is no slot");
        assertNull(slots.get(-1, PeerKey.of(new byte[]{ 127, 0, 0, 1 }, 2).peer()));
    }

    @Test
    void shouldRefuseMisuseByName()
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> new SessionSlots(0));
        assertEquals("capacity must be 1 or more, got 0", ex.getMessage());
    }
}
