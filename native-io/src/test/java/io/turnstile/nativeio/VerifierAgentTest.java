package io.turnstile.nativeio;

import io.turnstile.codec.HelloVerifyRequestEncoder;
import io.turnstile.verifier.ClientHelloVerifier;
import io.turnstile.verifier.DropReason;
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
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
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
            .handler((datagram, length, address, addressOffset, addressLength, port, verifier) ->
            {
                final byte[] bytes = new byte[addressLength];
                address.getBytes(addressOffset, bytes);
                verifiedAddresses.add(bytes);
                verifiedPorts.add(port);
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
        final VerifierAgent agent = new VerifierAgent(new VerifierAgent.Context()
            .sockets(() -> BatchSockets.open(new BatchSocket.Context().bindAddress(loopback).forceNio(nio)))
            .verifier(new ClientHelloVerifier())
            .counters(counters)
            .acceptedPeers(acceptedPeers)
            .peerHandler((datagram, length, address, addressOffset, addressLength, port) ->
            {
                final byte[] bytes = new byte[length];
                datagram.getBytes(0, bytes);
                peerDatagrams.add(bytes);
                peerPorts.add(port);
            })
            // What an application does: a peer that proved its address is accepted on the worker thread.
            .handler((datagram, length, address, addressOffset, addressLength, port, verifier) ->
                assertTrue(acceptedPeers.add(address, addressOffset, addressLength, port))));

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
            assertNull(accepted.receive(ByteBuffer.allocate(2048)), "no HelloVerifyRequest for an accepted peer");
            assertEquals(5, counters[WorkerCounter.RECEIVED.ordinal()].get());
            assertEquals(2, counters[WorkerCounter.PEER_DATAGRAMS.ordinal()].get());
            assertEquals(2, counters[WorkerCounter.REPLIES.ordinal()].get());
            assertEquals(1, counters[WorkerCounter.VERIFIED.ordinal()].get());
            assertEquals(0, counters[WorkerCounter.DROPPED.ordinal()].get());
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
        final List<Integer> peerPorts = new ArrayList<>();
        final VerifierAgent agent = new VerifierAgent(new VerifierAgent.Context()
            .sockets(() -> BatchSockets.open(new BatchSocket.Context().bindAddress(loopback).forceNio(nio)))
            .verifier(new ClientHelloVerifier())
            .counters(counters)
            .acceptedPeers(acceptedPeers)
            .peerHandler((datagram, length, address, addressOffset, addressLength, port) -> peerPorts.add(port))
            .outbox(outbox));

        try (AgentInvoker invoker = new AgentInvoker(errors::add, null, agent);
            DatagramChannel client = DatagramChannel.open(StandardProtocolFamily.INET))
        {
            invoker.start();
            client.configureBlocking(false);
            client.bind(new InetSocketAddress(loopback, 0));
            final int clientPort = ((InetSocketAddress)client.getLocalAddress()).getPort();
            final InetSocketAddress server = new InetSocketAddress(loopback, agent.socket().localPort());
            final UnsafeBuffer clientAddress = new UnsafeBuffer(loopback.getAddress());
            assertTrue(acceptedPeers.add(clientAddress, 0, 4, clientPort));

            final byte[] payload = new byte[1200];
            for (int i = 0; i < payload.length; i++)
            {
                payload[i] = (byte)(i * 31 + 7);
            }
            final Thread application = new Thread(() ->
                assertTrue(outbox.offerSend(loopback.getAddress(), clientPort, new UnsafeBuffer(payload), 0, 1200)));
            application.start();
            application.join();
            final ByteBuffer sent = awaitDatagram(invoker, client);
            final byte[] bytes = new byte[sent.remaining()];
            sent.get(bytes);
            assertArrayEquals(payload, bytes, "the outbox datagram arrives byte for byte");
            assertEquals(1, counters[WorkerCounter.OUTBOX_SENT.ordinal()].get());
            assertEquals(0, counters[WorkerCounter.RECEIVED.ordinal()].get(), "sent on a cycle that received nothing");

            client.send(ByteBuffer.wrap(HELLO), server);
            invokeUntil(invoker, () -> peerPorts.size() == 1);
            assertTrue(outbox.offerRelease(loopback.getAddress(), clientPort));
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
