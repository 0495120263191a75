package io.turnstile.server.handshake;

import io.turnstile.codec.PeerAddress;
import io.turnstile.nativeio.AcceptedPeers;
import io.turnstile.nativeio.PeerCommands;
import org.agrona.concurrent.AgentInvoker;
import org.agrona.concurrent.CachedEpochClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The conductor on the test's thread (an {@link AgentInvoker}), fed through the same proxy a worker uses: admission
 * and caps, releases through the worker's command queue (kept and retried in order when it is full), orphans.
 */
class SessionConductorTest
{
    private static final PeerOutput NOWHERE = (peer, buffer, offset, length) -> true;
    private static ServerCredentials certificate;

    private final List<AutoCloseable> closeables = new ArrayList<>();

    @BeforeAll
    static void credentials() throws Exception
    {
        certificate = ServerCredentials.selfSigned("turnstile-test");
    }

    @AfterEach
    void close() throws Exception
    {
        for (final AutoCloseable closeable : closeables)
        {
            closeable.close();
        }
    }

    private AgentInvoker invoker(final SessionConductor conductor)
    {
        final AgentInvoker invoker = new AgentInvoker(Throwable::printStackTrace, null, conductor);
        invoker.start();
        closeables.add(invoker);
        return invoker;
    }

    private static void invokeUntil(final AgentInvoker invoker, final BooleanSupplier done) throws InterruptedException
    {
        while (!done.getAsBoolean())
        {
            if (invoker.invoke() == 0)
            {
                Thread.sleep(1);
            }
        }
    }

    private static PeerAddress peer(final int port)
    {
        return PeerKey.of(new byte[]{ 127, 0, 0, 1 }, port).peer();
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void shouldEndRefusedWhenTheVerifiedHelloCannotStartTheAssemblyAndReleaseThePeer() throws Exception
    {
        final byte[] oversized = Corpus.load("openssl-dtls12-mtu256-ch2-cookie-frag1.bin");
        final int length = ClientHelloAssembler.MAX_HELLO_LENGTH + 1;
        oversized[14] = (byte)(length >>> 16);
        oversized[15] = (byte)(length >>> 8);
        oversized[16] = (byte)length;
        final SessionConductor conductor = new SessionConductor(
            new SessionTable(new SessionTable.Context().credentials(certificate)), 64 << 10);
        final PeerCommands commands = new PeerCommands(PeerCommands.MIN_CAPACITY_BYTES);
        final WorkerLink link = conductor.attach(commands, NOWHERE);
        final AgentInvoker invoker = invoker(conductor);
        final AcceptedPeers acceptedPeers = new AcceptedPeers(8);
        assertTrue(acceptedPeers.add(peer(4000)));

        assertTrue(conductor.proxy().verified(link.id(), peer(4000), new UnsafeBuffer(oversized), oversized.length,
            1, 1, true));
        final SessionTable table = conductor.table();
        invokeUntil(invoker, () -> table.ended(PeerSession.End.HELLO_REFUSED) == 1);
        assertEquals(1, table.created());
        assertEquals(1, table.ended(PeerSession.End.HELLO_REFUSED),
            "refused for what was verified, not left waiting for a tail that could replace it");
        assertEquals(0, table.ended(PeerSession.End.HELLO_TIMED_OUT));
        assertEquals(2, commands.drain(acceptedPeers, 8), "the admitted session's ATTACH, then its RELEASE");
        assertFalse(acceptedPeers.contains(peer(4000)), "the ended session's peer was released to its worker");
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void shouldRefuseOverTheSessionCapReleaseThePeerAndKeepWhatTheVerifierKnew() throws Exception
    {
        final byte[] hello = Corpus.load("openssl-dtls12-ch2-cookie.bin");
        final SessionConductor conductor = new SessionConductor(new SessionTable(new SessionTable.Context()
            .credentials(certificate).maxSessions(1).handshakeTimeoutMillis(60_000)), 64 << 10);
        final PeerCommands commands = new PeerCommands(PeerCommands.MIN_CAPACITY_BYTES);
        final WorkerLink link = conductor.attach(commands, NOWHERE);
        final AgentInvoker invoker = invoker(conductor);
        final SessionTable table = conductor.table();

        assertTrue(conductor.proxy().verified(link.id(), peer(1), new UnsafeBuffer(hello), hello.length, 7, 1, false));
        assertTrue(conductor.proxy().verified(link.id(), peer(2), new UnsafeBuffer(hello), hello.length, 9, 1, false));
        invokeUntil(invoker, () -> table.admissions(SessionTable.Admission.REFUSED_SESSIONS) == 1);
        assertEquals(1, table.created());
        assertEquals(1, link.counters().refused());
        final PeerSession session = table.session(PeerKey.of(new byte[]{ 127, 0, 0, 1 }, 1));
        assertNotNull(session);
        assertEquals(7, session.verifiedRecordSequenceNumber(), "the verifier's record sequence number came along");
        assertEquals(1, session.verifiedMessageSeq());

        final AcceptedPeers acceptedPeers = new AcceptedPeers(8);
        assertTrue(acceptedPeers.add(peer(1)));
        assertTrue(acceptedPeers.add(peer(2)));
        assertEquals(2, commands.drain(acceptedPeers, 8), "ATTACH for the admitted peer, RELEASE for the refused");
        assertTrue(acceptedPeers.contains(peer(1)), "the admitted peer stays accepted");
        assertFalse(acceptedPeers.contains(peer(2)), "the refused peer goes back to the verifier");
        final int slot = acceptedPeers.valueOf(peer(1));
        assertSame(session.transport(), conductor.slots().get(slot, peer(1)),
            "the worker now finds the session's transport by the attached slot, without the conductor");
        assertNull(conductor.slots().get(slot, peer(2)), "a slot answers only for its own peer");
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void shouldKeepReleasesAFullCommandQueueRefusedAndOfferThemInOrderOnLaterCycles() throws Exception
    {
        final byte[] hello = Corpus.load("openssl-dtls12-ch2-cookie.bin");
        final SessionConductor conductor = new SessionConductor(new SessionTable(new SessionTable.Context()
            .credentials(certificate).maxSessionsPerAddress(1).handshakeTimeoutMillis(60_000)), 1 << 20);
        final PeerCommands commands = new PeerCommands(PeerCommands.MIN_CAPACITY_BYTES);
        final WorkerLink link = conductor.attach(commands, NOWHERE);
        final AgentInvoker invoker = invoker(conductor);
        final SessionTable table = conductor.table();
        final int refused = 100;
        final AcceptedPeers acceptedPeers = new AcceptedPeers(256);
        for (int port = 1; port <= 1 + refused; port++)
        {
            assertTrue(acceptedPeers.add(peer(port)));
            assertTrue(conductor.proxy().verified(
                link.id(), peer(port), new UnsafeBuffer(hello), hello.length, 0, 1, false));
        }
        invokeUntil(invoker, () -> table.admissions(SessionTable.Admission.REFUSED_ADDRESS) == refused);
        assertTrue(link.counters().releasesDeferred() > 0, "the command queue could not take them all at once");
        assertTrue(link.pendingReleases() > 0);

        final List<Integer> releasedInOrder = new ArrayList<>();
        while (releasedInOrder.size() < refused)
        {
            invoker.invoke();
            final int before = acceptedPeers.size();
            commands.drain(acceptedPeers, 4);
            final int applied = before - acceptedPeers.size();
            for (int i = 0; i < applied; i++)
            {
                releasedInOrder.add(releasedInOrder.size() + 2);
            }
            for (int port = 2; port < 2 + releasedInOrder.size(); port++)
            {
                assertFalse(acceptedPeers.contains(peer(port)), "port " + port + " released in order");
            }
            for (int port = 2 + releasedInOrder.size(); port <= 1 + refused; port++)
            {
                assertTrue(acceptedPeers.contains(peer(port)), "port " + port + " not released before its turn");
            }
        }
        assertEquals(0, link.pendingReleases(), "every release reached the worker: none lost");
        assertTrue(acceptedPeers.contains(peer(1)), "the one admitted peer stays accepted");
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void shouldCountADatagramForAPeerWithNoSessionAsAnOrphan() throws Exception
    {
        final SessionConductor conductor = new SessionConductor(
            new SessionTable(new SessionTable.Context().credentials(certificate)), 64 << 10);
        final WorkerLink link = conductor.attach(new PeerCommands(PeerCommands.MIN_CAPACITY_BYTES), NOWHERE);
        final AgentInvoker invoker = invoker(conductor);
        assertTrue(conductor.proxy().datagram(link.id(), peer(5), new UnsafeBuffer(new byte[40]), 40));
        invokeUntil(invoker, () -> link.counters().orphanDatagrams() == 1);
        assertEquals(0, conductor.table().created());
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void shouldTimeAHandshakeOutByItsOwnDeadlinesNotTheSessionsWaits() throws Exception
    {
        // The conductor's clock is an hour ahead: every deadline it keeps has passed, while the session's own
        // backstop (BouncyCastle's timer, a minute away) has not. Ending within the test's timeout is the conductor's.
        final byte[] hello = Corpus.load("openssl-dtls12-ch2-cookie.bin");
        final CachedEpochClock clock = new CachedEpochClock();
        final SessionConductor conductor = new SessionConductor(new SessionTable(new SessionTable.Context()
            .credentials(certificate).handshakeTimeoutMillis(60_000)), 64 << 10, clock);
        final PeerCommands commands = new PeerCommands(PeerCommands.MIN_CAPACITY_BYTES);
        final WorkerLink link = conductor.attach(commands, NOWHERE);
        final AgentInvoker invoker = invoker(conductor);
        final SessionTable table = conductor.table();
        clock.update(System.currentTimeMillis());
        assertTrue(conductor.proxy().verified(link.id(), peer(1), new UnsafeBuffer(hello), hello.length, 0, 1, false));
        invokeUntil(invoker, () -> table.created() == 1);
        final PeerSession session = table.session(PeerKey.of(new byte[]{ 127, 0, 0, 1 }, 1));
        while (session.transport().phase() != PeerTransport.HANDSHAKING)
        {
            Thread.sleep(1);
        }
        clock.update(System.currentTimeMillis() + TimeUnit.HOURS.toMillis(1));
        invokeUntil(invoker, () -> table.ended(PeerSession.End.HANDSHAKE_TIMED_OUT) == 1);
        assertEquals(1, table.failures().timeouts());
        assertEquals(0, table.liveSessions());
        assertEquals(0, table.handshakesInProgress());
        final AcceptedPeers acceptedPeers = new AcceptedPeers(8);
        assertTrue(acceptedPeers.add(peer(1)));
        assertEquals(2, commands.drain(acceptedPeers, 8), "the session's ATTACH, then its RELEASE");
        assertFalse(acceptedPeers.contains(peer(1)), "the timed-out peer was released");
        assertEquals(table.context().maxSessions(), conductor.slots().free(), "and its slot taken back");
    }
}
