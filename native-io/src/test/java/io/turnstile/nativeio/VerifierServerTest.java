package io.turnstile.nativeio;

import io.turnstile.codec.DatagramClass;
import io.turnstile.codec.HelloVerifyRequestEncoder;
import io.turnstile.cookie.CookieCheck;
import io.turnstile.cookie.CookieKeys;
import io.turnstile.cookie.GeneratorParameters;
import io.turnstile.cookie.MacAlgorithm;
import io.turnstile.nativeio.xdp.VethNetwork;
import io.turnstile.nativeio.xdp.XdpCounter;
import io.turnstile.status.CounterTypes;
import io.turnstile.verifier.DropReason;
import io.turnstile.verifier.VerifierCounters;
import org.agrona.concurrent.UnsafeBuffer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The multi-core server on real loopback sockets: two workers share one ephemeral port through SO_REUSEPORT,
 * cookie-less hellos from the corpus sent from many client sockets all get HelloVerifyRequests, a cookie hello
 * verifies, garbage is dropped by reason, the summed counters add up, bad configuration is refused by name, and
 * close frees the port and the counter memory, twice without harm.
 */
class VerifierServerTest
{
    @TempDir
    Path countersParent;

    /** core's corpus, from native-io's directory (surefire's working directory). */
    private static final Path CORPUS = Path.of("..", "core", "src", "test", "resources", "corpus");
    private static final List<String> COOKIELESS = List.of(
        "openssl-dtls12-ch1-nocookie.bin",
        "openssl-dtls10-ch1-nocookie.bin",
        "openssl-dtlsany-ch1-nocookie.bin",
        "openssl-dtls12-mtu256-ch1-nocookie.bin",
        "bc-dtls12-bccrypto-ch1-nocookie.bin",
        "bc-dtls12-jcacrypto-ch1-nocookie.bin");
    private static final int CLIENTS = 32;
    private static final long WAIT_NS = TimeUnit.SECONDS.toNanos(10);

    @ParameterizedTest(name = "nio={0}")
    @ValueSource(booleans = {false, true})
    @Timeout(30)
    void shouldAnswerEveryClientFromTwoWorkersSharingOnePort(final boolean nio) throws Exception
    {
        assumeTrue(nio || LibC.isAvailable());
        final InetAddress loopback = InetAddress.getByName("127.0.0.1");
        final List<byte[]> hellos = new ArrayList<>();
        for (final String name : COOKIELESS)
        {
            hellos.add(capture(name));
        }
        final List<Integer> configured = Collections.synchronizedList(new ArrayList<>());
        final List<Integer> verifiedBy = new CopyOnWriteArrayList<>();
        final List<Integer> verifiedPorts = new CopyOnWriteArrayList<>();
        final List<DatagramChannel> clients = new ArrayList<>();

        try (VerifierServer server = new VerifierServer(new VerifierServer.Context()
            .bindAddress(loopback)
            .port(0)
            .workers(2)
            .batchSize(8)
            .forceNio(nio)
            .macAlgorithm(MacAlgorithm.HMAC_SHA256)
            .agentConfigurator((workerId, agentContext) -> configured.add(workerId))
            .handlerFactory((workerId) -> (datagram, length, peer, verifier) ->
            {
                verifiedBy.add(workerId);
                verifiedPorts.add(peer.port());
            })))
        {
            assertEquals(List.of(0, 1), configured, "the configurator runs once per worker, before start");
            assertEquals(-1, server.localPort());
            server.start();
            final int port = server.localPort();
            assertTrue(port > 0, "an ephemeral port was learnt: " + port);
            assertEquals(!nio, server.isNative());
            final InetSocketAddress serverAddress = new InetSocketAddress(loopback, port);

            for (int i = 0; i < CLIENTS; i++)
            {
                final DatagramChannel client = DatagramChannel.open(StandardProtocolFamily.INET);
                clients.add(client);
                client.bind(new InetSocketAddress(loopback, 0));
                client.configureBlocking(false);
                client.send(ByteBuffer.wrap(hellos.get(i % hellos.size())), serverAddress);
            }

            byte[] firstCookie = null;
            for (int i = 0; i < CLIENTS; i++)
            {
                final ByteBuffer hvr = awaitDatagram(clients.get(i));
                assertEquals(22, hvr.get(0), "a handshake record to client " + i);
                assertEquals(3, hvr.get(13), "hello_verify_request to client " + i);
                final int cookieLength = hvr.get(HelloVerifyRequestEncoder.COOKIE_LENGTH_OFFSET) & 0xFF;
                assertEquals(32, cookieLength, "an HMAC-SHA256 cookie");
                if (0 == i)
                {
                    firstCookie = new byte[cookieLength];
                    hvr.get(HelloVerifyRequestEncoder.COOKIE_OFFSET, firstCookie);
                }
            }
            assertNotNull(firstCookie);

            final DatagramChannel first = clients.getFirst();
            first.send(ByteBuffer.wrap(VerifierAgentTest.withCookie(hellos.getFirst(), firstCookie)), serverAddress);
            first.send(ByteBuffer.wrap(new byte[]{22, (byte)0xFE, (byte)0xFD, 0, 0}), serverAddress);
            first.send(ByteBuffer.wrap(new byte[]{23, (byte)0xFE, (byte)0xFD, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0}),
                serverAddress);

            final VerifierServer.Snapshot snapshot = new VerifierServer.Snapshot();
            final long expected = CLIENTS + 3;
            awaitCondition(() -> server.snapshot(snapshot).received() == expected &&
                snapshot.get(VerifierCounters.Total.DATAGRAMS) == expected);

            assertEquals(2, snapshot.workers());
            assertEquals(CLIENTS, snapshot.replies());
            assertEquals(1, snapshot.verified());
            assertEquals(2, snapshot.dropped());
            assertEquals(1, snapshot.dropped(DropReason.RECORD_TOO_SHORT));
            assertEquals(1, snapshot.dropped(DropReason.NOT_HANDSHAKE));
            long droppedByReason = 0;
            for (final DropReason reason : DropReason.values())
            {
                droppedByReason += snapshot.dropped(reason);
            }
            assertEquals(snapshot.dropped(), droppedByReason, "drop reasons add up to the drops");
            assertEquals(snapshot.replies(), snapshot.get(VerifierCounters.Total.REPLIES));
            assertEquals(snapshot.verified(), snapshot.get(VerifierCounters.Total.VERIFIED));
            assertEquals(1, snapshot.cookieChecks(CookieCheck.VALID));
            assertEquals(snapshot.received(), snapshot.replies() + snapshot.verified() + snapshot.dropped());
            assertEquals(0, snapshot.get(WorkerCounter.SEND_FAILED));
            assertEquals(0, snapshot.errors());

            assertEquals(1, verifiedBy.size());
            assertEquals(List.of(((InetSocketAddress)first.getLocalAddress()).getPort()), verifiedPorts);
            final long[] perWorker = receivedPerWorker(server);
            assertEquals(expected, perWorker[0] + perWorker[1]);
            assertTrue(perWorker[0] > 0 && perWorker[1] > 0,
                "SO_REUSEPORT spreads " + CLIENTS + " clients over both workers: " + perWorker[0] + " and " +
                perWorker[1]);
        }
        finally
        {
            for (final DatagramChannel client : clients)
            {
                client.close();
            }
        }
    }

    @Test
    @Timeout(30)
    void shouldVerifyOnOneWorkerACookieAnotherWorkerMade() throws Exception
    {
        // Keys from one fixed secret: two servers on two ports stand in for two workers the kernel might pick.
        final CookieKeys keys = CookieKeys.fixed(new GeneratorParameters(MacAlgorithm.AES_CMAC, new byte[32]));
        final InetAddress loopback = InetAddress.getByName("127.0.0.1");
        final byte[] hello = capture("openssl-dtls12-ch1-nocookie.bin");
        try (VerifierServer maker = new VerifierServer(serverContext(loopback).cookieKeys(keys));
            VerifierServer checker = new VerifierServer(serverContext(loopback).cookieKeys(keys));
            DatagramChannel client = DatagramChannel.open(StandardProtocolFamily.INET))
        {
            maker.start();
            checker.start();
            client.bind(new InetSocketAddress(loopback, 0));
            client.configureBlocking(false);
            client.send(ByteBuffer.wrap(hello), new InetSocketAddress(loopback, maker.localPort()));
            final ByteBuffer hvr = awaitDatagram(client);
            final byte[] cookie = new byte[hvr.get(HelloVerifyRequestEncoder.COOKIE_LENGTH_OFFSET) & 0xFF];
            hvr.get(HelloVerifyRequestEncoder.COOKIE_OFFSET, cookie);

            client.send(ByteBuffer.wrap(VerifierAgentTest.withCookie(hello, cookie)),
                new InetSocketAddress(loopback, checker.localPort()));
            final VerifierServer.Snapshot snapshot = new VerifierServer.Snapshot();
            awaitCondition(() -> checker.snapshot(snapshot).verified() == 1);
            assertEquals(0, snapshot.replies());
        }
    }

    @Test
    @Timeout(30)
    void shouldThrowTheBindErrorNamingTheAddressAndClose() throws Exception
    {
        final InetAddress loopback = InetAddress.getByName("127.0.0.1");
        try (DatagramChannel squatter = DatagramChannel.open(StandardProtocolFamily.INET))
        {
            squatter.bind(new InetSocketAddress(loopback, 0));
            final int port = ((InetSocketAddress)squatter.getLocalAddress()).getPort();
            final VerifierServer server = new VerifierServer(serverContext(loopback).port(port).workers(2));

            final IllegalStateException ex = assertThrows(IllegalStateException.class, server::start);
            assertTrue(ex.getMessage().contains("127.0.0.1 port " + port), ex.getMessage());
            if (LibC.isAvailable())
            {
                assertTrue(ex.getMessage().contains("EADDRINUSE"), ex.getMessage());
            }
            assertTrue(server.isClosed(), "a server that failed to start is closed");
            assertThrows(IllegalStateException.class, server::start);
            server.close();
        }
    }

    @Test
    @Timeout(30)
    void shouldCountWorkerErrorsByDistinctCause() throws Exception
    {
        final InetAddress loopback = InetAddress.getByName("127.0.0.1");
        final byte[] hello = capture("openssl-dtls12-ch1-nocookie.bin");
        final ByteArrayOutputStream printed = new ByteArrayOutputStream();
        final int verifiedHellos = 3;
        final VerifierServer server = new VerifierServer(serverContext(loopback)
            .errorHandler(new DistinctErrorPrinter(new PrintStream(printed, true, StandardCharsets.UTF_8), false, 4))
            .handlerFactory(id -> (datagram, length, peer, verifier) ->
            {
                throw new IllegalStateException("handler refused a verified hello");
            }));
        try (DatagramChannel client = DatagramChannel.open(StandardProtocolFamily.INET))
        {
            server.start();
            client.bind(new InetSocketAddress(loopback, 0));
            client.configureBlocking(false);
            final InetSocketAddress target = new InetSocketAddress(loopback, server.localPort());
            client.send(ByteBuffer.wrap(hello), target);
            final ByteBuffer hvr = awaitDatagram(client);
            final byte[] cookie = new byte[hvr.get(HelloVerifyRequestEncoder.COOKIE_LENGTH_OFFSET) & 0xFF];
            hvr.get(HelloVerifyRequestEncoder.COOKIE_OFFSET, cookie);
            final VerifierServer.Snapshot snapshot = new VerifierServer.Snapshot();
            for (int i = 1; i <= verifiedHellos; i++)
            {
                client.send(ByteBuffer.wrap(VerifierAgentTest.withCookie(hello, cookie)), target);
                final long errors = i;
                awaitCondition(() -> server.snapshot(snapshot).errors() == errors);
            }
        }
        finally
        {
            server.close();
        }

        final List<String> causes = new ArrayList<>();
        final int distinct = server.readErrors((count, firstMs, lastMs, encoded) ->
            causes.add(count + " " + encoded.lines().findFirst().orElse("")));
        assertEquals(1, distinct, causes.toString());
        assertEquals(verifiedHellos + " java.lang.IllegalStateException: handler refused a verified hello",
            causes.get(0));
        final String text = printed.toString(StandardCharsets.UTF_8);
        assertEquals(1, text.lines().count(), "one line for one distinct error: " + text);
        assertTrue(text.contains("handler refused a verified hello"), text);
    }

    @Test
    @Timeout(30)
    void shouldGiveEveryWorkerTheVerifierTemplatesLimits() throws Exception
    {
        // A first fragment whose handshake length claims 1000 bytes: answered by default, over a 512-byte limit not.
        final byte[] fragment = capture("openssl-dtls12-mtu256-ch2-cookie-frag1.bin");
        fragment[14] = 0;
        fragment[15] = (byte)(1000 >>> 8);
        fragment[16] = (byte)1000;
        final InetAddress loopback = InetAddress.getByName("127.0.0.1");
        final VerifierServer.Context context = serverContext(loopback).workers(2).maxHelloLength(512);
        assertEquals(512, context.verifier().maxHelloLength(), "the server's setter writes the template");
        try (VerifierServer server = new VerifierServer(context);
            DatagramChannel client = DatagramChannel.open(StandardProtocolFamily.INET))
        {
            server.start();
            client.bind(new InetSocketAddress(loopback, 0));
            for (int i = 0; i < 20; i++)
            {
                client.send(ByteBuffer.wrap(fragment), new InetSocketAddress(loopback, server.localPort()));
            }
            final VerifierServer.Snapshot snapshot = new VerifierServer.Snapshot();
            awaitCondition(() -> server.snapshot(snapshot).received() == 20);
            assertEquals(20, snapshot.dropped(DropReason.HELLO_TOO_LONG), "whichever worker the kernel picked");
            assertEquals(0, snapshot.replies());
        }
    }

    @Test
    @Timeout(30)
    void shouldLetStunThroughTheKernelFilterToAWorkersDemuxHandlerAndCountIt() throws Exception
    {
        assumeTrue(LibC.isAvailable());
        final InetAddress loopback = InetAddress.getByName("127.0.0.1");
        final UnsafeBuffer response = new UnsafeBuffer(new byte[64]);
        final VerifierServer.Context context = serverContext(loopback)
            .agentConfigurator((id, agent) -> agent.demuxHandler((type, datagram, length, peer, reply) ->
            {
                response.putBytes(0, datagram, 0, length);
                response.putShort(0, (short)0x0101);
                reply.send(response, 0, length);
            }));
        context.socket().dtlsFilter(true);
        final VerifierServer server = new VerifierServer(context);
        final int stunCounterId = counterId(server, CounterTypes.DEMUX_FIRST + DatagramClass.STUN.ordinal());
        try (DatagramChannel client = DatagramChannel.open(StandardProtocolFamily.INET))
        {
            server.start();
            client.bind(new InetSocketAddress(loopback, 0));
            client.configureBlocking(false);
            client.send(ByteBuffer.wrap(VerifierAgentTest.STUN_BINDING_REQUEST),
                new InetSocketAddress(loopback, server.localPort()));
            final ByteBuffer answer = awaitDatagram(client);
            assertEquals(0x0101, answer.getShort(0), "the handler answered through the worker, past the BPF filter");
        }
        finally
        {
            server.close();
        }
        assertEquals(1, server.counterValue(stunCounterId));
    }

    @Test
    @Timeout(30)
    void shouldKeepTheFinalCountsAfterCloseAndCountEveryDatagramSent() throws Exception
    {
        final InetAddress loopback = InetAddress.getByName("127.0.0.1");
        final byte[] hello = capture("openssl-dtls12-ch1-nocookie.bin");
        final int hellos = 20;
        final VerifierServer server = new VerifierServer(serverContext(loopback));
        final int receivedCounterId = counterId(server, WorkerCounter.RECEIVED.typeId());
        try (DatagramChannel client = DatagramChannel.open(StandardProtocolFamily.INET))
        {
            server.start();
            client.bind(new InetSocketAddress(loopback, 0));
            client.configureBlocking(false);
            for (int i = 0; i < hellos; i++)
            {
                client.send(ByteBuffer.wrap(hello), new InetSocketAddress(loopback, server.localPort()));
                awaitDatagram(client);
            }
        }
        finally
        {
            server.close();
        }

        // Read only after close: the counts are the ones the workers left, not a snapshot taken while they ran.
        final VerifierServer.Snapshot snapshot = server.snapshot(new VerifierServer.Snapshot());
        assertEquals(hellos, snapshot.received());
        assertEquals(hellos, snapshot.replies());
        assertEquals(hellos, snapshot.get(WorkerCounter.SENT), "every HVR the kernel took is counted as sent");
        assertEquals(hellos, server.counterValue(receivedCounterId), "one counter's final value, memory freed");
    }

    @Test
    @Timeout(30)
    void shouldPublishEveryCounterInAFileAReaderMapsAndDeleteItOnClose() throws Exception
    {
        final InetAddress loopback = InetAddress.getByName("127.0.0.1");
        final byte[] hello = capture("openssl-dtls12-ch1-nocookie.bin");
        final Path dir = countersParent.resolve("turnstile-test");
        final VerifierServer server = new VerifierServer(serverContext(loopback).workers(2).countersDirectory(dir));
        try (DatagramChannel client = DatagramChannel.open(StandardProtocolFamily.INET))
        {
            server.start();
            assertEquals(dir, server.countersDirectory());
            client.bind(new InetSocketAddress(loopback, 0));
            client.configureBlocking(false);
            client.send(ByteBuffer.wrap(hello), new InetSocketAddress(loopback, server.localPort()));
            awaitDatagram(client);
            client.send(ByteBuffer.wrap(new byte[]{22, (byte)0xFE}), new InetSocketAddress(loopback, server.localPort()));

            try (CountersFile file = CountersFile.mapReadOnly(dir))
            {
                final VerifierServer.Snapshot fromFile = new VerifierServer.Snapshot();
                awaitCondition(() -> fromFile.sum(file.countersReader()).received() == 2 &&
                    fromFile.get(VerifierCounters.Total.DATAGRAMS) == 2);
                assertEquals(2, fromFile.workers());
                assertEquals(1, fromFile.replies());
                assertEquals(1, fromFile.dropped(DropReason.RECORD_TOO_SHORT));
                assertEquals(server.snapshot(new VerifierServer.Snapshot()).received(), fromFile.received());
            }
        }
        finally
        {
            server.close();
        }
        assertFalse(Files.exists(dir), "the counters directory goes with the server");
    }

    @Test
    @Timeout(30)
    void shouldCloseOnceFreeingThePortAndTheCounterMemory() throws Exception
    {
        final InetAddress loopback = InetAddress.getByName("127.0.0.1");
        final BufferPoolMXBean direct = directPool();
        final int spareCounters = 4096;
        final long counterBytes = (long)spareCounters * 640;
        // Earlier tests' direct buffers are freed by their cleaners after a GC: let that happen first, or a free
        // between the two readings hides this server's allocation.
        final long before = settledMemoryUsed(direct);

        final VerifierServer server = new VerifierServer(
            serverContext(loopback).workers(2).spareCounters(spareCounters));
        server.start();
        final int port = server.localPort();
        assertTrue(direct.getMemoryUsed() - before >= counterBytes, "counters live off-heap while running");
        assertEquals(0, server.snapshot(new VerifierServer.Snapshot()).received());

        server.close();
        server.close();
        assertTrue(server.isClosed());
        assertTrue(direct.getMemoryUsed() - before < counterBytes / 4,
            "close frees the counters: " + (direct.getMemoryUsed() - before) + " bytes still held");
        assertEquals(0, server.snapshot(new VerifierServer.Snapshot()).received(), "final counts after close");
        assertThrows(IllegalStateException.class, server::start);
        try (DatagramChannel rebind = DatagramChannel.open(StandardProtocolFamily.INET))
        {
            rebind.bind(new InetSocketAddress(loopback, port));
        }
        catch (final BindException ex)
        {
            fail("close did not release port " + port + ": " + ex);
        }
    }

    @Test
    @Timeout(60)
    void shouldReadAnXdpVerdictFromTheKernelWhenItsCounterIsReadWithoutASnapshot() throws Exception
    {
        final VethNetwork network = VethNetwork.create();
        assumeTrue(null != network, "needs root, bpf(2) and iproute2");
        VerifierServer server = null;
        try (network)
        {
            final VerifierServer.Context context = new VerifierServer.Context()
                .bindAddress(InetAddress.getByName(VethNetwork.SERVER_V4)).port(4433).workers(1).batchSize(8)
                .xdpInterface(network.serverInterface());
            // The workers start() makes inherit the server namespace from the thread that calls it.
            server = network.inServer(() -> new VerifierServer(context).start(), 20);
            final int droppedId = counterId(server, VerifierServer.xdpProgramTypeId(XdpCounter.DROPPED_NOT_DTLS));
            network.inClient(() ->
            {
                try (DatagramChannel client = DatagramChannel.open(StandardProtocolFamily.INET))
                {
                    final InetSocketAddress to = new InetSocketAddress(VethNetwork.SERVER_V4, 4433);
                    client.send(ByteBuffer.wrap("not-dtls".getBytes(StandardCharsets.US_ASCII)), to);
                    client.send(ByteBuffer.wrap("not-dtls".getBytes(StandardCharsets.US_ASCII)), to);
                }
                return null;
            }, 20);

            // No snapshot() in between: counterValue itself asks the kernel, as a metrics registry's scrape does.
            final VerifierServer running = server;
            awaitCondition(() -> running.counterValue(droppedId) == 2);
            server.close();
            assertEquals(2, server.counterValue(droppedId), "the final count, after close");
        }
        finally
        {
            if (null != server)
            {
                server.close();
            }
        }
    }

    @Test
    @Timeout(10)
    void shouldRefuseBadValuesByName()
    {
        assertRefused("workers", () -> new VerifierServer.Context().workers(-1).conclude());
        assertRefused("workers", () -> new VerifierServer.Context().workers(5000).conclude());
        assertRefused("port", () -> new VerifierServer.Context().port(65_536).conclude());
        assertRefused("batchSize", () -> new VerifierServer.Context().batchSize(0).conclude());
        assertRefused("batchSize", () -> new VerifierServer.Context().batchSize(4096).conclude());
        assertRefused("cpus", () -> new VerifierServer.Context().cpus(2000).conclude());
        assertRefused("cpus", () -> new VerifierServer.Context().cpus(new int[0]).conclude());
        assertRefused("cpus", () -> new VerifierServer.Context().workers(3).cpus(0, 1).conclude());
        assertRefused("maxCookieAgeMs", () -> new VerifierServer.Context().maxCookieAgeMs(10).conclude());
        assertRefused("receiveBufferBytes", () -> new VerifierServer.Context().receiveBufferBytes(1).conclude());
        assertRefused("sendBufferBytes", () -> new VerifierServer.Context().sendBufferBytes(1).conclude());
        assertRefused("spareCounters", () -> new VerifierServer.Context().spareCounters(-1).conclude());
        assertRefused("macAlgorithm", () -> new VerifierServer.Context()
            .cookieKeys(CookieKeys.random())
            .macAlgorithm(MacAlgorithm.HMAC_SHA1)
            .conclude());

        final VerifierServer.Context defaults = new VerifierServer.Context().cpus(0, 1).conclude();
        assertEquals(2, defaults.workers(), "one worker per CPU listed");
        assertEquals(MacAlgorithm.defaultAlgorithm(), defaults.macAlgorithm());
        assertEquals(Runtime.getRuntime().availableProcessors(), new VerifierServer.Context().conclude().workers());
        assertArrayEquals(new byte[4], defaults.bindAddress().getAddress(), "the wildcard by default");
    }

    @Test
    @Timeout(10)
    void shouldRefuseAnOutboxLargerThanTheSocketSlotsWhenBuiltNotAfterStart()
    {
        final VerifierServer.Context context = serverContext(InetAddress.getLoopbackAddress())
            .agentConfigurator((id, agentContext) -> agentContext.outbox(new Outbox(64 * 1024)));
        context.socket().slotBytes(512);
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> new VerifierServer(
            context));
        assertTrue(ex.getMessage().contains("socket's slots are 512"), ex.getMessage());
    }

    private static VerifierServer.Context serverContext(final InetAddress loopback)
    {
        return new VerifierServer.Context().bindAddress(loopback).workers(1).batchSize(8);
    }

    private static void assertRefused(final String name, final Executable conclude)
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, conclude::execute);
        assertTrue(ex.getMessage().contains(name), "the message names " + name + ": " + ex.getMessage());
    }

    private static int counterId(final VerifierServer server, final int typeId)
    {
        final AtomicInteger found = new AtomicInteger(-1);
        server.countersReader().forEach((counterId, type, keyBuffer, label) ->
        {
            if (type == typeId)
            {
                found.compareAndSet(-1, counterId);
            }
        });
        return found.get();
    }

    private static long[] receivedPerWorker(final VerifierServer server)
    {
        final long[] received = new long[server.workerCount()];
        final AtomicInteger found = new AtomicInteger();
        server.countersReader().forEach((counterId, typeId, keyBuffer, label) ->
        {
            if (typeId == WorkerCounter.RECEIVED.typeId())
            {
                final int worker = Integer.parseInt(label.substring(label.indexOf("worker=") + 7));
                received[worker] = server.countersReader().getCounterValue(counterId);
                found.incrementAndGet();
            }
        });
        assertEquals(server.workerCount(), found.get(), "one received counter per worker");
        return received;
    }

    private static long settledMemoryUsed(final BufferPoolMXBean pool) throws InterruptedException
    {
        long last = -1;
        for (int i = 0; i < 20; i++)
        {
            System.gc();
            Thread.sleep(20);
            final long used = pool.getMemoryUsed();
            if (used == last)
            {
                return used;
            }
            last = used;
        }
        return last;
    }

    private static BufferPoolMXBean directPool()
    {
        for (final BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class))
        {
            if ("direct".equals(pool.getName()))
            {
                return pool;
            }
        }
        return fail("no direct buffer pool MXBean");
    }

    private static byte[] capture(final String name) throws IOException
    {
        final Path path = CORPUS.resolve(name);
        assertTrue(Files.isRegularFile(path), "corpus capture missing: " + path.toAbsolutePath());
        return Files.readAllBytes(path);
    }

    private static ByteBuffer awaitDatagram(final DatagramChannel client) throws IOException, InterruptedException
    {
        final ByteBuffer buffer = ByteBuffer.allocate(2048);
        final long deadline = System.nanoTime() + WAIT_NS;
        while (null == client.receive(buffer))
        {
            if (System.nanoTime() - deadline > 0)
            {
                fail("no reply before the deadline");
            }
            Thread.sleep(1);
        }
        return buffer.flip();
    }

    private static void awaitCondition(final BooleanSupplier condition) throws InterruptedException
    {
        final long deadline = System.nanoTime() + WAIT_NS;
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() - deadline > 0)
            {
                fail("condition not met before the deadline");
            }
            Thread.sleep(1);
        }
        assertFalse(Thread.currentThread().isInterrupted());
    }
}
