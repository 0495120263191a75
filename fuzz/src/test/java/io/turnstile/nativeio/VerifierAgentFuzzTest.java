package io.turnstile.nativeio;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.turnstile.codec.PeerAddress;
import io.turnstile.cookie.CookieKeys;
import io.turnstile.cookie.GeneratorParameters;
import io.turnstile.cookie.MacAlgorithm;
import io.turnstile.fuzz.HelloOracle;
import io.turnstile.fuzz.harness.Captures;
import io.turnstile.fuzz.harness.Hellos;
import io.turnstile.verifier.ClientHelloVerifier;
import io.turnstile.verifier.VerifyOutcome;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fuzzes the worker's duty cycle with its accepted-peer path: a {@link VerifierAgent} over an
 * {@link InMemoryBatchSocket}, with an {@link AcceptedPeers} set its verified-hello handler adds peers to (as the
 * hand-off does), {@link PeerCommands} through which the test accepts and releases peers (as the session conductor
 * does) and an {@link Outbox} through which it sends to them. The fuzzer chooses a sequence of datagrams from a
 * handful of peers (IPv4, another port, IPv6, port 0, a fuzzer-chosen one): raw bytes, real hellos with a byte
 * changed, and real hellos carrying the cookie this server issued to that peer or to another; and between them duty
 * cycles, accepts, releases and sends.
 * <p>
 * A model of the accepted set predicts every cycle: a datagram from an accepted peer reaches the peer handler
 * unchanged and nothing else; any other datagram is verified, and is answered with a HelloVerifyRequest (to its
 * source, no longer than it, for its record sequence number) exactly when the {@link HelloOracle} accepts it and it
 * carries no cookie issued to its source, verified exactly when it does (its peer accepted at once if the set has
 * room), and otherwise dropped; outbox sends go out in order and peer commands apply in order after the batch, a
 * batch of each per cycle. The worker's counters must add up to what happened.
 */
class VerifierAgentFuzzTest
{
    private static final long NOW_MS = 1_800_000_000_000L;
    private static final int BATCH = 8;
    private static final int SLOT_BYTES = 512;
    private static final int MAX_CAPACITY = 3;
    private static final byte[][] PEERS = {
        peer(new byte[]{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte)0xFF, (byte)0xFF, 10, 0, 0, 1}, 5000),
        peer(new byte[]{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte)0xFF, (byte)0xFF, 10, 0, 0, 1}, 5001),
        peer(new byte[]{0x20, 0x01, 0x0d, (byte)0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 5000),
        peer(new byte[]{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte)0xFF, (byte)0xFF, 10, 0, 0, 2}, 0),
    };

    private final HelloOracle oracle = HelloOracle.forVerifier();
    private final CookieKeys keys = CookieKeys.fixed(new GeneratorParameters(MacAlgorithm.AES_CMAC, new byte[16]));
    private final ClientHelloVerifier verifier = new ClientHelloVerifier(new ClientHelloVerifier.Context().cookieKeys(keys));
    private final ClientHelloVerifier issuer = new ClientHelloVerifier(new ClientHelloVerifier.Context().cookieKeys(keys));
    private final UnsafeBuffer issuerReply = new UnsafeBuffer(ByteBuffer.allocateDirect(256));
    private final CountersManager countersManager = new CountersManager(
        new UnsafeBuffer(ByteBuffer.allocateDirect(64 * 1024)), new UnsafeBuffer(ByteBuffer.allocateDirect(16 * 1024)));
    private final AtomicCounter[] counters = WorkerCounter.allocate(countersManager, 0);
    private final List<Event> events = new ArrayList<>();
    private final Worker[] workers = {worker(1), worker(2), worker(3)};

    @FuzzTest(maxDuration = "10s")
    void shouldPassAcceptedPeersThroughAndAnswerOnlyWellFormedHellos(final FuzzedDataProvider data)
    {
        final int capacity = data.consumeInt(1, MAX_CAPACITY);
        final Worker worker = workers[capacity - 1];
        worker.peers.clear();
        worker.socket.reset();
        final Model model = new Model(capacity);

        final int operations = data.consumeInt(1, 40);
        for (int i = 0; i < operations && data.remainingBytes() > 0; i++)
        {
            final int operation = data.consumeInt(0, 10);
            final String source = source(data);
            final PeerAddress peer = view(source);
            if (operation <= 5)
            {
                if (worker.socket.pending() == BATCH)
                {
                    cycle(worker, model);
                }
                final Datagram datagram = datagram(data, source);
                assertTrue(worker.socket.offer(new UnsafeBuffer(datagram.bytes), 0, datagram.bytes.length, peer));
                model.received.add(datagram);
            }
            else if (operation <= 7)
            {
                cycle(worker, model);
            }
            else if (operation == 8)
            {
                if (worker.commands.offerRelease(peer))
                {
                    model.commands.add(new Event(Kind.RELEASE, -1, null, source));
                }
            }
            else if (operation == 9)
            {
                if (worker.commands.offerAccept(peer))
                {
                    model.commands.add(new Event(Kind.ACCEPT, -1, null, source));
                }
            }
            else
            {
                final byte[] payload = data.consumeBytes(data.consumeInt(0, 64));
                if (worker.outbox.offerSend(peer, new UnsafeBuffer(payload), 0, payload.length))
                {
                    model.outbox.add(new Event(Kind.SENT, -1, payload, source));
                }
            }
        }
        for (int i = 0; i < 16 && (worker.socket.pending() > 0 || !model.outbox.isEmpty() ||
            !model.commands.isEmpty()); i++)
        {
            cycle(worker, model);
        }
        assertEquals(0, worker.outbox.size(), "the outbox is drained, so the next input starts from an empty one");
        assertEquals(0, worker.commands.size(), "the commands are drained, so the next input starts without them");
    }

    private void cycle(final Worker worker, final Model model)
    {
        final long[] before = counterValues();
        final List<Datagram> batch = new ArrayList<>(model.received);
        model.received.clear();
        final List<Event> peerEvents = new ArrayList<>();
        final List<Event> verifiedEvents = new ArrayList<>();
        final List<Event> replyEvents = new ArrayList<>();
        final List<HelloOracle.Hello> answered = new ArrayList<>();
        int dropped = 0;
        for (int i = 0; i < batch.size(); i++)
        {
            final Datagram datagram = batch.get(i);
            if (model.accepted.contains(datagram.source))
            {
                peerEvents.add(new Event(Kind.PEER, -1, datagram.bytes, datagram.source));
                continue;
            }
            final HelloOracle.Hello hello = oracle.parse(datagram.bytes);
            if (null == hello)
            {
                dropped++;
            }
            else if (datagram.source.equals(datagram.cookieFor))
            {
                verifiedEvents.add(new Event(Kind.VERIFIED, -1, datagram.bytes, datagram.source));
                if (model.accepted.size() < model.capacity)
                {
                    model.accepted.add(datagram.source);
                }
            }
            else
            {
                replyEvents.add(new Event(Kind.REPLY, i, null, datagram.source));
                answered.add(hello);
            }
        }
        final List<Event> sentEvents = new ArrayList<>();
        for (int i = 0; i < BATCH && !model.outbox.isEmpty(); i++)
        {
            sentEvents.add(model.outbox.poll());
        }
        for (int i = 0; i < BATCH && !model.commands.isEmpty(); i++)
        {
            final Event command = model.commands.poll();
            if (command.kind == Kind.RELEASE)
            {
                model.accepted.remove(command.source);
            }
            else if (model.accepted.size() < model.capacity)
            {
                model.accepted.add(command.source);
            }
        }

        events.clear();
        worker.agent.doWork();

        assertEquals(peerEvents, only(Kind.PEER), "datagrams handed to the peer handler");
        assertEquals(verifiedEvents, only(Kind.VERIFIED), "hellos verified");
        assertEquals(sentEvents, only(Kind.SENT), "outbox sends");
        final List<Event> replies = only(Kind.REPLY);
        assertEquals(replyEvents.size(), replies.size(), "HelloVerifyRequests sent");
        for (int i = 0; i < replies.size(); i++)
        {
            final Event reply = replies.get(i);
            final Event expected = replyEvents.get(i);
            assertEquals(expected.slot, reply.slot, "the reply answers another datagram");
            assertEquals(expected.source, reply.source, "the reply goes to another peer");
            assertTrue(reply.bytes.length <= batch.get(reply.slot).bytes.length, "the reply is longer than the hello");
            assertNull(HelloOracle.checkHelloVerifyRequest(reply.bytes, 0, reply.bytes.length, answered.get(i)));
        }
        assertEquals(model.accepted.size(), worker.peers.size(), "peers accepted");
        for (final String peer : model.accepted)
        {
            assertTrue(worker.peers.contains(view(peer)), "not accepted: " + peer);
        }

        final long[] after = counterValues();
        assertEquals(batch.size(), delta(before, after, WorkerCounter.RECEIVED));
        assertEquals(peerEvents.size(), delta(before, after, WorkerCounter.PEER_DATAGRAMS));
        assertEquals(verifiedEvents.size(), delta(before, after, WorkerCounter.VERIFIED));
        assertEquals(replyEvents.size(), delta(before, after, WorkerCounter.REPLIES));
        assertEquals(dropped, delta(before, after, WorkerCounter.DROPPED));
        assertEquals(sentEvents.size(), delta(before, after, WorkerCounter.OUTBOX_SENT));
        assertEquals(replyEvents.size() + sentEvents.size(), delta(before, after, WorkerCounter.SENT));
    }

    private Datagram datagram(final FuzzedDataProvider data, final String source)
    {
        switch (data.consumeInt(0, 3))
        {
            case 0 ->
            {
                return new Datagram(data.consumeBytes(data.consumeInt(0, SLOT_BYTES)), source, null);
            }
            case 1 ->
            {
                final byte[] hello = Captures.whole(data.consumeInt(0, Captures.WHOLE.size() - 1));
                hello[data.consumeInt(0, hello.length - 1)] ^= (byte)data.consumeInt(0, 255);
                return new Datagram(hello, source, null);
            }
            default ->
            {
                // The hello as the client repeats it, with the cookie this server issued to a peer: this one,
                // mostly, or another (which must not verify here).
                final String issuedTo = data.consumeInt(0, 3) == 0 ? source(data) : source;
                final byte[] hello = Captures.whole(data.consumeInt(0, Captures.WHOLE.size() - 1));
                final HelloOracle.Hello parsed = oracle.parse(hello);
                assertNotNull(parsed, "every whole capture is a well-formed hello");
                return new Datagram(Hellos.withCookie(hello, parsed, issue(hello, issuedTo)), source, issuedTo);
            }
        }
    }

    private byte[] issue(final byte[] hello, final String peer)
    {
        final VerifyOutcome outcome =
            issuer.verify(new UnsafeBuffer(hello), 0, hello.length, view(peer), NOW_MS, issuerReply, 0, 256);
        assertEquals(VerifyOutcome.REPLY, outcome, "a capture carries another responder's cookie, or none");
        return bytes(issuerReply, 28, issuer.replyLength() - 28);
    }

    /**
     * A worker with its peer set, commands, outbox and socket, one per capacity, made once: building them per input
     * (direct buffers for the rings and the overflow reply) cost more than fuzzing a short input. Each input clears
     * the set, resets the socket and leaves the rings drained, so the input alone decides what happens.
     */
    private Worker worker(final int capacity)
    {
        final AcceptedPeers peers = new AcceptedPeers(capacity, new Random(11));
        final Outbox outbox = new Outbox(4096, SLOT_BYTES);
        final PeerCommands commands = new PeerCommands(4096);
        final InMemoryBatchSocket socket = new InMemoryBatchSocket(BATCH, SLOT_BYTES,
            (payload, length, peer, receiveSlot) -> events.add(new Event(
                receiveSlot < 0 ? Kind.SENT : Kind.REPLY, receiveSlot, bytes(payload, 0, length), key(peer))));
        final VerifierAgent agent = new VerifierAgent(new VerifierAgent.Context()
            .sockets(() -> socket)
            .verifier(verifier)
            .clock(() -> NOW_MS)
            .counters(counters)
            .acceptedPeers(peers)
            .commands(commands)
            .peerHandler((datagram, length, peer, value) ->
                events.add(new Event(Kind.PEER, -1, bytes(datagram, 0, length), key(peer))))
            .handler((datagram, length, peer, v) ->
            {
                events.add(new Event(Kind.VERIFIED, -1, bytes(datagram, 0, length), key(peer)));
                peers.add(peer);
            })
            .outbox(outbox));
        agent.onStart();
        return new Worker(peers, commands, outbox, socket, agent);
    }

    private static String source(final FuzzedDataProvider data)
    {
        final int pick = data.consumeInt(0, PEERS.length);
        if (pick < PEERS.length)
        {
            return HexFormat.of().formatHex(PEERS[pick]);
        }
        return HexFormat.of().formatHex(Arrays.copyOf(data.consumeBytes(PeerAddress.LENGTH), PeerAddress.LENGTH));
    }

    private static byte[] peer(final byte[] address, final int port)
    {
        final byte[] peer = Arrays.copyOf(address, PeerAddress.LENGTH);
        peer[16] = (byte)(port >>> 8);
        peer[17] = (byte)port;
        return peer;
    }

    private static PeerAddress view(final String peer)
    {
        return new PeerAddress().wrap(new UnsafeBuffer(HexFormat.of().parseHex(peer)), 0);
    }

    private static String key(final PeerAddress peer)
    {
        return HexFormat.of().formatHex(bytes(peer.buffer(), peer.offset(), PeerAddress.LENGTH));
    }

    private List<Event> only(final Kind kind)
    {
        return events.stream().filter(event -> event.kind == kind).toList();
    }

    private long[] counterValues()
    {
        final long[] values = new long[counters.length];
        for (int i = 0; i < counters.length; i++)
        {
            values[i] = counters[i].get();
        }
        return values;
    }

    private static long delta(final long[] before, final long[] after, final WorkerCounter counter)
    {
        return after[counter.ordinal()] - before[counter.ordinal()];
    }

    private static byte[] bytes(final DirectBuffer buffer, final int offset, final int length)
    {
        final byte[] bytes = new byte[length];
        buffer.getBytes(offset, bytes);
        return bytes;
    }

    private enum Kind
    {
        PEER, VERIFIED, REPLY, SENT, RELEASE, ACCEPT
    }

    /**
     * What the worker did with a datagram, or an outbox message or command; bytes compared by content, peers by their
     * 18 bytes in hex.
     */
    private record Event(Kind kind, int slot, byte[] bytes, String source)
    {
        @Override
        public boolean equals(final Object other)
        {
            return other instanceof Event event && kind == event.kind && source.equals(event.source) &&
                (kind == Kind.REPLY ? slot == event.slot : Arrays.equals(bytes, event.bytes));
        }

        @Override
        public int hashCode()
        {
            return kind.hashCode() * 31 + source.hashCode();
        }

        @Override
        public String toString()
        {
            return kind + " " + source + (null == bytes ? " slot " + slot : " " + HexFormat.of().formatHex(bytes));
        }
    }

    /**
     * A datagram offered to the socket, its peer, and the peer whose cookie it carries if the test spliced one in.
     */
    private record Datagram(byte[] bytes, String source, String cookieFor)
    {
    }

    private record Worker(
        AcceptedPeers peers, PeerCommands commands, Outbox outbox, InMemoryBatchSocket socket, VerifierAgent agent)
    {
    }

    /**
     * What the worker's state should be: the accepted peers, the outbox messages and commands not yet drained, the
     * datagrams not yet received.
     */
    private static final class Model
    {
        final int capacity;
        final Set<String> accepted = new HashSet<>();
        final ArrayDeque<Event> outbox = new ArrayDeque<>();
        final ArrayDeque<Event> commands = new ArrayDeque<>();
        final List<Datagram> received = new ArrayList<>();

        Model(final int capacity)
        {
            this.capacity = capacity;
        }
    }
}
