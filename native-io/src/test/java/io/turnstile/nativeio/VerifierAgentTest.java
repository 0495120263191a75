package io.turnstile.nativeio;

import io.turnstile.codec.DatagramClass;
import io.turnstile.codec.HelloVerifyRequestEncoder;
import io.turnstile.cookie.CookieKeys;
import io.turnstile.verifier.ClientHelloVerifier;
import io.turnstile.verifier.DropReason;
import io.turnstile.verifier.VerifyOutcome;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentInvoker;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A worker on a real loopback socket, driven by an {@link AgentInvoker} on the test thread: a cookie-less hello gets
 * a HelloVerifyRequest, the same hello carrying that cookie is verified, garbage is dropped, and the counters move
 * once per batch. Run over the native socket and over NIO.
 */
class VerifierAgentTest
{
    final PeerScratch scratch = new PeerScratch();
    /** OpenSSL 3.0 {@code s_client -dtls1_2}: a first ClientHello, 205 bytes (core's corpus, openssl-dtls12-ch1). */
    static final byte[] HELLO = HexFormat.of().parseHex(
        "16feff000000000000000000c0010000b400000000000000b4fefd5ccf0a10e54e87a8f9894e590eb26df9cfdc90214c94b89fa3" +
        "23667451c3682700000038c02cc030009fcca9cca8ccaac02bc02f009ec024c028006bc023c0270067c00ac0140039c009c013" +
        "0033009d009c003d003c0035002f00ff01000052000b000403000102000a000c000a001d0017001e00190018002300000016" +
        "000000170000000d002a0028040305030603080708080809080a080b080408050806040105010601030303010302040205" +
        "020602");
    private static final long WAIT_NS = TimeUnit.SECONDS.toNanos(10);

    private final CountersManager countersManager = new CountersManager(
        new UnsafeBuffer(ByteBuffer.allocateDirect(64 * 1024)), new UnsafeBuffer(ByteBuffer.allocateDirect(16 * 1024)));
    private final List<Throwable> errors = new ArrayList<>();

    @ParameterizedTest(name = "nio={0}")
    @ValueSource(booleans = {false, true})
    @Timeout(30)
    void shouldAnswerAHelloThenVerifyTheHelloCarryingItsCookie(final boolean nio) throws IOException
    {
        assumeTrue(nio || LibC.isAvailable());
        final InetAddress loopback = InetAddress.getLoopbackAddress();
        final List<Integer> verifiedPorts = new ArrayList<>();
        final List<byte[]> verifiedAddresses = new ArrayList<>();
        final AtomicCounter[] counters = WorkerCounter.allocate(countersManager, 0);
        final VerifierAgent agent = new VerifierAgent(new VerifierAgent.Context()
            .sockets(() -> BatchSockets.open(new BatchSocket.Context().bindAddress(loopback).forceNio(nio)))
            .verifier(new ClientHelloVerifier())
            .counters(counters)
            .handler((datagram, length, peer, verifier) ->
            {
                verifiedAddresses.add(peer.toSocketAddress().getAddress().getAddress());
                verifiedPorts.add(peer.port());
            }));

        try (AgentInvoker invoker = new AgentInvoker(errors::add, null, agent);
            DatagramChannel client = DatagramChannel.open(StandardProtocolFamily.INET))
        {
            invoker.start();
            client.configureBlocking(false);
            client.bind(new InetSocketAddress(loopback, 0));
            final InetSocketAddress server = new InetSocketAddress(loopback, agent.socket().localPort());

            client.send(ByteBuffer.wrap(HELLO), server);
            final ByteBuffer hvr = awaitDatagram(invoker, client);
            assertEquals(22, hvr.get(0), "a handshake record");
            assertEquals(3, hvr.get(13), "hello_verify_request");
            final byte[] cookie = new byte[hvr.get(HelloVerifyRequestEncoder.COOKIE_LENGTH_OFFSET) & 0xFF];
            hvr.get(HelloVerifyRequestEncoder.COOKIE_OFFSET, cookie);
            assertEquals(HelloVerifyRequestEncoder.encodedLength(cookie.length), hvr.remaining());

            client.send(ByteBuffer.wrap(withCookie(HELLO, cookie)), server);
            invokeUntil(invoker, () -> !verifiedPorts.isEmpty());

            assertEquals(List.of(((InetSocketAddress)client.getLocalAddress()).getPort()), verifiedPorts);
            assertArrayEquals(loopback.getAddress(), verifiedAddresses.getFirst());
            assertEquals(2, counters[WorkerCounter.RECEIVED.ordinal()].get());
            assertEquals(2, counters[WorkerCounter.BATCHES.ordinal()].get(), "the cookie hello came after the HVR");
            assertEquals(1, counters[WorkerCounter.REPLIES.ordinal()].get());
            assertEquals(1, counters[WorkerCounter.VERIFIED.ordinal()].get());
            assertEquals(0, counters[WorkerCounter.DROPPED.ordinal()].get());
            assertTrue(errors.isEmpty(), errors::toString);
        }
        assertTrue(agent.socket().isClosed(), "onClose closes the socket");
    }

    @ParameterizedTest(name = "nio={0}")
    @ValueSource(booleans = {false, true})
    @Timeout(30)
    void shouldSleepInAwaitWorkUntilADatagramArrives(final boolean nio) throws Exception
    {
        assumeTrue(nio || LibC.isAvailable());
        final InetAddress loopback = InetAddress.getLoopbackAddress();
        final VerifierAgent agent = new VerifierAgent(new VerifierAgent.Context()
            .sockets(() -> BatchSockets.open(new BatchSocket.Context().bindAddress(loopback).forceNio(nio)))
            .verifier(new ClientHelloVerifier())
            .counters(WorkerCounter.allocate(countersManager, 0))
            .handler(VerifiedHelloHandler.NONE));

        try (AgentInvoker invoker = new AgentInvoker(errors::add, null, agent);
            DatagramChannel client = DatagramChannel.open(StandardProtocolFamily.INET))
        {
            invoker.start();
            agent.awaitWork(1);
            assertEquals(0, invoker.invoke(), "nothing came: the short wait returned empty-handed");

            // Blocks on the socket (the test would time out if it did not wake) until the hello arrives.
            final InetSocketAddress server = new InetSocketAddress(loopback, agent.socket().localPort());
            final Thread sender = Thread.ofVirtual().start(() ->
            {
                try
                {
                    Thread.sleep(200);
                    client.send(ByteBuffer.wrap(HELLO), server);
                }
                catch (final Exception ex)
                {
                    errors.add(ex);
                }
            });
            agent.awaitWork(20_000);
            sender.join();
            assertEquals(2, invoker.invoke(), "received the hello and sent its HelloVerifyRequest");
            assertTrue(errors.isEmpty(), errors::toString);
        }
    }

    @ParameterizedTest(name = "nio={0}")
    @ValueSource(booleans = {false, true})
    @Timeout(30)
    void shouldDropGarbageCountItAndSendNothing(final boolean nio) throws IOException
    {
        assumeTrue(nio || LibC.isAvailable());
        final InetAddress loopback = InetAddress.getLoopbackAddress();
        final AtomicCounter[] counters = WorkerCounter.allocate(countersManager, 1);
        final ClientHelloVerifier verifier = new ClientHelloVerifier();
        final VerifierAgent agent = new VerifierAgent(new VerifierAgent.Context()
            .workerId(1)
            .sockets(() -> BatchSockets.open(new BatchSocket.Context().bindAddress(loopback).forceNio(nio)))
            .verifier(verifier)
            .counters(counters));

        try (AgentInvoker invoker = new AgentInvoker(errors::add, null, agent);
            DatagramChannel client = DatagramChannel.open(StandardProtocolFamily.INET))
        {
            invoker.start();
            assertEquals("turnstile-verifier-1", agent.roleName());
            client.configureBlocking(false);
            client.bind(new InetSocketAddress(loopback, 0));
            final InetSocketAddress server = new InetSocketAddress(loopback, agent.socket().localPort());

            client.send(ByteBuffer.wrap(new byte[]{23, (byte)0xFE, (byte)0xFD, 0, 0}), server);
            final byte[] shortened = new byte[64];
            System.arraycopy(HELLO, 0, shortened, 0, shortened.length);
            client.send(ByteBuffer.wrap(shortened), server);
            invokeUntil(invoker, () -> counters[WorkerCounter.RECEIVED.ordinal()].get() == 2);

            assertEquals(2, counters[WorkerCounter.DROPPED.ordinal()].get());
            assertEquals(0, counters[WorkerCounter.REPLIES.ordinal()].get());
            assertEquals(1, verifier.counters().dropped(DropReason.RECORD_TOO_SHORT));
            for (int i = 0; i < 100; i++)
            {
                invoker.invoke();
            }
            assertNull(client.receive(ByteBuffer.allocate(2048)), "a dropped datagram gets no reply");
            assertTrue(errors.isEmpty(), errors::toString);
        }
    }

    @ParameterizedTest(name = "nio={0}")
    @ValueSource(booleans = {false, true})
    @Timeout(30)
    void shouldHandAnAcceptedPeersDatagramsToThePeerHandlerNotTheVerifier(final boolean nio) throws IOException
    {
        assumeTrue(nio || LibC.isAvailable());
        final InetAddress loopback = InetAddress.getLoopbackAddress();
        final AtomicCounter[] counters = WorkerCounter.allocate(countersManager, 0);
        final AcceptedPeers acceptedPeers = new AcceptedPeers(16);
        final List<byte[]> peerDatagrams = new ArrayList<>();
        final List<Integer> peerPorts = new ArrayList<>();
        final List<Integer> peerValues = new ArrayList<>();
        final VerifierAgent agent = new VerifierAgent(new VerifierAgent.Context()
            .sockets(() -> BatchSockets.open(new BatchSocket.Context().bindAddress(loopback).forceNio(nio)))
            .verifier(new ClientHelloVerifier())
            .counters(counters)
            .acceptedPeers(acceptedPeers)
            .peerHandler((datagram, length, peer, value) ->
            {
                final byte[] bytes = new byte[length];
                datagram.getBytes(0, bytes);
                peerDatagrams.add(bytes);
                peerPorts.add(peer.port());
                peerValues.add(value);
            })
            // What an application does: a peer that proved its address is accepted on the worker thread, and given
            // a value (a session's index) that the worker's lookup hands back with each of its datagrams.
            .handler((datagram, length, peer, verifier) ->
                assertTrue(acceptedPeers.add(peer) && acceptedPeers.attach(peer, 42))));

        try (AgentInvoker invoker = new AgentInvoker(errors::add, null, agent);
            DatagramChannel accepted = DatagramChannel.open(StandardProtocolFamily.INET);
            DatagramChannel stranger = DatagramChannel.open(StandardProtocolFamily.INET))
        {
            invoker.start();
            accepted.configureBlocking(false);
            accepted.bind(new InetSocketAddress(loopback, 0));
            stranger.configureBlocking(false);
            stranger.bind(new InetSocketAddress(loopback, 0));
            final InetSocketAddress server = new InetSocketAddress(loopback, agent.socket().localPort());

            accepted.send(ByteBuffer.wrap(HELLO), server);
            final ByteBuffer hvr = awaitDatagram(invoker, accepted);
            final byte[] cookie = new byte[hvr.get(HelloVerifyRequestEncoder.COOKIE_LENGTH_OFFSET) & 0xFF];
            hvr.get(HelloVerifyRequestEncoder.COOKIE_OFFSET, cookie);
            accepted.send(ByteBuffer.wrap(withCookie(HELLO, cookie)), server);
            invokeUntil(invoker, () -> acceptedPeers.size() == 1);

            final byte[] applicationData = {23, (byte)0xFE, (byte)0xFD, 0, 1, 0, 0, 0, 0, 0, 1, 0, 3, 'a', 'b', 'c'};
            accepted.send(ByteBuffer.wrap(HELLO), server);
            accepted.send(ByteBuffer.wrap(applicationData), server);
            invokeUntil(invoker, () -> peerDatagrams.size() == 2);
            stranger.send(ByteBuffer.wrap(HELLO), server);
            assertEquals(3, awaitDatagram(invoker, stranger).get(13), "a stranger still gets a HelloVerifyRequest");
            for (int i = 0; i < 100; i++)
            {
                invoker.invoke();
            }

            assertArrayEquals(HELLO, peerDatagrams.get(0), "a hello from an accepted peer is the application's");
            assertArrayEquals(applicationData, peerDatagrams.get(1), "and so is what the verifier would drop");
            final int acceptedPort = ((InetSocketAddress)accepted.getLocalAddress()).getPort();
            assertEquals(List.of(acceptedPort, acceptedPort), peerPorts);
            assertEquals(List.of(42, 42), peerValues, "the attached value comes with each datagram");
            assertNull(accepted.receive(ByteBuffer.allocate(2048)), "no HelloVerifyRequest for an accepted peer");
            assertEquals(5, counters[WorkerCounter.RECEIVED.ordinal()].get());
            assertEquals(2, counters[WorkerCounter.PEER_DATAGRAMS.ordinal()].get());
            assertEquals(2, counters[WorkerCounter.REPLIES.ordinal()].get());
            assertEquals(1, counters[WorkerCounter.VERIFIED.ordinal()].get());
            assertEquals(0, counters[WorkerCounter.DROPPED.ordinal()].get());
            assertTrue(errors.isEmpty(), errors::toString);
        }
    }

    @Test
    @Timeout(30)
    void shouldRunASharedAgentsDutyCycleInsideItsOwnFromStartToClose()
    {
        final InetAddress loopback = InetAddress.getLoopbackAddress();
        final List<String> calls = new ArrayList<>();
        final Agent shared = new Agent()
        {
            public void onStart()
            {
                calls.add("start on " + Thread.currentThread().getName());
            }

            public int doWork()
            {
                calls.add("work");
                return 1;
            }

            public void onClose()
            {
                calls.add("close");
            }

            public String roleName()
            {
                return "shared";
            }
        };
        final VerifierAgent agent = new VerifierAgent(new VerifierAgent.Context()
            .sockets(() -> BatchSockets.open(new BatchSocket.Context().bindAddress(loopback).forceNio(true)))
            .verifier(new ClientHelloVerifier())
            .counters(WorkerCounter.allocate(countersManager, 0))
            .sharedAgent(shared));
        final AgentInvoker invoker = new AgentInvoker(errors::add, null, agent);
        invoker.start();
        assertEquals(List.of("start on " + Thread.currentThread().getName()), calls, "started with the worker");
        assertEquals(1, invoker.invoke(), "the shared agent's work counts as the worker's: nothing arrived");
        assertEquals(1, invoker.invoke());
        invoker.close();
        assertEquals(List.of(calls.get(0), "work", "work", "close"), calls);
        assertTrue(errors.isEmpty(), errors::toString);
    }

    /** An ICE connectivity check: STUN binding request (RFC 8489), no attributes, transaction id 1..12. */
    static final byte[] STUN_BINDING_REQUEST = HexFormat.of().parseHex(
        "000100002112a442" + "0102030405060708090a0b0c");
    /** An RTP packet (RFC 3550): version 2, payload type 0 (PCMU), sequence 1, timestamp 160, SSRC, 4 bytes. */
    static final byte[] RTP_PACKET = HexFormat.of().parseHex(
        "80000001000000a0deadbeef" + "7f7f7f7f");

    @ParameterizedTest(name = "nio={0}")
    @ValueSource(booleans = {false, true})
    @Timeout(30)
    void shouldHandStunAndRtpToTheDemuxHandlerCountThemAndReplyThroughTheWorker(final boolean nio)
        throws IOException
    {
        assumeTrue(nio || LibC.isAvailable());
        final InetAddress loopback = InetAddress.getLoopbackAddress();
        final AtomicCounter[] counters = WorkerCounter.allocate(countersManager, 0);
        final DemuxCounters demuxCounters = DemuxCounters.allocate(countersManager, 0);
        final ClientHelloVerifier verifier = new ClientHelloVerifier();
        final List<DatagramClass> types = new ArrayList<>();
        final List<byte[]> handed = new ArrayList<>();
        final UnsafeBuffer response = new UnsafeBuffer(new byte[STUN_BINDING_REQUEST.length]);
        final VerifierAgent agent = new VerifierAgent(new VerifierAgent.Context()
            .sockets(() -> BatchSockets.open(new BatchSocket.Context().bindAddress(loopback).forceNio(nio)))
            .verifier(verifier)
            .counters(counters)
            .demuxCounters(demuxCounters)
            .demuxHandler((type, datagram, length, peer, reply) ->
            {
                types.add(type);
                final byte[] bytes = new byte[length];
                datagram.getBytes(0, bytes);
                handed.add(bytes);
                if (type == DatagramClass.STUN)
                {
                    // An ICE-lite agent's binding success response: class 0x0101, the request's transaction id.
                    response.putBytes(0, datagram, 0, length);
                    response.putByte(0, (byte)0x01);
                    response.putByte(1, (byte)0x01);
                    assertTrue(reply.send(response, 0, length));
                }
            }));

        try (AgentInvoker invoker = new AgentInvoker(errors::add, null, agent);
            DatagramChannel client = DatagramChannel.open(StandardProtocolFamily.INET))
        {
            invoker.start();
            client.configureBlocking(false);
            client.bind(new InetSocketAddress(loopback, 0));
            final InetSocketAddress server = new InetSocketAddress(loopback, agent.socket().localPort());

            client.send(ByteBuffer.wrap(STUN_BINDING_REQUEST), server);
            final ByteBuffer answer = ByteBuffer.allocate(2048);
            assertEquals(server.getPort(), awaitFrom(invoker, client, answer).getPort());
            answer.flip();
            assertEquals(0x0101, answer.getShort(0), "the handler's binding response, from the worker's socket");
            client.send(ByteBuffer.wrap(RTP_PACKET), server);
            client.send(ByteBuffer.wrap(HELLO), server);
            assertEquals(3, awaitDatagram(invoker, client).get(13), "DTLS still gets its HelloVerifyRequest");
            invokeUntil(invoker, () -> counters[WorkerCounter.RECEIVED.ordinal()].get() == 3);

            assertEquals(List.of(DatagramClass.STUN, DatagramClass.RTP_RTCP), types);
            assertArrayEquals(STUN_BINDING_REQUEST, handed.get(0));
            assertArrayEquals(RTP_PACKET, handed.get(1));
            assertEquals(1, demuxCounters.handled(DatagramClass.STUN));
            assertEquals(1, demuxCounters.handled(DatagramClass.RTP_RTCP));
            assertEquals(0, demuxCounters.handled(DatagramClass.QUIC));
            assertEquals(1, demuxCounters.replies());
            assertEquals(0, demuxCounters.repliesRefused());
            assertEquals(0, counters[WorkerCounter.DROPPED.ordinal()].get(), "handed over, not dropped");
            assertEquals(1, counters[WorkerCounter.REPLIES.ordinal()].get());
            assertEquals(0, verifier.counters().dropped(DropReason.NOT_HANDSHAKE));
            assertTrue(errors.isEmpty(), errors::toString);
        }
    }

    @Test
    @Timeout(60)
    void shouldHandEveryStunAndRtpDatagramToTheHandlerWhileHellosFloodTheSamePort() throws IOException
    {
        assumeTrue(LibC.isAvailable());
        final InetAddress loopback = InetAddress.getLoopbackAddress();
        final AtomicCounter[] counters = WorkerCounter.allocate(countersManager, 0);
        final DemuxCounters demuxCounters = DemuxCounters.allocate(countersManager, 0);
        final long[] handled = new long[DatagramClass.values().length];
        final VerifierAgent agent = new VerifierAgent(new VerifierAgent.Context()
            .sockets(() -> BatchSockets.open(new BatchSocket.Context().bindAddress(loopback)))
            .verifier(new ClientHelloVerifier())
            .counters(counters)
            .demuxCounters(demuxCounters)
            .demuxHandler((type, datagram, length, peer, reply) -> handled[type.ordinal()]++));
        final int rounds = 500;
        final int floodPerRound = 62;

        try (AgentInvoker invoker = new AgentInvoker(errors::add, null, agent);
            DatagramChannel media = DatagramChannel.open(StandardProtocolFamily.INET);
            DatagramChannel flood = DatagramChannel.open(StandardProtocolFamily.INET))
        {
            invoker.start();
            media.bind(new InetSocketAddress(loopback, 0));
            flood.bind(new InetSocketAddress(loopback, 0));
            final InetSocketAddress server = new InetSocketAddress(loopback, agent.socket().localPort());
            // A DTLS-looking application-data record from a stranger: the verifier's to drop.
            final byte[] garbage = new byte[64];
            garbage[0] = 23;
            for (int round = 0; round < rounds; round++)
            {
                for (int i = 0; i < floodPerRound; i++)
                {
                    flood.send(ByteBuffer.wrap((i & 1) == 0 ? HELLO : garbage), server);
                }
                media.send(ByteBuffer.wrap(STUN_BINDING_REQUEST), server);
                media.send(ByteBuffer.wrap(RTP_PACKET), server);
                final long target = (long)(round + 1) * (floodPerRound + 2);
                invokeUntil(invoker, () -> counters[WorkerCounter.RECEIVED.ordinal()].get() == target);
            }

            assertEquals(rounds, handled[DatagramClass.STUN.ordinal()], "every binding request, none lost");
            assertEquals(rounds, handled[DatagramClass.RTP_RTCP.ordinal()]);
            assertEquals(rounds, demuxCounters.handled(DatagramClass.STUN));
            assertEquals(rounds, demuxCounters.handled(DatagramClass.RTP_RTCP));
            assertEquals((long)rounds * floodPerRound / 2, counters[WorkerCounter.REPLIES.ordinal()].get(),
                "the flood's hellos still get their HelloVerifyRequests");
            assertEquals((long)rounds * floodPerRound / 2, counters[WorkerCounter.DROPPED.ordinal()].get(),
                "the flood's records that are not hellos: dropped by the verifier, as without a handler");
            assertTrue(errors.isEmpty(), errors::toString);
        }
    }

    @ParameterizedTest(name = "nio={0}")
    @ValueSource(booleans = {false, true})
    @Timeout(30)
    void shouldDropAndCountStunAndRtpAsBeforeWithoutADemuxHandler(final boolean nio) throws IOException
    {
        assumeTrue(nio || LibC.isAvailable());
        final InetAddress loopback = InetAddress.getLoopbackAddress();
        final AtomicCounter[] counters = WorkerCounter.allocate(countersManager, 0);
        final ClientHelloVerifier verifier = new ClientHelloVerifier();
        final VerifierAgent agent = new VerifierAgent(new VerifierAgent.Context()
            .sockets(() -> BatchSockets.open(new BatchSocket.Context().bindAddress(loopback).forceNio(nio)))
            .verifier(verifier)
            .counters(counters));

        try (AgentInvoker invoker = new AgentInvoker(errors::add, null, agent);
            DatagramChannel client = DatagramChannel.open(StandardProtocolFamily.INET))
        {
            invoker.start();
            client.configureBlocking(false);
            client.bind(new InetSocketAddress(loopback, 0));
            final InetSocketAddress server = new InetSocketAddress(loopback, agent.socket().localPort());
            client.send(ByteBuffer.wrap(STUN_BINDING_REQUEST), server);
            client.send(ByteBuffer.wrap(RTP_PACKET), server);
            invokeUntil(invoker, () -> counters[WorkerCounter.RECEIVED.ordinal()].get() == 2);
            for (int i = 0; i < 100; i++)
            {
                invoker.invoke();
            }

            assertEquals(2, counters[WorkerCounter.DROPPED.ordinal()].get());
            assertEquals(2, verifier.counters().dropped(DropReason.NOT_HANDSHAKE), "the STUN request, the RTP packet");
            assertNull(client.receive(ByteBuffer.allocate(2048)), "nothing answers them");
            assertTrue(errors.isEmpty(), errors::toString);
        }
    }

    @ParameterizedTest(name = "nio={0}")
    @ValueSource(booleans = {false, true})
    @Timeout(30)
    void shouldSendOutboxDatagramsAndVerifyAReleasedPeerAgain(final boolean nio) throws Exception
    {
        assumeTrue(nio || LibC.isAvailable());
        final InetAddress loopback = InetAddress.getLoopbackAddress();
        final AtomicCounter[] counters = WorkerCounter.allocate(countersManager, 0);
        final AcceptedPeers acceptedPeers = new AcceptedPeers(16);
        final Outbox outbox = new Outbox(64 * 1024);
        final PeerCommands commands = new PeerCommands(PeerCommands.MIN_CAPACITY_BYTES);
        final List<Integer> peerPorts = new ArrayList<>();
        final VerifierAgent agent = new VerifierAgent(new VerifierAgent.Context()
            .sockets(() -> BatchSockets.open(new BatchSocket.Context().bindAddress(loopback).forceNio(nio)))
            .verifier(new ClientHelloVerifier())
            .counters(counters)
            .acceptedPeers(acceptedPeers)
            .peerHandler((datagram, length, peer, value) -> peerPorts.add(peer.port()))
            .outbox(outbox)
            .commands(commands));

        try (AgentInvoker invoker = new AgentInvoker(errors::add, null, agent);
            DatagramChannel client = DatagramChannel.open(StandardProtocolFamily.INET))
        {
            invoker.start();
            client.configureBlocking(false);
            client.bind(new InetSocketAddress(loopback, 0));
            final int clientPort = ((InetSocketAddress)client.getLocalAddress()).getPort();
            final InetSocketAddress server = new InetSocketAddress(loopback, agent.socket().localPort());
            final UnsafeBuffer clientAddress = new UnsafeBuffer(loopback.getAddress());
            assertTrue(acceptedPeers.add(scratch.at(clientAddress, 0, 4, clientPort)));

            final byte[] payload = new byte[1200];
            for (int i = 0; i < payload.length; i++)
            {
                payload[i] = (byte)(i * 31 + 7);
            }
            final Thread application = new Thread(() ->
                assertTrue(outbox.offerSend(PeerScratch.of(new InetSocketAddress(loopback, clientPort)), new UnsafeBuffer(payload), 0, 1200)));
            application.start();
            application.join();
            final ByteBuffer sent = awaitDatagram(invoker, client);
            final byte[] bytes = new byte[sent.remaining()];
            sent.get(bytes);
            assertArrayEquals(payload, bytes, "the outbox datagram arrives byte for byte");
            assertEquals(1, counters[WorkerCounter.OUTBOX_SENT.ordinal()].get());
            assertEquals(0, counters[WorkerCounter.RECEIVED.ordinal()].get(), "sent on a cycle that received nothing");
            assertEquals(0, counters[WorkerCounter.BATCHES.ordinal()].get(), "an outbox-only cycle is no batch");

            client.send(ByteBuffer.wrap(HELLO), server);
            invokeUntil(invoker, () -> peerPorts.size() == 1);
            assertTrue(commands.offerRelease(PeerScratch.of(new InetSocketAddress(loopback, clientPort))));
            invokeUntil(invoker, () -> acceptedPeers.size() == 0);
            client.send(ByteBuffer.wrap(HELLO), server);
            assertEquals(3, awaitDatagram(invoker, client).get(13), "a released peer is verified again");

            assertEquals(List.of(clientPort), peerPorts);
            assertEquals(1, counters[WorkerCounter.PEER_DATAGRAMS.ordinal()].get());
            assertEquals(1, counters[WorkerCounter.REPLIES.ordinal()].get());
            assertEquals(1, counters[WorkerCounter.OUTBOX_SENT.ordinal()].get());
            assertEquals(0, outbox.rejected());
            assertTrue(errors.isEmpty(), errors::toString);
        }
    }

    @ParameterizedTest(name = "nio={0}")
    @ValueSource(booleans = {false, true})
    @Timeout(30)
    void shouldKnowAnIpv4PeerAcceptedByItsFourByteAddressOnADualStackSocket(final boolean nio) throws IOException
    {
        assumeTrue(nio || LibC.isAvailable());
        final AtomicCounter[] counters = WorkerCounter.allocate(countersManager, 0);
        final AcceptedPeers acceptedPeers = new AcceptedPeers(4);
        final Outbox outbox = new Outbox(64 * 1024);
        final List<Integer> addressLengths = new ArrayList<>();
        final VerifierAgent agent = new VerifierAgent(new VerifierAgent.Context()
            .sockets(() -> BatchSockets.open(new BatchSocket.Context()
                .bindAddress(BatchSocketContract.address("::")).forceNio(nio)))
            .verifier(new ClientHelloVerifier())
            .counters(counters)
            .acceptedPeers(acceptedPeers)
            .peerHandler((datagram, length, peer, value) ->
            {
                addressLengths.add(peer.isIpv4() ? 4 : 16);
                // Echo from the worker thread, to the address as the socket reported it.
                assertTrue(outbox.offerSend(peer, datagram, 0, length));
            })
            .outbox(outbox));
        final InetAddress loopback = InetAddress.getByName("127.0.0.1");

        try (AgentInvoker invoker = new AgentInvoker(errors::add, null, agent);
            DatagramChannel client = DatagramChannel.open(StandardProtocolFamily.INET))
        {
            invoker.start();
            client.configureBlocking(false);
            client.bind(new InetSocketAddress(loopback, 0));
            final int clientPort = ((InetSocketAddress)client.getLocalAddress()).getPort();
            assertTrue(acceptedPeers.add(scratch.at(new UnsafeBuffer(loopback.getAddress()), 0, 4, clientPort)));

            client.send(ByteBuffer.wrap(HELLO), new InetSocketAddress(loopback, agent.socket().localPort()));
            final ByteBuffer echo = awaitDatagram(invoker, client);

            assertEquals(HELLO.length, echo.remaining(), "the echo, not a HelloVerifyRequest");
            // recvmmsg reports ::ffff:127.0.0.1 on a dual-stack socket, the JDK 127.0.0.1: one IPv4 peer either way.
            assertEquals(List.of(4), addressLengths);
            assertEquals(1, counters[WorkerCounter.PEER_DATAGRAMS.ordinal()].get());
            assertEquals(1, counters[WorkerCounter.OUTBOX_SENT.ordinal()].get());
            assertEquals(0, counters[WorkerCounter.REPLIES.ordinal()].get());
            assertTrue(errors.isEmpty(), errors::toString);
        }
    }

    /**
     * The agent under real EAGAIN (see {@link BatchSocketContract}'s partial-send test for how a {@link PrivateNetwork}
     * with a rate-limited loopback and a 4 KiB send buffer makes it): 1000 hellos arrive faster than their replies
     * can leave. Replies that found a send slot are sent, late but exactly once; those that found every slot still
     * queued are dropped and counted; the EAGAINs are counted without waiting for more datagrams to arrive.
     */
    @Test
    @Timeout(60)
    void shouldSendEveryStagedReplyOnceThroughEagainAndCountTheRest() throws Exception
    {
        assumeTrue(LibC.isAvailable());
        final PrivateNetwork network = PrivateNetwork.create("tbf rate 8mbit burst 16kb latency 500ms");
        assumeTrue(null != network, "needs root, iproute2 and the tbf qdisc to make a namespace with a slow loopback");
        try (network)
        {
            network.run(() ->
            {
                sendThroughEagain();
                return null;
            }, 45);
        }
    }

    private void sendThroughEagain() throws IOException
    {
        final int hellos = 1000;
        final InetAddress loopback = BatchSocketContract.address("127.0.0.1");
        final AtomicCounter[] counters = WorkerCounter.allocate(countersManager, 0);
        final VerifierAgent agent = new VerifierAgent(new VerifierAgent.Context()
            .sockets(() -> new MmsgBatchSocket(new BatchSocket.Context().bindAddress(loopback).batchSize(32)
                .sendBufferBytes(4096)))
            .verifier(new ClientHelloVerifier())
            .counters(counters));
        try (AgentInvoker invoker = new AgentInvoker(errors::add, null, agent);
            DatagramChannel client = DatagramChannel.open(StandardProtocolFamily.INET))
        {
            invoker.start();
            client.configureBlocking(false);
            // The client's hellos pass the same qdisc: a small send buffer keeps them within its limit (so none is
            // dropped there), and a full one makes send return 0, when the hello is tried again later.
            client.setOption(StandardSocketOptions.SO_SNDBUF, 16 * 1024);
            client.setOption(StandardSocketOptions.SO_RCVBUF, 4 * 1024 * 1024);
            client.bind(new InetSocketAddress(loopback, 0));
            final InetSocketAddress server = new InetSocketAddress(loopback, agent.socket().localPort());

            final AtomicCounter replies = counters[WorkerCounter.REPLIES.ordinal()];
            final ByteBuffer buffer = ByteBuffer.allocate(2048);
            int sent = 0;
            int answered = 0;
            final long deadline = System.nanoTime() + 4 * WAIT_NS;
            while (counters[WorkerCounter.RECEIVED.ordinal()].get() < hellos || agent.socket().sendQueued() > 0 ||
                answered < replies.get())
            {
                assertTrue(System.nanoTime() - deadline < 0, "sent " + sent + ", received " +
                    counters[WorkerCounter.RECEIVED.ordinal()].get() + ", answered " + answered + " of " +
                    replies.get());
                while (sent < hellos && client.send(ByteBuffer.wrap(HELLO), server) > 0)
                {
                    sent++;
                }
                invoker.invoke();
                for (buffer.clear(); null != client.receive(buffer); buffer.clear())
                {
                    assertEquals(3, buffer.get(13), "a HelloVerifyRequest");
                    answered++;
                }
            }
            for (int i = 0; i < 200; i++)
            {
                invoker.invoke();
                buffer.clear();
                assertNull(client.receive(buffer), "no reply sent twice");
            }

            assertEquals(hellos, counters[WorkerCounter.RECEIVED.ordinal()].get());
            assertEquals(replies.get(), answered);
            assertEquals(hellos, replies.get() + counters[WorkerCounter.REPLY_QUEUE_FULL.ordinal()].get());
            assertTrue(counters[WorkerCounter.SEND_WOULD_BLOCK.ordinal()].get() > 0, "EAGAIN counted");
            assertEquals(agent.socket().sendWouldBlock(), counters[WorkerCounter.SEND_WOULD_BLOCK.ordinal()].get(),
                "published without waiting for another datagram");
            assertEquals(0, counters[WorkerCounter.SEND_FAILED.ordinal()].get());
            assertTrue(errors.isEmpty(), errors::toString);
        }
    }

    /**
     * Issue 3's "10 000 datagrams from 1 000 distinct source addresses in 127.0.0.0/8 each get their HVR back at the
     * right address": every client is a socket bound to its own 127.x.y.z address, and each reply must be exactly
     * the HelloVerifyRequest a verifier with the same keys and clock computes for that client's address and port.
     */
    @ParameterizedTest(name = "nio={0}")
    @ValueSource(booleans = {false, true})
    @Timeout(120)
    void shouldAnswerTenThousandHellosFromAThousandSourcesEachWithItsOwnCookie(final boolean nio) throws IOException
    {
        assumeTrue(nio || LibC.isAvailable());
        final long nowMs = 1_800_000_000_000L;
        final CookieKeys keys = CookieKeys.random();
        final ClientHelloVerifier reference =
            new ClientHelloVerifier(new ClientHelloVerifier.Context().cookieKeys(keys));
        final AtomicCounter[] counters = WorkerCounter.allocate(countersManager, 0);
        final InetAddress loopback = InetAddress.getByName("127.0.0.1");
        final VerifierAgent agent = new VerifierAgent(new VerifierAgent.Context()
            .sockets(() -> BatchSockets.open(new BatchSocket.Context().bindAddress(loopback).forceNio(nio)))
            .verifier(new ClientHelloVerifier(new ClientHelloVerifier.Context().cookieKeys(keys)))
            .clock(() -> nowMs)
            .counters(counters));
        final int clients = 1000;
        final int perClient = 10;
        final int clientsPerRound = 50;
        final UnsafeBuffer hello = new UnsafeBuffer(HELLO);
        final UnsafeBuffer expected = new UnsafeBuffer(new byte[2048]);
        final ByteBuffer reply = ByteBuffer.allocate(2048);

        try (AgentInvoker invoker = new AgentInvoker(errors::add, null, agent))
        {
            invoker.start();
            final InetSocketAddress server = new InetSocketAddress(loopback, agent.socket().localPort());
            for (int first = 0; first < clients; first += clientsPerRound)
            {
                final DatagramChannel[] round = new DatagramChannel[clientsPerRound];
                try
                {
                    for (int c = 0; c < clientsPerRound; c++)
                    {
                        round[c] = BatchSocketContract.peer(BatchSocketContract.sourceAddress(first + c));
                    }
                    for (int d = 0; d < perClient; d++)
                    {
                        for (final DatagramChannel client : round)
                        {
                            assertEquals(HELLO.length, client.send(ByteBuffer.wrap(HELLO), server));
                        }
                    }
                    final long target = (long)(first + clientsPerRound) * perClient;
                    invokeUntil(invoker, () -> counters[WorkerCounter.RECEIVED.ordinal()].get() == target);

                    for (final DatagramChannel client : round)
                    {
                        final InetSocketAddress local = (InetSocketAddress)client.getLocalAddress();
                        final UnsafeBuffer address = new UnsafeBuffer(local.getAddress().getAddress());
                        assertEquals(VerifyOutcome.REPLY, reference.verify(hello, 0, HELLO.length, scratch.at(address, 0, 4, local.getPort()), nowMs, expected, 0, expected.capacity()));
                        final byte[] expectedBytes = new byte[reference.replyLength()];
                        expected.getBytes(0, expectedBytes);
                        for (int d = 0; d < perClient; d++)
                        {
                            reply.clear();
                            final InetSocketAddress from = awaitFrom(invoker, client, reply);
                            assertEquals(server, from, "the reply comes from the server's address and port");
                            final byte[] bytes = new byte[reply.flip().remaining()];
                            reply.get(bytes);
                            assertArrayEquals(expectedBytes, bytes, "the HelloVerifyRequest for " + local);
                        }
                    }
                }
                finally
                {
                    for (final DatagramChannel channel : round)
                    {
                        if (null != channel)
                        {
                            channel.close();
                        }
                    }
                }
            }
            assertEquals(clients * perClient, counters[WorkerCounter.REPLIES.ordinal()].get());
            assertEquals(0, counters[WorkerCounter.DROPPED.ordinal()].get());
            assertEquals(0, counters[WorkerCounter.SEND_FAILED.ordinal()].get());
            assertEquals(0, counters[WorkerCounter.REPLY_QUEUE_FULL.ordinal()].get());
            assertTrue(errors.isEmpty(), errors::toString);
        }
    }

    /**
     * Malformed datagrams at full rate: 200 000 truncated, mutated and random datagrams, sent in windows of 1024 as
     * fast as a native socket sends them, are each received, dropped and counted, with no reply and no exception.
     * Every distinct datagram is first checked to be a drop by a verifier of its own, so the flood is known to hold
     * nothing that deserves an answer.
     */
    @Test
    @Timeout(120)
    void shouldDropTwoHundredThousandMalformedDatagramsAtFullRateWithoutAReply()
    {
        assumeTrue(LibC.isAvailable());
        final int total = 200_000;
        final int window = 1024;
        final int batch = 64;
        final UnsafeBuffer[] malformed = malformedDatagrams(2048);
        final InetAddress loopback = InetAddress.getLoopbackAddress();
        final AtomicCounter[] counters = WorkerCounter.allocate(countersManager, 0);
        final ClientHelloVerifier verifier = new ClientHelloVerifier();
        final VerifierAgent agent = new VerifierAgent(new VerifierAgent.Context()
            .sockets(() -> new MmsgBatchSocket(new BatchSocket.Context().bindAddress(loopback).batchSize(batch)))
            .verifier(verifier)
            .counters(counters));

        try (AgentInvoker invoker = new AgentInvoker(errors::add, null, agent);
            MmsgBatchSocket client = new MmsgBatchSocket(
                new BatchSocket.Context().bindAddress(loopback).batchSize(batch)))
        {
            invoker.start();
            final UnsafeBuffer server = new UnsafeBuffer(loopback.getAddress());
            final int serverPort = agent.socket().localPort();
            final AtomicCounter received = counters[WorkerCounter.RECEIVED.ordinal()];
            int sent = 0;
            while (sent < total)
            {
                final int windowEnd = Math.min(total, sent + window);
                while (sent < windowEnd)
                {
                    for (int slot = client.nextSendSlot(); slot >= 0 && sent < windowEnd; slot = client.nextSendSlot())
                    {
                        final UnsafeBuffer datagram = malformed[sent % malformed.length];
                        client.sendBuffer(slot).putBytes(0, datagram, 0, datagram.capacity());
                        client.stage(slot, datagram.capacity(), scratch.at(server, 0, 4, serverPort));
                        sent++;
                    }
                    final long deadline = System.nanoTime() + WAIT_NS;
                    while (client.sendQueued() > 0)
                    {
                        assertTrue(System.nanoTime() - deadline < 0, "client flush stalled");
                        client.flush();
                    }
                }
                final long target = sent;
                invokeUntil(invoker, () -> received.get() == target);
                assertEquals(0, client.receive(), "no reply to a malformed datagram");
            }
            for (int i = 0; i < 100; i++)
            {
                invoker.invoke();
            }

            assertEquals(0, client.receive(), "no reply to a malformed datagram");
            assertEquals(total, received.get());
            assertEquals(total, counters[WorkerCounter.DROPPED.ordinal()].get());
            assertEquals(0, counters[WorkerCounter.REPLIES.ordinal()].get());
            assertEquals(0, counters[WorkerCounter.VERIFIED.ordinal()].get());
            assertEquals(0, counters[WorkerCounter.SEND_FAILED.ordinal()].get());
            assertEquals(total, verifier.counters().dropped(), "every drop counted by its reason");
            assertTrue(errors.isEmpty(), errors::toString);
        }
    }

    /**
     * Distinct datagrams that must all be dropped: truncations of a real hello, single-byte changes to its header
     * fields, and random bytes; each is checked to be a drop before it is used.
     */
    private static UnsafeBuffer[] malformedDatagrams(final int count)
    {
        final Random random = new Random(6347);
        final ClientHelloVerifier check = new ClientHelloVerifier();
        final UnsafeBuffer address = new UnsafeBuffer(new byte[]{127, 0, 0, 1});
        final UnsafeBuffer reply = new UnsafeBuffer(new byte[2048]);
        final UnsafeBuffer[] datagrams = new UnsafeBuffer[count];
        final int[] headerFields = {0, 1, 2, 3, 4, 13, 14, 15, 16, 19, 20, 21, 22, 23, 24, 25, 26};
        int made = 0;
        while (made < count)
        {
            final byte[] bytes;
            switch (made % 3)
            {
                case 0 -> bytes = Arrays.copyOf(HELLO, random.nextInt(HELLO.length));
                case 1 ->
                {
                    bytes = HELLO.clone();
                    final int at = headerFields[random.nextInt(headerFields.length)];
                    bytes[at] = (byte)(bytes[at] + 1 + random.nextInt(255));
                }
                default ->
                {
                    bytes = new byte[1 + random.nextInt(1400)];
                    random.nextBytes(bytes);
                }
            }
            final UnsafeBuffer datagram = new UnsafeBuffer(bytes);
            if (check.verify(datagram, 0, bytes.length, new PeerScratch().at(address, 0, 4, 9), 1L, reply, 0, reply.capacity()) ==
                VerifyOutcome.DROP)
            {
                datagrams[made++] = datagram;
            }
        }
        return datagrams;
    }

    /**
     * Shutdown frees everything: closing the agent closes its socket, so the port can be bound again by a socket
     * that does not share it (SO_REUSEPORT off), and the slot buffers it handed out no longer point at memory.
     */
    @ParameterizedTest(name = "nio={0}")
    @ValueSource(booleans = {false, true})
    @Timeout(30)
    void shouldReleaseThePortAndSlotMemoryWhenClosed(final boolean nio) throws IOException
    {
        assumeTrue(nio || LibC.isAvailable());
        final InetAddress loopback = InetAddress.getLoopbackAddress();
        final AtomicCounter[] counters = WorkerCounter.allocate(countersManager, 0);
        final VerifierAgent agent = new VerifierAgent(new VerifierAgent.Context()
            .sockets(() -> BatchSockets.open(new BatchSocket.Context().bindAddress(loopback).forceNio(nio)))
            .verifier(new ClientHelloVerifier())
            .counters(counters)
            .acceptedPeers(new AcceptedPeers(4))
            .peerHandler((datagram, length, peer, value) -> {})
            .outbox(new Outbox(64 * 1024)));
        final AgentInvoker invoker = new AgentInvoker(errors::add, null, agent);
        invoker.start();
        final BatchSocket socket = agent.socket();
        final int port = socket.localPort();
        final UnsafeBuffer receiveSlot = socket.received(0).buffer();
        final UnsafeBuffer sendSlot = socket.sendBuffer(0);
        try (DatagramChannel client = DatagramChannel.open(StandardProtocolFamily.INET))
        {
            client.configureBlocking(false);
            client.bind(new InetSocketAddress(loopback, 0));
            client.send(ByteBuffer.wrap(HELLO), new InetSocketAddress(loopback, port));
            assertEquals(3, awaitDatagram(invoker, client).get(13));
        }

        invoker.close();

        assertTrue(invoker.isClosed());
        assertTrue(socket.isClosed());
        assertEquals(0, receiveSlot.capacity(), "a stale receive slot no longer points at freed memory");
        assertEquals(0, sendSlot.capacity(), "nor does a stale send slot");
        try (BatchSocket again = BatchSockets.open(
            new BatchSocket.Context().bindAddress(loopback).port(port).reusePort(false).forceNio(nio)))
        {
            assertEquals(port, again.localPort(), "the port is free: the agent's descriptor is closed");
        }
        assertTrue(errors.isEmpty(), errors::toString);
    }

    @Test
    @Timeout(10)
    void shouldRefuseAnIncompleteContext()
    {
        final AtomicCounter[] counters = WorkerCounter.allocate(countersManager, 2);
        final Supplier<BatchSocket> sockets = () -> new NioBatchSocket(new BatchSocket.Context());

        assertThrows(NullPointerException.class, () -> new VerifierAgent(new VerifierAgent.Context()
            .verifier(new ClientHelloVerifier()).counters(counters)));
        assertThrows(NullPointerException.class, () -> new VerifierAgent(new VerifierAgent.Context()
            .sockets(sockets).counters(counters)));
        assertThrows(IllegalArgumentException.class, () -> new VerifierAgent(new VerifierAgent.Context()
            .sockets(sockets).verifier(new ClientHelloVerifier()).counters(new AtomicCounter[1])));
        assertThrows(IllegalArgumentException.class, () -> new VerifierAgent(new VerifierAgent.Context()
            .sockets(sockets).verifier(new ClientHelloVerifier()).counters(counters).cpu(1024)));
        assertThrows(IllegalArgumentException.class, () -> new VerifierAgent(new VerifierAgent.Context()
            .sockets(sockets).verifier(new ClientHelloVerifier()).counters(counters)
            .acceptedPeers(new AcceptedPeers(1))), "accepted peers with nobody to hand their datagrams to");
        assertThrows(IllegalArgumentException.class, () -> new VerifierAgent(new VerifierAgent.Context()
            .sockets(sockets).verifier(new ClientHelloVerifier()).counters(counters)
            .peerHandler((datagram, length, peer, value) -> {})));
        final VerifierAgent smallSlots = new VerifierAgent(new VerifierAgent.Context()
            .sockets(() -> new NioBatchSocket(new BatchSocket.Context().slotBytes(512)))
            .verifier(new ClientHelloVerifier()).counters(counters).outbox(new Outbox(64 * 1024)));
        assertEquals("outbox takes payloads up to 2048 bytes but the socket's slots are 512: build it with " +
            "new Outbox(capacity, 512)", assertThrows(IllegalStateException.class, smallSlots::onStart).getMessage());
        assertTrue(smallSlots.socket().isClosed(), "the refused socket is not left open");
        assertEquals("outbox takes payloads up to 2048 bytes but the socket's slots are 512: build it with " +
            "new Outbox(capacity, 512)", assertThrows(IllegalArgumentException.class, () -> new VerifierAgent(
            new VerifierAgent.Context().sockets(sockets).slotBytes(512).verifier(new ClientHelloVerifier())
            .counters(counters).outbox(new Outbox(64 * 1024)))).getMessage(),
            "a known slot size is checked when the agent is built, before anything starts");
        assertThrows(IllegalArgumentException.class, () -> new VerifierAgent(new VerifierAgent.Context()
            .sockets(sockets).verifier(new ClientHelloVerifier()).counters(counters)
            .commands(new PeerCommands(PeerCommands.MIN_CAPACITY_BYTES))), "commands with no peer set to apply to");
        assertEquals(WorkerCounter.values().length, counters.length);
        assertEquals("datagrams received: worker=2", countersManager.getCounterLabel(counters[0].id()));
        assertEquals(WorkerCounter.RECEIVED.typeId(), countersManager.getCounterTypeId(counters[0].id()));
    }

    private static ByteBuffer awaitDatagram(final AgentInvoker invoker, final DatagramChannel client)
        throws IOException
    {
        final ByteBuffer buffer = ByteBuffer.allocate(2048);
        final long deadline = System.nanoTime() + WAIT_NS;
        while (null == client.receive(buffer))
        {
            if (System.nanoTime() - deadline > 0)
            {
                fail("no reply before the deadline");
            }
            invoker.invoke();
        }
        return buffer.flip();
    }

    private static InetSocketAddress awaitFrom(
        final AgentInvoker invoker, final DatagramChannel client, final ByteBuffer buffer) throws IOException
    {
        final long deadline = System.nanoTime() + WAIT_NS;
        while (true)
        {
            final InetSocketAddress from = (InetSocketAddress)client.receive(buffer);
            if (null != from)
            {
                return from;
            }
            if (System.nanoTime() - deadline > 0)
            {
                fail("no reply before the deadline on " + client.getLocalAddress());
            }
            invoker.invoke();
        }
    }

    private static void invokeUntil(final AgentInvoker invoker, final BooleanSupplier done)
    {
        final long deadline = System.nanoTime() + WAIT_NS;
        while (!done.getAsBoolean())
        {
            if (System.nanoTime() - deadline > 0)
            {
                fail("condition not met before the deadline");
            }
            invoker.invoke();
        }
    }

    /**
     * Put a cookie into a whole single-record ClientHello, fixing the record, message and fragment lengths.
     */
    static byte[] withCookie(final byte[] hello, final byte[] cookie)
    {
        final int sessionIdLengthAt = 13 + 12 + 2 + 32;
        final int cookieLengthAt = sessionIdLengthAt + 1 + (hello[sessionIdLengthAt] & 0xFF);
        final int oldCookieLength = hello[cookieLengthAt] & 0xFF;
        final int tailAt = cookieLengthAt + 1 + oldCookieLength;
        final ByteBuffer out = ByteBuffer.allocate(hello.length - oldCookieLength + cookie.length)
            .put(hello, 0, cookieLengthAt)
            .put((byte)cookie.length)
            .put(cookie)
            .put(hello, tailAt, hello.length - tailAt);
        final int delta = cookie.length - oldCookieLength;
        out.putShort(11, (short)((out.getShort(11) & 0xFFFF) + delta));
        putUint24(out, 14, uint24(out, 14) + delta);
        putUint24(out, 22, uint24(out, 22) + delta);
        return out.array();
    }

    private static int uint24(final ByteBuffer buffer, final int index)
    {
        return (buffer.get(index) & 0xFF) << 16 | (buffer.getShort(index + 1) & 0xFFFF);
    }

    private static void putUint24(final ByteBuffer buffer, final int index, final int value)
    {
        buffer.put(index, (byte)(value >>> 16)).putShort(index + 1, (short)value);
    }
}
