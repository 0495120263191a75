package io.turnstile.nativeio;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The accepted-peer set: keys, the IPv4/mapped-IPv6 equivalence, capacity, a random model check against a
 * {@link HashMap} (with the attached values), the probe-length bound and zero allocation. Addresses live in an off-heap buffer at a non-zero
 * offset, as they do in a socket's address buffer.
 */
class AcceptedPeersTest
{
    private static final byte[] MAPPED_PREFIX = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte)0xFF, (byte)0xFF};
    private final UnsafeBuffer address = new UnsafeBuffer(ByteBuffer.allocateDirect(64));
    private final PeerScratch scratch = new PeerScratch();

    private int put(final byte[] bytes)
    {
        address.putBytes(8, bytes);
        return bytes.length;
    }

    private int put(final int... octets)
    {
        return put(bytes(octets));
    }

    private static byte[] bytes(final int... octets)
    {
        final byte[] bytes = new byte[octets.length];
        for (int i = 0; i < octets.length; i++)
        {
            bytes[i] = (byte)octets[i];
        }
        return bytes;
    }

    private static byte[] mapped(final byte[] ipv4)
    {
        final byte[] bytes = Arrays.copyOf(MAPPED_PREFIX, 16);
        System.arraycopy(ipv4, 0, bytes, 12, 4);
        return bytes;
    }

    private static byte[] mapped(final int... octets)
    {
        return mapped(bytes(octets));
    }

    @Test
    @Timeout(10)
    void shouldAddFindAndRemoveAPeer()
    {
        final AcceptedPeers peers = new AcceptedPeers(16);
        final int length = put(192, 0, 2, 1);

        assertFalse(peers.contains(scratch.at(address, 8, length, 4433)));
        assertTrue(peers.add(scratch.at(address, 8, length, 4433)));
        assertTrue(peers.add(scratch.at(address, 8, length, 4433)), "adding a present peer succeeds and changes nothing");
        assertEquals(1, peers.size());
        assertTrue(peers.contains(scratch.at(address, 8, length, 4433)));
        assertFalse(peers.contains(scratch.at(address, 8, length, 4434)), "the port is part of the key");
        put(192, 0, 2, 2);
        assertFalse(peers.contains(scratch.at(address, 8, length, 4433)), "so is every address byte");

        put(192, 0, 2, 1);
        assertTrue(peers.remove(scratch.at(address, 8, length, 4433)));
        assertFalse(peers.remove(scratch.at(address, 8, length, 4433)));
        assertFalse(peers.contains(scratch.at(address, 8, length, 4433)));
        assertEquals(0, peers.size());
        assertEquals(16, peers.capacity());
    }

    @Test
    @Timeout(10)
    void shouldKeyAnIpv4PeerAndItsMappedIpv6FormTheSame()
    {
        final AcceptedPeers peers = new AcceptedPeers(4);
        assertTrue(peers.add(scratch.at(address, 8, put(10, 1, 2, 3), 5000)));

        assertTrue(peers.contains(scratch.at(address, 8, put(mapped(10, 1, 2, 3)), 5000)));
        assertTrue(peers.add(scratch.at(address, 8, 16, 5000)));
        assertEquals(1, peers.size(), "one peer whichever form it was added in");

        final byte[] v6 = mapped(10, 1, 2, 3);
        v6[10] = 0;
        assertFalse(peers.contains(scratch.at(address, 8, put(v6), 5000)), "::a01:203 (IPv4-compatible) is another address");
        assertTrue(peers.remove(scratch.at(address, 8, put(mapped(10, 1, 2, 3)), 5000)));
        assertFalse(peers.contains(scratch.at(address, 8, put(10, 1, 2, 3), 5000)));
    }

    @Test
    @Timeout(10)
    void shouldRefuseToAddBeyondCapacity()
    {
        final AcceptedPeers peers = new AcceptedPeers(3);
        final int length = put(127, 0, 0, 1);
        assertTrue(peers.add(scratch.at(address, 8, length, 1)));
        assertTrue(peers.add(scratch.at(address, 8, length, 2)));
        assertTrue(peers.add(scratch.at(address, 8, length, 3)));

        assertFalse(peers.add(scratch.at(address, 8, length, 4)), "full");
        assertTrue(peers.add(scratch.at(address, 8, length, 3)), "a present peer is still 'added' when full");
        assertFalse(peers.contains(scratch.at(address, 8, length, 4)));
        assertEquals(3, peers.size());

        assertTrue(peers.remove(scratch.at(address, 8, length, 2)));
        assertTrue(peers.add(scratch.at(address, 8, length, 4)), "room again after a remove");
        assertTrue(peers.contains(scratch.at(address, 8, length, 1)));
        assertTrue(peers.contains(scratch.at(address, 8, length, 3)));
        assertTrue(peers.contains(scratch.at(address, 8, length, 4)));

        peers.clear();
        assertEquals(0, peers.size());
        assertFalse(peers.contains(scratch.at(address, 8, length, 1)));
    }

    @Test
    @Timeout(10)
    void shouldRefuseMisuseByNameAndTakeAnyPeerAsAKey()
    {
        assertEquals("capacity must be 1 to 16777216, got 0",
            assertThrows(IllegalArgumentException.class, () -> new AcceptedPeers(0)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> new AcceptedPeers(AcceptedPeers.MAX_CAPACITY + 1));
        final AcceptedPeers peers = new AcceptedPeers(8);
        // A bad address length or port can no longer reach the set: a PeerAddress is always 16 bytes and a 16-bit port.
        assertTrue(peers.add(scratch.at(address, 8, put(new byte[16]), 0)));
        assertTrue(peers.contains(scratch.at(address, 8, 16, 0)), "the unspecified address and port 0 are just a key");
        assertFalse(peers.contains(scratch.at(address, 8, 16, 1)));
    }

    @Test
    @Timeout(60)
    void shouldAgreeWithAHashMapOverAHundredThousandRandomOperations()
    {
        final int capacity = 1000;
        final Random random = new Random(42);
        final AcceptedPeers peers = new AcceptedPeers(capacity, new Random(7));
        final Map<Key, Integer> model = new HashMap<>();
        // A small key space (64 hosts x 32 ports, a quarter IPv6) so adds, duplicates, attaches and removes all
        // happen often, and values must follow their entries through backward-shift deletion.
        int longest = 0;
        for (int op = 0; op < 100_000; op++)
        {
            final Key key = randomKey(random);
            final int length = key.write(address, 8);
            final int choice = random.nextInt(12);
            if (choice < 4)
            {
                final boolean added = peers.add(scratch.at(address, 8, length, key.port));
                final boolean room = model.size() < capacity || model.containsKey(key);
                assertEquals(room, added, "add " + key + " at op " + op);
                if (added)
                {
                    model.putIfAbsent(key, AcceptedPeers.NO_VALUE);
                }
            }
            else if (choice < 7)
            {
                assertEquals(null != model.remove(key), peers.remove(scratch.at(address, 8, length, key.port)),
                    "remove at op " + op);
            }
            else if (choice < 9)
            {
                final boolean held = model.containsKey(key);
                assertEquals(held, peers.attach(scratch.at(address, 8, length, key.port), op), "attach at op " + op);
                if (held)
                {
                    model.put(key, op);
                }
            }
            else
            {
                assertEquals(model.containsKey(key), peers.contains(scratch.at(address, 8, length, key.port)), "op " + op);
                assertEquals(model.getOrDefault(key, AcceptedPeers.ABSENT),
                    peers.valueOf(scratch.at(address, 8, length, key.port)), "value at op " + op);
            }
            assertEquals(model.size(), peers.size());
            if (op % 1000 == 0)
            {
                longest = Math.max(longest, peers.longestProbe());
                for (final Map.Entry<Key, Integer> held : model.entrySet())
                {
                    final Key k = held.getKey();
                    assertEquals(held.getValue(), peers.valueOf(scratch.at(address, 8, k.write(address, 8), k.port)),
                        k + " lost or its value moved");
                }
            }
        }
        assertTrue(longest <= AcceptedPeers.MAX_PROBE);
    }

    @Test
    @Timeout(60)
    void shouldKeepProbesShortAtFullCapacityUnderChurn()
    {
        final int capacity = 1 << 16;
        final AcceptedPeers peers = new AcceptedPeers(capacity);
        assertTrue(peers.slots() >= 2 * capacity, "never more than half full");
        final Random random = new Random(3);
        final Key[] held = new Key[capacity];
        for (int i = 0; i < capacity; i++)
        {
            held[i] = sequentialKey(i);
            assertTrue(peers.add(scratch.at(address, 8, held[i].write(address, 8), held[i].port)), "add " + i);
        }
        // Sequential addresses and ports, the easiest keys to aim at one slot with a weak hash.
        final int afterFill = peers.longestProbe();
        for (int op = 0; op < 200_000; op++)
        {
            final int victim = random.nextInt(capacity);
            assertTrue(peers.remove(scratch.at(address, 8, held[victim].write(address, 8), held[victim].port)));
            held[victim] = sequentialKey(capacity + op);
            assertTrue(peers.add(scratch.at(address, 8, held[victim].write(address, 8), held[victim].port)));
        }
        final int afterChurn = peers.longestProbe();
        assertEquals(capacity, peers.size());
        for (final Key key : held)
        {
            assertTrue(peers.contains(scratch.at(address, 8, key.write(address, 8), key.port)));
        }
        // At load 1/2 the expected longest linear-probing run for 2^17 slots is about 20; 64 would be a broken hash.
        assertTrue(afterFill < 64 && afterChurn < 64,
            "longest probe after fill " + afterFill + ", after churn " + afterChurn);
    }

    @Test
    @Timeout(60)
    void shouldAllocateNothingOverAMillionMixedOperations()
    {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());
        final AcceptedPeers peers = new AcceptedPeers(4096);
        final UnsafeBuffer keys = new UnsafeBuffer(ByteBuffer.allocateDirect(16 * 8192));
        final Random random = new Random(11);
        for (int i = 0; i < 8192; i++)
        {
            final byte[] bytes = new byte[16];
            random.nextBytes(bytes);
            keys.putBytes(16 * i, bytes);
        }

        long checksum = 0;
        for (int i = 0; i < 20; i++)
        {
            checksum += mixedOperations(peers, keys, 100_000, i);
        }
        long allocated = -1;
        for (int window = 0; window < 3 && allocated != 0; window++)
        {
            final long before = threads.getCurrentThreadAllocatedBytes();
            checksum += mixedOperations(peers, keys, 1_000_000, window);
            allocated = threads.getCurrentThreadAllocatedBytes() - before;
        }

        assertEquals(0, allocated, "bytes allocated over a million add/contains/remove");
        assertTrue(checksum > 0);
    }

    private long mixedOperations(
        final AcceptedPeers peers, final UnsafeBuffer keys, final int operations, final int seed)
    {
        long hits = 0;
        int state = seed * 0x9E3779B9 + 1;
        for (int op = 0; op < operations; op++)
        {
            state ^= state << 13;
            state ^= state >>> 17;
            state ^= state << 5;
            final int key = (state >>> 8) & 8191;
            final int length = (key & 1) == 0 ? 4 : 16;
            final int port = key & 0xFFFF;
            switch (state & 3)
            {
                case 0 -> hits += peers.add(scratch.at(keys, key * 16, length, port)) ? 1 : 0;
                case 1 -> hits += peers.remove(scratch.at(keys, key * 16, length, port)) ? 1 : 0;
                default -> hits += peers.contains(scratch.at(keys, key * 16, length, port)) ? 1 : 0;
            }
        }
        return hits;
    }

    private static Key randomKey(final Random random)
    {
        final int host = random.nextInt(64);
        final int port = 1000 + random.nextInt(32);
        if (host < 16)
        {
            final byte[] v6 = {0x20, 0x01, 0x0d, (byte)0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte)host};
            return new Key(v6, port);
        }
        // Half the IPv4 keys are written in their mapped form: the same key either way.
        final byte[] v4 = {(byte)198, 51, 100, (byte)host};
        return new Key(random.nextBoolean() ? v4 : mapped(v4), port);
    }

    private static Key sequentialKey(final int i)
    {
        return new Key(new byte[]{10, (byte)(i >>> 16), (byte)(i >>> 8), (byte)i}, 40_000 + (i & 7));
    }

    /**
     * A key as the model holds it: IPv4 normalised to its mapped form, so equality matches the set's.
     */
    private record Key(byte[] bytes, int port)
    {
        int write(final UnsafeBuffer buffer, final int offset)
        {
            buffer.putBytes(offset, bytes);
            return bytes.length;
        }

        private byte[] normalised()
        {
            if (bytes.length == 4)
            {
                return mapped(bytes);
            }
            return bytes;
        }

        @Override
        public boolean equals(final Object other)
        {
            return other instanceof Key key && port == key.port && Arrays.equals(normalised(), key.normalised());
        }

        @Override
        public int hashCode()
        {
            return Arrays.hashCode(normalised()) * 31 + port;
        }

        @Override
        public String toString()
        {
            return Arrays.toString(bytes) + ":" + port;
        }
    }
}
