package io.turnstile.nativeio;

import io.turnstile.codec.HelloVerifyRequestEncoder;
import io.turnstile.verifier.ClientHelloVerifier;
import io.turnstile.verifier.VerifierCounters;
import io.turnstile.verifier.VerifyOutcome;
import org.agrona.concurrent.AgentInvoker;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The worker's whole duty cycle allocates nothing in steady state: over a million real ClientHellos sent on loopback,
 * each received in a batch, verified, answered with a HelloVerifyRequest and flushed, the thread's allocated-bytes
 * counter does not move after warm-up.
 * <p>
 * The client is a native socket and the agent runs under an {@link AgentInvoker}, both on the test thread, so all
 * the work is measured. As in {@link MmsgBatchSocketAllocationTest}, up to {@value AllocationWindows#MAX_WINDOWS} windows are measured
 * and the last must be exactly zero, so a one-off JIT deoptimisation does not fail the test while an allocation per
 * datagram or per batch, which shows in every window, does.
 */
class VerifierAgentAllocationTest
{
    private static final PeerScratch SCRATCH = new PeerScratch();
    private static final long NOW_MS = 1_800_000_000_000L;
    private static final int BATCH = 64;
    private static final int WARM_UP_RUNS = 64;
    private static final int WARM_UP_HELLOS = 4096;
    private static final int HELLOS = 1_048_576;
    private static final int MAX_EMPTY_POLLS = 10_000_000;

    @Test
    @Timeout(180)
    void shouldAllocateNothingOverAMillionHellosAnswered()
    {
        assumeTrue(LibC.isAvailable());
        final AllocationWindows allocation = AllocationWindows.assumeSupported();

        final InetAddress loopback = InetAddress.getLoopbackAddress();
        final CountersManager countersManager = new CountersManager(
            new UnsafeBuffer(ByteBuffer.allocateDirect(64 * 1024)),
            new UnsafeBuffer(ByteBuffer.allocateDirect(16 * 1024)));
        final AtomicCounter[] counters = WorkerCounter.allocate(countersManager, 0);
        final VerifierAgent agent = new VerifierAgent(new VerifierAgent.Context()
            .sockets(() -> new MmsgBatchSocket(new BatchSocket.Context().bindAddress(loopback).batchSize(BATCH)))
            .verifier(new ClientHelloVerifier(new ClientHelloVerifier.Context()
                .counters(new VerifierCounters(countersManager, 0))))
            .clock(() -> NOW_MS)
            .counters(counters));
        final List<Throwable> errors = new ArrayList<>();

        try (AgentInvoker invoker = new AgentInvoker(errors::add, null, agent);
            MmsgBatchSocket client = new MmsgBatchSocket(
                new BatchSocket.Context().bindAddress(loopback).batchSize(BATCH)))
        {
            invoker.start();
            final UnsafeBuffer serverAddress = new UnsafeBuffer(loopback.getAddress());
            final int serverPort = agent.socket().localPort();
            final UnsafeBuffer hello = new UnsafeBuffer(VerifierAgentTest.HELLO);
            final AtomicCounter received = counters[WorkerCounter.RECEIVED.ordinal()];
            final int replyLength = expectedReplyLength(hello);

            long replyBytes = 0;
            for (int i = 0; i < WARM_UP_RUNS; i++)
            {
                replyBytes += run(invoker, received, client, hello, serverAddress, serverPort, WARM_UP_HELLOS);
            }
            replyBytes += allocation.measure(
                () -> run(invoker, received, client, hello, serverAddress, serverPort, HELLOS));

            assertEquals(0, allocation.lastAllocated(), "bytes allocated over " + HELLOS + " hellos, per window: " +
                allocation + " (is the JVM running with LibC.JIT_FLAGS?)");
            final long hellos = (long)WARM_UP_RUNS * WARM_UP_HELLOS + (long)allocation.windows() * HELLOS;
            assertEquals(hellos, received.get());
            assertEquals(hellos, counters[WorkerCounter.REPLIES.ordinal()].get());
            assertEquals(0, counters[WorkerCounter.DROPPED.ordinal()].get());
            assertEquals(0, counters[WorkerCounter.SEND_FAILED.ordinal()].get());
            assertEquals(hellos * replyLength, replyBytes);
            assertTrue(errors.isEmpty(), errors::toString);
        }
    }

    /**
     * The same with the accepted-peer path and the outbox in use: per round a stranger sends 32 hellos (answered by
     * the verifier) and an accepted peer 32 datagrams, which the peer handler echoes through the outbox; the test
     * also releases one of 2000 other accepted peers through the {@link PeerCommands} and accepts it again. Over a million
     * datagrams into the agent (and half a million out of the outbox) nothing is allocated after warm-up.
     */
    @Test
    @Timeout(240)
    void shouldAllocateNothingWithAcceptedPeersAndAnOutboxInUse()
    {
        assumeTrue(LibC.isAvailable());
        final AllocationWindows allocation = AllocationWindows.assumeSupported();

        final InetAddress loopback = InetAddress.getLoopbackAddress();
        final CountersManager countersManager = new CountersManager(
            new UnsafeBuffer(ByteBuffer.allocateDirect(64 * 1024)),
            new UnsafeBuffer(ByteBuffer.allocateDirect(16 * 1024)));
        final AtomicCounter[] counters = WorkerCounter.allocate(countersManager, 0);
        final AcceptedPeers acceptedPeers = new AcceptedPeers(4096);
        final Outbox outbox = new Outbox(1 << 20);
        final PeerCommands commands = new PeerCommands(64 * 1024);
        final VerifierAgent agent = new VerifierAgent(new VerifierAgent.Context()
            .sockets(() -> new MmsgBatchSocket(new BatchSocket.Context().bindAddress(loopback).batchSize(BATCH)))
            .verifier(new ClientHelloVerifier())
            .clock(() -> NOW_MS)
            .counters(counters)
            .acceptedPeers(acceptedPeers)
            .peerHandler((datagram, length, peer, value) ->
                assertTrue(outbox.offerSend(peer, datagram, 0, length)))
            .outbox(outbox)
            .commands(commands));
        final List<Throwable> errors = new ArrayList<>();

        final byte[] otherPeer = {10, 0, 0, 0};
        final UnsafeBuffer otherPeers = new UnsafeBuffer(otherPeer);
        for (int i = 0; i < 2000; i++)
        {
            otherPeer[2] = (byte)(i >>> 8);
            otherPeer[3] = (byte)i;
            assertTrue(acceptedPeers.add(SCRATCH.at(otherPeers, 0, 4, 10_000 + i)));
        }

        try (AgentInvoker invoker = new AgentInvoker(errors::add, null, agent);
            MmsgBatchSocket stranger = new MmsgBatchSocket(
                new BatchSocket.Context().bindAddress(loopback).batchSize(BATCH));
            MmsgBatchSocket peer = new MmsgBatchSocket(
                new BatchSocket.Context().bindAddress(loopback).batchSize(BATCH)))
        {
            invoker.start();
            final UnsafeBuffer serverAddress = new UnsafeBuffer(loopback.getAddress());
            assertTrue(acceptedPeers.add(SCRATCH.at(serverAddress, 0, 4, peer.localPort())), "the peer is on 127.0.0.1 too");
            final Round round = new Round(invoker, counters, stranger, peer, new UnsafeBuffer(VerifierAgentTest.HELLO),
                serverAddress, agent.socket().localPort(), commands, acceptedPeers, otherPeer, otherPeers);

            for (int i = 0; i < WARM_UP_RUNS; i++)
            {
                round.run(WARM_UP_HELLOS);
            }
            allocation.measure(() ->
            {
                round.run(HELLOS);
                return 0;
            });

            assertEquals(0, allocation.lastAllocated(), "bytes allocated over " + HELLOS + " datagrams, per window: " +
                allocation + " (is the JVM running with LibC.JIT_FLAGS?)");
            final long datagrams = (long)WARM_UP_RUNS * WARM_UP_HELLOS + (long)allocation.windows() * HELLOS;
            assertEquals(datagrams, counters[WorkerCounter.RECEIVED.ordinal()].get());
            assertEquals(datagrams / 2, counters[WorkerCounter.PEER_DATAGRAMS.ordinal()].get());
            assertEquals(datagrams / 2, counters[WorkerCounter.REPLIES.ordinal()].get());
            assertEquals(datagrams / 2, counters[WorkerCounter.OUTBOX_SENT.ordinal()].get());
            assertEquals(datagrams / 2, round.echoes);
            assertEquals(datagrams / 2, round.replies);
            assertEquals(0, counters[WorkerCounter.DROPPED.ordinal()].get());
            assertEquals(0, counters[WorkerCounter.SEND_FAILED.ordinal()].get());
            assertEquals(0, outbox.rejected());
            assertEquals(2001, acceptedPeers.size());
            assertTrue(errors.isEmpty(), errors::toString);
        }
    }

    /**
     * The same with a {@link DemuxHandler}: per batch half the datagrams are STUN binding requests, which the handler
     * answers through the worker's {@link DatagramReply}, and half are hellos the verifier answers. Over a million
     * datagrams nothing is allocated after warm-up: the classification and the hand-over are allocation-free.
     */
    @Test
    @Timeout(240)
    void shouldAllocateNothingDemultiplexingStunBesideTheVerifier()
    {
        assumeTrue(LibC.isAvailable());
        final AllocationWindows allocation = AllocationWindows.assumeSupported();

        final InetAddress loopback = InetAddress.getLoopbackAddress();
        final CountersManager countersManager = new CountersManager(
            new UnsafeBuffer(ByteBuffer.allocateDirect(64 * 1024)),
            new UnsafeBuffer(ByteBuffer.allocateDirect(16 * 1024)));
        final AtomicCounter[] counters = WorkerCounter.allocate(countersManager, 0);
        final DemuxCounters demuxCounters = DemuxCounters.allocate(countersManager, 0);
        final UnsafeBuffer response = new UnsafeBuffer(ByteBuffer.allocateDirect(64));
        final VerifierAgent agent = new VerifierAgent(new VerifierAgent.Context()
            .sockets(() -> new MmsgBatchSocket(new BatchSocket.Context().bindAddress(loopback).batchSize(BATCH)))
            .verifier(new ClientHelloVerifier())
            .clock(() -> NOW_MS)
            .counters(counters)
            .demuxCounters(demuxCounters)
            .demuxHandler((type, datagram, length, peer, reply) ->
            {
                response.putBytes(0, datagram, 0, length);
                response.putShort(0, (short)0x0101);
                reply.send(response, 0, length);
            }));
        final List<Throwable> errors = new ArrayList<>();

        try (AgentInvoker invoker = new AgentInvoker(errors::add, null, agent);
            MmsgBatchSocket client = new MmsgBatchSocket(
                new BatchSocket.Context().bindAddress(loopback).batchSize(BATCH)))
        {
            invoker.start();
            final UnsafeBuffer serverAddress = new UnsafeBuffer(loopback.getAddress());
            final int serverPort = agent.socket().localPort();
            final UnsafeBuffer hello = new UnsafeBuffer(VerifierAgentTest.HELLO);
            final UnsafeBuffer stun = new UnsafeBuffer(VerifierAgentTest.STUN_BINDING_REQUEST);
            final AtomicCounter received = counters[WorkerCounter.RECEIVED.ordinal()];

            for (int i = 0; i < WARM_UP_RUNS; i++)
            {
                runMixed(invoker, received, client, hello, stun, serverAddress, serverPort, WARM_UP_HELLOS);
            }
            allocation.measure(
                () -> runMixed(invoker, received, client, hello, stun, serverAddress, serverPort, HELLOS));

            assertEquals(0, allocation.lastAllocated(), "bytes allocated over " + HELLOS + " datagrams, per window: " +
                allocation + " (is the JVM running with LibC.JIT_FLAGS?)");
            final long datagrams = (long)WARM_UP_RUNS * WARM_UP_HELLOS + (long)allocation.windows() * HELLOS;
            assertEquals(datagrams, received.get());
            assertEquals(datagrams / 2, demuxCounters.handled(io.turnstile.codec.DatagramClass.STUN));
            assertEquals(datagrams / 2, demuxCounters.replies());
            assertEquals(datagrams / 2, counters[WorkerCounter.REPLIES.ordinal()].get());
            assertEquals(0, counters[WorkerCounter.DROPPED.ordinal()].get());
            assertTrue(errors.isEmpty(), errors::toString);
        }
    }

    /**
     * Half hellos, half STUN requests per batch; the agent works until it has them all; the client takes every
     * answer. Returns the answers received.
     */
    private static long runMixed(
        final AgentInvoker invoker,
        final AtomicCounter received,
        final BatchSocket client,
        final UnsafeBuffer hello,
        final UnsafeBuffer stun,
        final UnsafeBuffer serverAddress,
        final int serverPort,
        final int datagrams)
    {
        long answers = 0;
        for (int sent = 0; sent < datagrams; sent += BATCH)
        {
            for (int i = 0; i < BATCH; i++)
            {
                final UnsafeBuffer datagram = (i & 1) == 0 ? hello : stun;
                final int slot = client.nextSendSlot();
                client.sendBuffer(slot).putBytes(0, datagram, 0, datagram.capacity());
                client.stage(slot, datagram.capacity(), SCRATCH.at(serverAddress, 0, 4, serverPort));
            }
            Round.flush(client);
            final long target = received.get() + BATCH;
            for (int emptyPolls = 0; received.get() < target; )
            {
                if (invoker.invoke() == 0 && ++emptyPolls > MAX_EMPTY_POLLS)
                {
                    throw new AssertionError("agent stalled");
                }
            }
            answers += Round.receive(client, BATCH, -1);
        }
        return answers;
    }

    /**
     * One lock-step round of the peers-and-outbox test, with everything it needs held in fields so that a round
     * allocates nothing.
     */
    private static final class Round
    {
        private static final int HALF = BATCH / 2;
        private static final int PEER_DATAGRAM_LENGTH = 100;

        private final AgentInvoker invoker;
        private final AtomicCounter received;
        private final BatchSocket stranger;
        private final BatchSocket peer;
        private final UnsafeBuffer hello;
        private final UnsafeBuffer serverAddress;
        private final int serverPort;
        private final PeerCommands commands;
        private final AcceptedPeers acceptedPeers;
        private final byte[] otherPeer;
        private final UnsafeBuffer otherPeers;
        private long echoes;
        private long replies;
        private int rounds;

        Round(
            final AgentInvoker invoker,
            final AtomicCounter[] counters,
            final BatchSocket stranger,
            final BatchSocket peer,
            final UnsafeBuffer hello,
            final UnsafeBuffer serverAddress,
            final int serverPort,
            final PeerCommands commands,
            final AcceptedPeers acceptedPeers,
            final byte[] otherPeer,
            final UnsafeBuffer otherPeers)
        {
            this.invoker = invoker;
            this.received = counters[WorkerCounter.RECEIVED.ordinal()];
            this.stranger = stranger;
            this.peer = peer;
            this.hello = hello;
            this.serverAddress = serverAddress;
            this.serverPort = serverPort;
            this.commands = commands;
            this.acceptedPeers = acceptedPeers;
            this.otherPeer = otherPeer;
            this.otherPeers = otherPeers;
        }

        void run(final int datagrams)
        {
            for (int sent = 0; sent < datagrams; sent += BATCH)
            {
                for (int i = 0; i < HALF; i++)
                {
                    final int slot = stranger.nextSendSlot();
                    stranger.sendBuffer(slot).putBytes(0, hello, 0, hello.capacity());
                    stranger.stage(slot, hello.capacity(), SCRATCH.at(serverAddress, 0, 4, serverPort));
                    final int peerSlot = peer.nextSendSlot();
                    peer.sendBuffer(peerSlot).putInt(0, rounds);
                    peer.sendBuffer(peerSlot).putInt(4, i);
                    peer.stage(peerSlot, PEER_DATAGRAM_LENGTH, SCRATCH.at(serverAddress, 0, 4, serverPort));
                }
                flush(stranger);
                flush(peer);

                final int other = rounds++ % 2000;
                otherPeer[2] = (byte)(other >>> 8);
                otherPeer[3] = (byte)other;
                if (!commands.offerRelease(SCRATCH.at(otherPeers, 0, 4, 10_000 + other)))
                {
                    throw new AssertionError("command queue full");
                }

                final long target = received.get() + BATCH;
                for (int emptyPolls = 0; received.get() < target; )
                {
                    if (invoker.invoke() == 0 && ++emptyPolls > MAX_EMPTY_POLLS)
                    {
                        throw new AssertionError("agent stalled");
                    }
                }
                replies += receive(stranger, HALF, -1);
                echoes += receive(peer, HALF, PEER_DATAGRAM_LENGTH);
                if (acceptedPeers.contains(SCRATCH.at(otherPeers, 0, 4, 10_000 + other)) ||
                    !acceptedPeers.add(SCRATCH.at(otherPeers, 0, 4, 10_000 + other)))
                {
                    throw new AssertionError("the RELEASE of peer " + other + " was not applied");
                }
            }
        }

        private static int receive(final BatchSocket socket, final int count, final int expectedLength)
        {
            int received = 0;
            for (int emptyPolls = 0; received < count; )
            {
                final int batch = socket.receive();
                if (batch == 0 && ++emptyPolls > MAX_EMPTY_POLLS)
                {
                    throw new AssertionError("client stalled after " + received + " of " + count);
                }
                for (int i = 0; i < batch; i++)
                {
                    if (expectedLength >= 0 && socket.received(i).length() != expectedLength)
                    {
                        throw new AssertionError("echo of " + socket.received(i).length() + " bytes");
                    }
                }
                received += batch;
            }
            return received;
        }

        private static void flush(final BatchSocket socket)
        {
            for (int attempts = 0; socket.sendQueued() > 0; attempts++)
            {
                if (attempts > MAX_EMPTY_POLLS)
                {
                    throw new AssertionError("client flush stalled");
                }
                socket.flush();
            }
        }
    }

    /**
     * The client sends a batch of hellos, the agent works until it has received them all, the client receives the
     * HelloVerifyRequests; returns the bytes of reply received.
     */
    private static long run(
        final AgentInvoker invoker,
        final AtomicCounter received,
        final BatchSocket client,
        final UnsafeBuffer hello,
        final UnsafeBuffer serverAddress,
        final int serverPort,
        final int hellos)
    {
        long replyBytes = 0;
        for (int sent = 0; sent < hellos; sent += BATCH)
        {
            for (int i = 0; i < BATCH; i++)
            {
                final int slot = client.nextSendSlot();
                client.sendBuffer(slot).putBytes(0, hello, 0, hello.capacity());
                client.stage(slot, hello.capacity(), SCRATCH.at(serverAddress, 0, 4, serverPort));
            }
            for (int attempts = 0; client.sendQueued() > 0; attempts++)
            {
                if (attempts > MAX_EMPTY_POLLS)
                {
                    throw new AssertionError("client flush stalled");
                }
                client.flush();
            }

            final long target = received.get() + BATCH;
            for (int emptyPolls = 0; received.get() < target; )
            {
                if (invoker.invoke() == 0 && ++emptyPolls > MAX_EMPTY_POLLS)
                {
                    throw new AssertionError("agent stalled");
                }
            }

            int replies = 0;
            for (int emptyPolls = 0; replies < BATCH; )
            {
                final int count = client.receive();
                if (count == 0 && ++emptyPolls > MAX_EMPTY_POLLS)
                {
                    throw new AssertionError("client stalled");
                }
                for (int i = 0; i < count; i++)
                {
                    replyBytes += client.received(i).length();
                }
                replies += count;
            }
        }
        return replyBytes;
    }

    private static int expectedReplyLength(final UnsafeBuffer hello)
    {
        final ClientHelloVerifier verifier = new ClientHelloVerifier();
        final UnsafeBuffer reply = new UnsafeBuffer(new byte[2048]);
        final UnsafeBuffer address = new UnsafeBuffer(new byte[]{127, 0, 0, 1});
        assertEquals(VerifyOutcome.REPLY,
            verifier.verify(hello, 0, hello.capacity(), SCRATCH.at(address, 0, 4, 1), NOW_MS, reply, 0, reply.capacity()));
        assertTrue(verifier.replyLength() > HelloVerifyRequestEncoder.BASE_LENGTH);
        return verifier.replyLength();
    }
}
