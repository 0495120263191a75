package io.turnstile.bench.pps;

import io.turnstile.codec.DtlsRecordDecoder;
import io.turnstile.codec.HelloVerifyRequestEncoder;
import io.turnstile.cookie.CookieKeys;
import io.turnstile.nativeio.LibC;
import io.turnstile.nativeio.WorkerCounter;
import io.turnstile.tools.Captures;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Every responder the harness measures, over real loopback sockets: a real OpenSSL cookie-less ClientHello gets a
 * HelloVerifyRequest back at the sender, and (for the verifying responders) the same hello carrying that cookie is
 * counted verified, so the harness measures responders doing the real work, not something that merely answers.
 */
class RespondersTest
{
    private static final String HELLO = "openssl-dtls12-ch1-nocookie.bin";
    private static final long WAIT_MS = 10_000;

    private final CountersManager countersManager = new CountersManager(
        new UnsafeBuffer(ByteBuffer.allocateDirect(64 * 1024)), new UnsafeBuffer(ByteBuffer.allocateDirect(16 * 1024)));

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"turnstile", "nio", "netty", "bc"})
    @Timeout(60)
    void shouldAnswerACorpusHelloWithAnHvrWhoseCookieThenVerifies(final String name) throws Exception
    {
        assumeTrue(LibC.isAvailable());
        final AtomicCounter[] counters = WorkerCounter.allocate(countersManager, 0);
        final InetAddress loopback = InetAddress.getLoopbackAddress();
        final byte[] hello = Captures.load(HELLO);
        try (Responder responder = Responders.create(name, context(counters, loopback, 8, false));
            DatagramChannel client = DatagramChannel.open(StandardProtocolFamily.INET))
        {
            final InetSocketAddress server = new InetSocketAddress(loopback, responder.start());
            client.bind(new InetSocketAddress(loopback, 0));

            client.send(ByteBuffer.wrap(hello), server);
            final byte[] hvr = receive(client);
            assertEquals(22, hvr[0], "a handshake record");
            assertEquals(3, hvr[DtlsRecordDecoder.HEADER_LENGTH], "hello_verify_request");
            assertArrayEquals(Arrays.copyOfRange(hello, 5, 11), Arrays.copyOfRange(hvr, 5, 11),
                "the HVR carries the hello's record sequence number (RFC 6347 4.2.1)");
            assertTrue(hvr.length <= hello.length, "never amplifies: " + hvr.length + " > " + hello.length);
            final byte[] cookie = Captures.hvrCookie(hvr, hvr.length);
            assertTrue(cookie.length > 0 && cookie.length <= 32, "cookie of " + cookie.length + " bytes");

            client.send(ByteBuffer.wrap(Captures.withCookie(hello, cookie)), server);
            await(counters[WorkerCounter.VERIFIED.ordinal()], 1);
            await(counters[WorkerCounter.RECEIVED.ordinal()], 2);
            assertEquals(1, counters[WorkerCounter.REPLIES.ordinal()].get());
            assertEquals(0, counters[WorkerCounter.DROPPED.ordinal()].get());
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"nio", "netty", "bc"})
    @Timeout(60)
    void shouldStillAnswerWithTheDontFragmentBitSetOnTheBaselines(final String name) throws Exception
    {
        assumeTrue(LibC.isAvailable());
        final AtomicCounter[] counters = WorkerCounter.allocate(countersManager, 0);
        final InetAddress loopback = InetAddress.getLoopbackAddress();
        final byte[] hello = Captures.load(HELLO);
        try (Responder responder = Responders.create(name, context(counters, loopback, 8, true));
            DatagramChannel client = DatagramChannel.open(StandardProtocolFamily.INET))
        {
            final InetSocketAddress server = new InetSocketAddress(loopback, responder.start());
            client.bind(new InetSocketAddress(loopback, 0));
            client.send(ByteBuffer.wrap(hello), server);
            final byte[] hvr = receive(client);
            assertEquals(3, hvr[DtlsRecordDecoder.HEADER_LENGTH], "hello_verify_request");
            assertTrue(responder.description().contains("DF set"), responder.description());
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"turnstile", "nio", "netty", "bc"})
    @Timeout(60)
    void shouldCountAMalformedHelloDroppedAndNotAnswerIt(final String name) throws Exception
    {
        assumeTrue(LibC.isAvailable());
        final AtomicCounter[] counters = WorkerCounter.allocate(countersManager, 0);
        final InetAddress loopback = InetAddress.getLoopbackAddress();
        final byte[] truncated = Captures.truncatedInExtensions(Captures.load(HELLO));
        final byte[] hello = Captures.load(HELLO);
        try (Responder responder = Responders.create(name, context(counters, loopback, 8, false));
            DatagramChannel client = DatagramChannel.open(StandardProtocolFamily.INET))
        {
            final InetSocketAddress server = new InetSocketAddress(loopback, responder.start());
            client.bind(new InetSocketAddress(loopback, 0));
            client.send(ByteBuffer.wrap(truncated), server);
            client.send(ByteBuffer.wrap(hello), server);
            final byte[] hvr = receive(client);
            assertEquals(3, hvr[DtlsRecordDecoder.HEADER_LENGTH], "only the well-formed hello is answered");
            await(counters[WorkerCounter.RECEIVED.ordinal()], 2);
            await(counters[WorkerCounter.DROPPED.ordinal()], 1);
            assertEquals(1, counters[WorkerCounter.REPLIES.ordinal()].get());
            assertEquals(0, counters[WorkerCounter.VERIFIED.ordinal()].get());
        }
    }

    @ParameterizedTest(name = "batch {0}")
    @ValueSource(ints = {1, 32})
    @Timeout(60)
    void shouldAnswerEveryHelloOfTheNoCryptoBaselineWithTheFixedHvrShapedReply(final int batch) throws Exception
    {
        assumeTrue(LibC.isAvailable());
        final AtomicCounter[] counters = WorkerCounter.allocate(countersManager, 0);
        final InetAddress loopback = InetAddress.getLoopbackAddress();
        final byte[] hello = Captures.load(HELLO);
        try (Responder responder = Responders.create("mmsg-nocrypto", context(counters, loopback, batch, false));
            DatagramChannel client = DatagramChannel.open(StandardProtocolFamily.INET))
        {
            final InetSocketAddress server = new InetSocketAddress(loopback, responder.start());
            client.bind(new InetSocketAddress(loopback, 0));
            for (int i = 0; i < 3; i++)
            {
                client.send(ByteBuffer.wrap(hello), server);
                final byte[] reply = receive(client);
                assertArrayEquals(MmsgNoCryptoAgent.fixedReply(), reply);
                assertEquals(MmsgNoCryptoAgent.REPLY_LENGTH, HelloVerifyRequestEncoder.COOKIE_LENGTH_OFFSET + 1 +
                    Captures.hvrCookie(reply, reply.length).length, "shaped like an HVR with a 32-byte cookie");
            }
            client.send(ByteBuffer.wrap(new byte[MmsgNoCryptoAgent.REPLY_LENGTH - 1]), server);
            await(counters[WorkerCounter.DROPPED.ordinal()], 1);
            assertEquals(4, counters[WorkerCounter.RECEIVED.ordinal()].get());
            assertEquals(3, counters[WorkerCounter.REPLIES.ordinal()].get());
        }
    }

    private static Responder.Context context(
        final AtomicCounter[] counters, final InetAddress bind, final int batch, final boolean dontFragment)
    {
        return new Responder.Context(CookieKeys.random(), counters, bind, 0, batch, -1, 0, dontFragment);
    }

    private static byte[] receive(final DatagramChannel client) throws IOException
    {
        client.configureBlocking(false);
        final ByteBuffer buffer = ByteBuffer.allocate(2048);
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
        while (System.nanoTime() < deadline)
        {
            if (null != client.receive(buffer))
            {
                buffer.flip();
                final byte[] bytes = new byte[buffer.remaining()];
                buffer.get(bytes);
                return bytes;
            }
            Thread.onSpinWait();
        }
        throw new AssertionError("no reply within " + WAIT_MS + " ms");
    }

    private static void await(final AtomicCounter counter, final long value) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
        while (counter.get() < value && System.nanoTime() < deadline)
        {
            Thread.sleep(1);
        }
        assertNotNull(counter);
        assertEquals(value, counter.get(), counter.label());
    }
}
