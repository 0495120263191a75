package io.turnstile.nativeio;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.turnstile.cookie.CookieKeys;
import io.turnstile.cookie.GeneratorParameters;
import io.turnstile.cookie.MacAlgorithm;
import io.turnstile.fuzz.HelloOracle;
import io.turnstile.fuzz.harness.Captures;
import io.turnstile.fuzz.harness.Hellos;
import io.turnstile.fuzz.harness.InMemoryBatchSocket;
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

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fuzzes the worker's duty cycle with its accepted-peer path: a {@link VerifierAgent} over an
 * {@link InMemoryBatchSocket}, with an {@link AcceptedPeers} set its verified-hello handler adds peers to (as the
 * hand-off does) and an {@link Outbox} through which the test releases peers and sends to them. The fuzzer chooses a
 * sequence of datagrams from a handful of sources (an IPv4 peer, the same peer as an IPv4-mapped IPv6 address, another
 * port, IPv6, a fuzzer-chosen one): raw bytes, real hellos with a byte changed, and real hellos carrying the cookie this
 * server issued to that source or to another; and between them duty cycles, releases and sends.
 * <p>
 * A model of the accepted set predicts every cycle: a datagram from an accepted peer reaches the peer handler
 * unchanged and nothing else; any other datagram is verified, and is answered with a HelloVerifyRequest (to its
 * source, no longer than it, for its record sequence number) exactly when the {@link HelloOracle} accepts it and it
 * carries no cookie issued to its source, verified exactly when it does, and otherwise dropped; releases and sends
 * take effect in order, a batch of them per cycle. The worker's counters must add up to what happened.
 */
class VerifierAgentFuzzTest
{
    private static final long NOW_MS = 1_800_000_000_000L;
    private static final int BATCH = 8;
    private static final int SLOT_BYTES = 512;
    private static final int MAX_CAPACITY = 3;
    private static final Source[] SOURCES = {
        new Source(new byte[]{10, 0, 0, 1}, 5000),
        new Source(new byte[]{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte)0xFF, (byte)0xFF, 10, 0, 0, 1}, 5000),
        new Source(new byte[]{10, 0, 0, 1}, 5001),
        new Source(new byte[]{0x20, 0x01, 0x0d, (byte)0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 5000),
        new Source(new byte[]{10, 0, 0, 2}, 0),
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
    private InMemoryBatchSocket socket;

    @FuzzTest(maxDuration = "10s")
    void shouldPassAcceptedPeersThroughAndAnswerOnlyWellFormedHellos(final FuzzedDataProvider data)
    {
        final int capacity = data.consumeInt(1, MAX_CAPACITY);
        final Worker worker = workers[capacity - 1];
        worker.peers.clear();
        socket = worker.socket;
        socket.reset();
        final VerifierAgent agent = worker.agent;
        final Outbox outbox = worker.outbox;
        final Model model = new Model(capacity);

        final int operations = data.consumeInt(1, 40);
        for (int i = 0; i < operations && data.remainingBytes() > 0; i++)
        {
            final int operation = data.consumeInt(0, 9);
            final Source source = source(data);
            if (operation <= 5)
            {
                if (socket.pending() == BATCH)
                {
                    cycle(agent, model);
                }
                final Datagram datagram = datagram(data, source);
                final UnsafeBuffer address = new UnsafeBuffer(source.address);
                assertTrue(socket.offer(new UnsafeBuffer(datagram.bytes), 0, datagram.bytes.length,
                    address, 0, source.address.length, source.port));
                model.received.add(datagram);
            }
            else if (operation <= 7)
            {
                cycle(agent, model);
            }
            else if (operation == 8)
            {
                if (outbox.offerRelease(source.address, source.port))
                {
                    model.outbox.add(new Event(Kind.RELEASED, -1, null, source));
                }
            }
            else
            {
                final byte[] payload = data.consumeBytes(data.consumeInt(0, 64));
                if (outbox.offerSend(source.address, source.port, new UnsafeBuffer(payload), 0, payload.length))
                {
                    model.outbox.add(new Event(Kind.SENT, -1, payload, source));
                }
            }
        }
        for (int i = 0; i < 16 && (socket.pending() > 0 || !model.outbox.isEmpty()); i++)
        {
            cycle(agent, model);
        }
        assertEquals(0, outbox.size(), "the outbox is drained, so the next input starts from an empty one");
    }

    /**
     * A worker with its peer set, outbox and socket, one per capacity, made once: building them per input (direct buffers
     * for the ring and the overflow reply) cost more than fuzzing a short input. Each input clears the set, resets the
     * socket and leaves the outbox empty, so the input alone decides what happens.
     */
    private Worker worker(final int capacity)
    {
        final AcceptedPeers peers = new AcceptedPeers(capacity, new Random(11));
        final Outbox outbox = new Outbox(4096, SLOT_BYTES);
        final InMemoryBatchSocket socket = new InMemoryBatchSocket(BATCH, SLOT_BYTES,
            (payload, length, address, addressOffset, addressLength, port, receiveSlot) ->
                events.add(new Event(receiveSlot < 0 ? Kind.SENT : Kind.REPLY, receiveSlot,
                    bytes(payload, 0, length), new Source(bytes(address, addressOffset, addressLength), port))));
        final VerifierAgent agent = new VerifierAgent(new VerifierAgent.Context()
            .sockets(() -> socket)
            .verifier(verifier)
            .clock(() -> NOW_MS)
            .counters(counters)
            .acceptedPeers(peers)
            .peerHandler((datagram, length, address, addressOffset, addressLength, port) -> events.add(new Event(
                Kind.PEER, -1, bytes(datagram, 0, length), new Source(bytes(address, addressOffset, addressLength), port))))
            .handler((datagram, length, address, addressOffset, addressLength, port, v) ->
            {
                events.add(new Event(Kind.VERIFIED, -1, bytes(datagram, 0, length),
                    new Source(bytes(address, addressOffset, addressLength), port)));
                peers.add(address, addressOffset, addressLength, port);
            })
            .outbox(outbox));
        agent.onStart();
        return new Worker(peers, outbox, socket, agent);
    }

    private record Worker(AcceptedPeers peers, Outbox outbox, InMemoryBatchSocket socket, VerifierAgent agent)
    {
    }

    private void cycle(final VerifierAgent agent, final Model model)
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
            final String key = datagram.source.key();
            if (model.accepted.contains(key))
            {
                peerEvents.add(new Event(Kind.PEER, -1, datagram.bytes, datagram.source));
                continue;
            }
            final HelloOracle.Hello hello = oracle.parse(datagram.bytes);
            if (null == hello)
            {
                dropped++;
            }
            else if (key.equals(datagram.cookieFor))
            {
                verifiedEvents.add(new Event(Kind.VERIFIED, -1, datagram.bytes, datagram.source));
                if (model.accepted.size() < model.capacity)
                {
                    model.accepted.add(key);
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
            final Event message = model.outbox.poll();
            if (message.kind == Kind.RELEASED)
            {
                model.accepted.remove(message.source.key());
            }
            else
            {
                sentEvents.add(message);
            }
        }

        events.clear();
        agent.doWork();

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
            assertEquals(expected.source, reply.source, "the reply goes to another source");
            assertTrue(reply.bytes.length <= batch.get(reply.slot).bytes.length, "the reply is longer than the hello");
            assertNull(HelloOracle.checkHelloVerifyRequest(reply.bytes, 0, reply.bytes.length, answered.get(i)));
        }

        final long[] after = counterValues();
        assertEquals(batch.size(), after[WorkerCounter.RECEIVED.ordinal()] - before[WorkerCounter.RECEIVED.ordinal()]);
        assertEquals(peerEvents.size(),
            after[WorkerCounter.PEER_DATAGRAMS.ordinal()] - before[WorkerCounter.PEER_DATAGRAMS.ordinal()]);
        assertEquals(verifiedEvents.size(),
            after[WorkerCounter.VERIFIED.ordinal()] - before[WorkerCounter.VERIFIED.ordinal()]);
        assertEquals(replyEvents.size(), after[WorkerCounter.REPLIES.ordinal()] - before[WorkerCounter.REPLIES.ordinal()]);
        assertEquals(dropped, after[WorkerCounter.DROPPED.ordinal()] - before[WorkerCounter.DROPPED.ordinal()]);
        assertEquals(sentEvents.size(),
            after[WorkerCounter.OUTBOX_SENT.ordinal()] - before[WorkerCounter.OUTBOX_SENT.ordinal()]);
        assertEquals(replyEvents.size() + sentEvents.size(),
            after[WorkerCounter.SENT.ordinal()] - before[WorkerCounter.SENT.ordinal()]);
    }

    private Datagram datagram(final FuzzedDataProvider data, final Source source)
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
                // The hello as the client repeats it, with the cookie this server issued to a source: this one,
                // mostly, or another (which must not verify here).
                final Source issuedTo = data.consumeInt(0, 3) == 0 ? source(data) : source;
                final byte[] hello = Captures.whole(data.consumeInt(0, Captures.WHOLE.size() - 1));
                final HelloOracle.Hello parsed = oracle.parse(hello);
                assertNotNull(parsed, "every whole capture is a well-formed hello");
                final byte[] withCookie = Hellos.withCookie(hello, parsed, issue(hello, issuedTo));
                return new Datagram(withCookie, source, issuedTo.key());
            }
        }
    }

    private byte[] issue(final byte[] hello, final Source source)
    {
        final VerifyOutcome outcome = issuer.verify(new UnsafeBuffer(hello), 0, hello.length,
            new UnsafeBuffer(source.address), 0, source.address.length, source.port, NOW_MS, issuerReply, 0, 256);
        if (outcome == VerifyOutcome.VERIFIED)
        {
            // The capture already carries this source's cookie (it cannot, but then it is the one to repeat).
            final HelloOracle.Hello parsed = oracle.parse(hello);
            return Hellos.cookie(hello, parsed);
        }
        assertEquals(VerifyOutcome.REPLY, outcome);
        return bytes(issuerReply, 28, issuer.replyLength() - 28);
    }

    private static Source source(final FuzzedDataProvider data)
    {
        final int pick = data.consumeInt(0, SOURCES.length);
        if (pick < SOURCES.length)
        {
            return SOURCES[pick];
        }
        final int length = data.consumeBoolean() ? 4 : 16;
        return new Source(Arrays.copyOf(data.consumeBytes(length), length), data.consumeInt(0, 0xFFFF));
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

    private static byte[] bytes(final DirectBuffer buffer, final int offset, final int length)
    {
        final byte[] bytes = new byte[length];
        buffer.getBytes(offset, bytes);
        return bytes;
    }

    private enum Kind
    {
        PEER, VERIFIED, REPLY, SENT, RELEASED
    }

    /**
     * What the worker did with a datagram, or an outbox message; bytes compared by content.
     */
    private record Event(Kind kind, int slot, byte[] bytes, Source source)
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
     * A peer: its address as a socket reports it (4 or 16 bytes) and its port.
     */
    private record Source(byte[] address, int port)
    {
        /**
         * The peer as the accepted set and the cookie see it: IPv4 and its IPv4-mapped IPv6 form are one.
         */
        String key()
        {
            final byte[] v6 = new byte[16];
            if (address.length == 4)
            {
                v6[10] = (byte)0xFF;
                v6[11] = (byte)0xFF;
                System.arraycopy(address, 0, v6, 12, 4);
            }
            else
            {
                System.arraycopy(address, 0, v6, 0, 16);
            }
            return HexFormat.of().formatHex(v6) + "/" + port;
        }

        @Override
        public boolean equals(final Object other)
        {
            return other instanceof Source source && Arrays.equals(address, source.address) && port == source.port;
        }

        @Override
        public int hashCode()
        {
            return Arrays.hashCode(address) * 31 + port;
        }

        @Override
        public String toString()
        {
            return key();
        }
    }

    /**
     * A datagram offered to the socket, and the source whose cookie it carries, if the test spliced one in.
     */
    private record Datagram(byte[] bytes, Source source, String cookieFor)
    {
    }

    /**
     * What the worker's state should be: the accepted peers, the outbox messages not yet drained, the datagrams not
     * yet received.
     */
    private static final class Model
    {
        final int capacity;
        final Set<String> accepted = new HashSet<>();
        final ArrayDeque<Event> outbox = new ArrayDeque<>();
        final List<Datagram> received = new ArrayList<>();

        Model(final int capacity)
        {
            this.capacity = capacity;
        }
    }
}
