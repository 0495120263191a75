package io.turnstile.bench;

import io.turnstile.codec.PeerAddress;
import io.turnstile.nativeio.AcceptedPeers;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The per-datagram accepted-peer lookup the worker does before verifying: {@link AcceptedPeers#contains} for a
 * source that is accepted (hit) and one that is not (miss, the cost every spoofed datagram pays), against the
 * obvious alternative, a {@code HashSet<InetSocketAddress>} that needs an address object built per datagram.
 * <p>
 * Sources are read from an off-heap buffer of 4096 16-byte addresses, as the worker reads them from the socket's
 * address buffer, cycling so that the table is not one cached slot. {@code peers} is how many are accepted.
 * Run with {@code -prof gc} to see the allocation per lookup.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(value = 2, jvmArgsAppend = {
    "--enable-native-access=ALL-UNNAMED", "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED"})
@State(Scope.Thread)
public class AcceptedPeersBenchmark
{
    private static final int SOURCES = 4096;

    /** Peers accepted: a small server and a large one. */
    @Param({"1000", "100000"})
    public int peers;

    private final UnsafeBuffer hits = new UnsafeBuffer(ByteBuffer.allocateDirect(16 * SOURCES));
    private final UnsafeBuffer misses = new UnsafeBuffer(ByteBuffer.allocateDirect(16 * SOURCES));
    private final int[] ports = new int[SOURCES];
    // The same sources in the worker's form, 18-byte PeerAddresses, for the set under test.
    private final UnsafeBuffer hitPeers = new UnsafeBuffer(ByteBuffer.allocateDirect(PeerAddress.LENGTH * SOURCES));
    private final UnsafeBuffer missPeers = new UnsafeBuffer(ByteBuffer.allocateDirect(PeerAddress.LENGTH * SOURCES));
    private final PeerAddress probe = new PeerAddress();
    private AcceptedPeers acceptedPeers;
    private Set<InetSocketAddress> hashSet;
    private final byte[] scratch = new byte[16];
    private int next;

    /**
     * Accept {@code peers} random IPv6 peers, keeping 4096 of them and 4096 strangers as lookup sources.
     *
     * @throws UnknownHostException never: every address is 16 bytes.
     */
    @Setup
    public void setUp() throws UnknownHostException
    {
        final Random random = new Random(6347);
        acceptedPeers = new AcceptedPeers(peers);
        hashSet = new HashSet<>(peers * 2);
        final byte[] address = new byte[16];
        for (int i = 0; i < peers; i++)
        {
            random.nextBytes(address);
            final int port = 1024 + random.nextInt(60_000);
            final UnsafeBuffer key = new UnsafeBuffer(new byte[PeerAddress.LENGTH]);
            PeerAddress.encodeIpv6(key, 0, new UnsafeBuffer(address), 0, port);
            if (!acceptedPeers.add(probe.wrap(key, 0)))
            {
                throw new IllegalStateException("set full at " + i);
            }
            hashSet.add(new InetSocketAddress(InetAddress.getByAddress(address), port));
            if (i < SOURCES)
            {
                hits.putBytes(16 * i, address);
                ports[i] = port;
            }
        }
        for (int i = peers; i < SOURCES; i++)
        {
            hits.putBytes(16 * i, hits, 16 * (i % peers), 16);
            ports[i] = ports[i % peers];
        }
        for (int i = 0; i < SOURCES; i++)
        {
            random.nextBytes(address);
            misses.putBytes(16 * i, address);
        }
        for (int i = 0; i < SOURCES; i++)
        {
            PeerAddress.encodeIpv6(hitPeers, PeerAddress.LENGTH * i, hits, 16 * i, ports[i]);
            PeerAddress.encodeIpv6(missPeers, PeerAddress.LENGTH * i, misses, 16 * i, ports[i]);
        }
    }

    private int nextSource()
    {
        final int source = next;
        next = (source + 1) & (SOURCES - 1);
        return source;
    }

    /**
     * A lookup that finds the peer.
     *
     * @return whether it was found, so the lookup is not dead code.
     */
    @Benchmark
    public boolean acceptedPeersHit()
    {
        final int source = nextSource();
        return acceptedPeers.contains(probe.wrap(hitPeers, PeerAddress.LENGTH * source));
    }

    /**
     * A lookup that does not: what each datagram from a stranger costs before the verifier.
     *
     * @return whether it was found.
     */
    @Benchmark
    public boolean acceptedPeersMiss()
    {
        final int source = nextSource();
        return acceptedPeers.contains(probe.wrap(missPeers, PeerAddress.LENGTH * source));
    }

    /**
     * The same hit through a {@code HashSet<InetSocketAddress>}, building the key from the address bytes.
     *
     * @return whether it was found.
     * @throws UnknownHostException never: every address is 16 bytes.
     */
    @Benchmark
    public boolean hashSetHit() throws UnknownHostException
    {
        final int source = nextSource();
        hits.getBytes(16 * source, scratch);
        return hashSet.contains(new InetSocketAddress(InetAddress.getByAddress(scratch), ports[source]));
    }

    /**
     * The same miss through a {@code HashSet<InetSocketAddress>}.
     *
     * @return whether it was found.
     * @throws UnknownHostException never: every address is 16 bytes.
     */
    @Benchmark
    public boolean hashSetMiss() throws UnknownHostException
    {
        final int source = nextSource();
        misses.getBytes(16 * source, scratch);
        return hashSet.contains(new InetSocketAddress(InetAddress.getByAddress(scratch), ports[source]));
    }
}
