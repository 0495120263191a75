package io.turnstile.nativeio;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PeerCommandsTest
{
    private static final byte[] ADDRESS = {127, 0, 0, 1};

    private final PeerScratch scratch = new PeerScratch();
    private final UnsafeBuffer key = new UnsafeBuffer(ADDRESS);

    @Test
    @Timeout(10)
    void shouldRefuseAndCountOffersWhenFullThenTakeThemOnceDrained()
    {
        final PeerCommands commands = new PeerCommands(PeerCommands.MIN_CAPACITY_BYTES);
        int accepted = 0;
        while (commands.offerRelease(scratch.at(key, 0, 4, accepted)))
        {
            accepted++;
        }
        assertTrue(accepted >= 30, "32-byte records: about 32 fill the smallest ring, got " + accepted);
        assertEquals(1, commands.rejected());
        assertFalse(commands.offerAccept(scratch.at(key, 0, 4, 1)));
        assertEquals(2, commands.rejected());

        final AcceptedPeers peers = new AcceptedPeers(1024);
        for (int port = 0; port < accepted; port++)
        {
            assertTrue(peers.add(scratch.at(key, 0, 4, port)));
        }
        assertEquals(accepted, commands.drain(peers, accepted + 1));
        assertEquals(0, peers.size(), "every RELEASE drained removed its peer");
        assertTrue(commands.offerRelease(scratch.at(key, 0, 4, 1)), "room again once drained");
        assertEquals(2, commands.rejected());
    }

    @Test
    @Timeout(10)
    void shouldApplyAReleaseAndALaterAcceptOfTheSamePeerInOrder()
    {
        // A session ended (release) and the same address and port was admitted again (accept): the peer stays.
        final PeerCommands commands = new PeerCommands(PeerCommands.MIN_CAPACITY_BYTES);
        final AcceptedPeers peers = new AcceptedPeers(8);
        assertTrue(peers.add(scratch.at(key, 0, 4, 1)));
        assertTrue(peers.add(scratch.at(key, 0, 4, 2)));
        assertTrue(commands.offerRelease(scratch.at(key, 0, 4, 1)));
        assertTrue(commands.offerAccept(scratch.at(key, 0, 4, 1)));
        assertTrue(commands.offerRelease(scratch.at(key, 0, 4, 2)));
        assertEquals(3, commands.drain(peers, 8));
        assertTrue(peers.contains(scratch.at(key, 0, 4, 1)), "the accept after the release kept the peer");
        assertFalse(peers.contains(scratch.at(key, 0, 4, 2)), "the other release removed its peer");
    }

    @Test
    @Timeout(10)
    void shouldAttachAValueToAnAcceptedPeerAndIgnoreAnAttachAfterItsRelease()
    {
        final PeerCommands commands = new PeerCommands(PeerCommands.MIN_CAPACITY_BYTES);
        final AcceptedPeers peers = new AcceptedPeers(8);
        assertTrue(peers.add(scratch.at(key, 0, 4, 1)));
        assertTrue(peers.add(scratch.at(key, 0, 4, 2)));
        assertEquals(AcceptedPeers.NO_VALUE, peers.valueOf(scratch.at(key, 0, 4, 1)), "added, nothing attached");
        assertTrue(commands.offerAttach(scratch.at(key, 0, 4, 1), 77));
        assertTrue(commands.offerRelease(scratch.at(key, 0, 4, 2)));
        assertTrue(commands.offerAttach(scratch.at(key, 0, 4, 2), 78));
        assertEquals(3, commands.drain(peers, 8));
        assertEquals(77, peers.valueOf(scratch.at(key, 0, 4, 1)), "the ATTACH's value, read by the worker's lookup");
        assertEquals(AcceptedPeers.ABSENT, peers.valueOf(scratch.at(key, 0, 4, 2)),
            "an attach to a released peer does not bring it back");
        assertEquals(1, peers.size());
    }

    @Test
    @Timeout(10)
    void shouldCountAnAcceptTheFullSetCannotTake()
    {
        final PeerCommands commands = new PeerCommands(PeerCommands.MIN_CAPACITY_BYTES);
        final AcceptedPeers peers = new AcceptedPeers(1);
        assertTrue(commands.offerAccept(scratch.at(key, 0, 4, 1)));
        assertTrue(commands.offerAccept(scratch.at(key, 0, 4, 2)));
        assertEquals(2, commands.drain(peers, 8));
        assertEquals(1, peers.size());
        assertEquals(1, commands.acceptRefused());
    }

    @Test
    @Timeout(10)
    void shouldTakeEveryWaitingCommandAcrossTheRingsWrap()
    {
        final PeerCommands commands = new PeerCommands(PeerCommands.MIN_CAPACITY_BYTES);
        final AcceptedPeers peers = new AcceptedPeers(64);
        for (int round = 0; round < 5; round++)
        {
            for (int port = 0; port < 20; port++)
            {
                assertTrue(peers.add(scratch.at(key, 0, 4, port)));
                assertTrue(commands.offerRelease(scratch.at(key, 0, 4, port)), "round " + round + " offer " + port);
            }
            int drained = 0;
            while (drained < 20)
            {
                final int taken = commands.drain(peers, 64);
                assertTrue(taken > 0, "round " + round);
                drained += taken;
            }
            assertEquals(20, drained);
            assertEquals(0, peers.size());
            assertEquals(0, commands.size());
        }
        assertEquals(0, commands.rejected());
    }

    @Test
    void shouldRefuseMisuseByName()
    {
        assertThrows(IllegalArgumentException.class, () -> new PeerCommands(1000), "not a power of two");
        assertThrows(IllegalArgumentException.class, () -> new PeerCommands(512), "too small");
        assertThrows(IllegalArgumentException.class,
            () -> new PeerCommands(PeerCommands.MIN_CAPACITY_BYTES).offer(3, scratch.at(key, 0, 4, 1)));
    }
}
