package io.turnstile.nativeio;

import io.turnstile.codec.PeerAddress;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Random;

/**
 * The peers an application has accepted, as a fixed-capacity set of (address, port) the worker looks every received
 * datagram up in, so that datagrams from a peer that already proved its address bypass the cookie verifier.
 * <p>
 * Keys are {@link PeerAddress}es, whose one form (an IPv4 address as {@code ::ffff:a.b.c.d}) makes a peer seen
 * through an IPv4 socket and through a dual-stack one a single key. Each slot of a {@code long[]} table, allocated
 * once, holds three longs:
 * <pre>
 *  0                   1                   2                   3                   4                   5       6
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3
 * +---------------------------------------------------------------------------------------------------------------+
 * | meta:  hash (upper 32 bits of the key's SipHash) | 0 ... | OCCUPIED (bit 16) | port (bits 0-15)               |
 * +---------------------------------------------------------------------------------------------------------------+
 * | high:  address bytes 0-7, big-endian                                                                          |
 * +---------------------------------------------------------------------------------------------------------------+
 * | low:   address bytes 8-15, big-endian (IPv4: 0x0000FFFF_aabbccdd)                                              |
 * +---------------------------------------------------------------------------------------------------------------+
 * </pre>
 * Beside each slot an {@code int[]} holds the peer's <em>value</em>: an opaque number the owner of the hand-off
 * attaches (a session's index, so the worker can give an established session its datagrams without asking anyone),
 * {@link #NO_VALUE} until it does.
 * <p>
 * The table has a power-of-two number of slots, at least twice the capacity, so it is never more than half full.
 * A key's home slot comes from SipHash-1-3 (Aumasson and Bernstein) keyed with 128 random bits drawn per instance,
 * so someone who chooses source addresses and ports cannot aim many keys at one slot; the hash kept in the meta
 * word makes most mismatches one compare and lets deletion move entries without hashing them again.
 * <p>
 * Collisions are resolved by linear probing, and removal by backward-shift deletion (no tombstones): the entries
 * after the removed one are moved back towards their home slots until an empty slot or an entry already at home,
 * so no deleted markers pile up, a lookup still stops at the first empty slot, and lookups do not slow down with
 * churn. No entry is ever placed more than {@value #MAX_PROBE} slots past its home:
 * an add that would have to is refused like an add to a full set, so {@link #contains} reads at most
 * {@value #MAX_PROBE} + 1 slots whatever the input. At half load with a random seed that refusal is a theoretical
 * bound, not something seen in practice (the expected longest run is a few tens of slots for millions of keys).
 * <p>
 * {@link #add}, {@link #remove}, {@link #contains}, {@link #attach} and {@link #valueOf} allocate nothing.
 * <p>
 * <b>Note:</b> not thread safe. One set belongs to one worker and is used on that worker's thread only: from its
 * duty cycle, from the {@link VerifiedHelloHandler} or {@link PeerDatagramHandler} it calls, or through a
 * {@link PeerCommands} command that the worker applies. Other threads change it only through {@link PeerCommands}.
 */
public final class AcceptedPeers
{
    /** Largest capacity: the table is twice that many slots of 24 bytes, 768 MiB at this size. */
    public static final int MAX_CAPACITY = 1 << 24;
    /** Longest distance from its home slot at which an entry is stored; see the class description. */
    public static final int MAX_PROBE = 128;

    /** The value of a peer added and not yet given one by {@link #attach}. */
    public static final int NO_VALUE = -1;
    /** What {@link #valueOf} answers for a peer that is not in the set. */
    public static final int ABSENT = -2;

    private static final long OCCUPIED = 1L << 16;
    private static final int LONGS_PER_SLOT = 3;
    /** SipHash's last word for a 24-byte message: no bytes left over, the length in the top byte. */
    private static final long LENGTH_WORD = 24L << 56;

    private final long k0;
    private final long k1;
    private final int capacity;
    private final int mask;
    private final long[] table;
    private final int[] values;
    private int size;

    /**
     * An empty set with a random hash key.
     *
     * @param capacity most peers held at once, 1 to {@value #MAX_CAPACITY}.
     * @throws IllegalArgumentException when capacity is out of range.
     */
    public AcceptedPeers(final int capacity)
    {
        this(capacity, new SecureRandom());
    }

    /**
     * An empty set whose hash key comes from the given generator, so a test can repeat a layout.
     *
     * @param capacity most peers held at once, 1 to {@value #MAX_CAPACITY}.
     * @param seed     source of the 128-bit SipHash key.
     */
    AcceptedPeers(final int capacity, final Random seed)
    {
        if (capacity < 1 || capacity > MAX_CAPACITY)
        {
            throw new IllegalArgumentException("capacity must be 1 to " + MAX_CAPACITY + ", got " + capacity);
        }
        this.capacity = capacity;
        final int slots = Math.max(2, Integer.highestOneBit(capacity - 1 | 1) << 2);
        this.mask = slots - 1;
        this.table = new long[slots * LONGS_PER_SLOT];
        this.values = new int[slots];
        this.k0 = seed.nextLong();
        this.k1 = seed.nextLong();
    }

    /**
     * Accept a peer.
     *
     * @param peer the peer's address and port.
     * @return true when added or already present; false when the set is full (see the class description).
     */
    public boolean add(final PeerAddress peer)
    {
        final long high = peer.highBits();
        final long low = peer.lowBits();
        final int port = peer.port();
        final long hash = hash(high, low, port);
        final long meta = meta(hash, port);
        final long[] table = this.table;
        final int mask = this.mask;
        int slot = (int)(hash >>> 32) & mask;
        for (int distance = 0; distance <= MAX_PROBE; distance++)
        {
            final int at = slot * LONGS_PER_SLOT;
            final long existing = table[at];
            if (existing == 0)
            {
                if (size == capacity)
                {
                    return false;
                }
                table[at] = meta;
                table[at + 1] = high;
                table[at + 2] = low;
                values[slot] = NO_VALUE;
                size++;
                return true;
            }
            if (existing == meta && table[at + 1] == high && table[at + 2] == low)
            {
                return true;
            }
            slot = (slot + 1) & mask;
        }
        return false;
    }

    /**
     * Forget a peer.
     *
     * @param peer the peer's address and port.
     * @return true when it was present.
     */
    public boolean remove(final PeerAddress peer)
    {
        final int found = find(peer.highBits(), peer.lowBits(), peer.port());
        if (found < 0)
        {
            return false;
        }
        shiftBackInto(found);
        size--;
        return true;
    }

    /**
     * Whether a peer is accepted: the worker's per-datagram lookup.
     * <p>
     * Never throws on what a socket reports: a length other than 4 or 16, or a port outside 0 to 65535, cannot
     * be a key that {@link #add} accepted, so the answer is false.
     *
     * @param peer the peer's address and port.
     * @return true when the peer was added and not since removed.
     */
    public boolean contains(final PeerAddress peer)
    {
        return size != 0 && find(peer.highBits(), peer.lowBits(), peer.port()) >= 0;
    }

    /**
     * Attach a value to a peer already accepted: the worker's side of a hand-off's ATTACH command.
     *
     * @param peer  the peer's address and port.
     * @param value any value but {@link #ABSENT}; {@link #NO_VALUE} detaches.
     * @return false when the peer is not in the set (it was released meanwhile): nothing attached.
     */
    public boolean attach(final PeerAddress peer, final int value)
    {
        if (value == ABSENT)
        {
            throw new IllegalArgumentException("ABSENT cannot be attached");
        }
        final int found = size == 0 ? -1 : find(peer.highBits(), peer.lowBits(), peer.port());
        if (found < 0)
        {
            return false;
        }
        values[found] = value;
        return true;
    }

    /**
     * The worker's per-datagram lookup: whether a peer is accepted, and the value attached to it, in one probe.
     * Never throws on what a socket reports.
     *
     * @param peer the peer's address and port.
     * @return {@link #ABSENT} when not accepted, else the attached value or {@link #NO_VALUE}.
     */
    public int valueOf(final PeerAddress peer)
    {
        final int found = size == 0 ? -1 : find(peer.highBits(), peer.lowBits(), peer.port());
        return found < 0 ? ABSENT : values[found];
    }

    /**
     * Peers held.
     *
     * @return 0 to {@link #capacity()}.
     */
    public int size()
    {
        return size;
    }

    /**
     * Most peers held at once, as given to the constructor.
     *
     * @return the capacity.
     */
    public int capacity()
    {
        return capacity;
    }

    /**
     * Forget every peer.
     */
    public void clear()
    {
        Arrays.fill(table, 0L);
        size = 0;
    }

    /**
     * The longest distance from home slot of any entry now held, for tests and diagnostics: scans the whole table.
     *
     * @return 0 when every entry is in its home slot, at most {@value #MAX_PROBE}.
     */
    int longestProbe()
    {
        int longest = 0;
        for (int slot = 0; slot <= mask; slot++)
        {
            final long meta = table[slot * LONGS_PER_SLOT];
            if (meta != 0)
            {
                longest = Math.max(longest, (slot - home(meta)) & mask);
            }
        }
        return longest;
    }

    /**
     * Slots in the table, a power of two at least twice the capacity.
     *
     * @return the slot count.
     */
    int slots()
    {
        return mask + 1;
    }

    private int find(final long high, final long low, final int port)
    {
        final long hash = hash(high, low, port);
        final long meta = meta(hash, port);
        final long[] table = this.table;
        final int mask = this.mask;
        int slot = (int)(hash >>> 32) & mask;
        for (int distance = 0; distance <= MAX_PROBE; distance++)
        {
            final int at = slot * LONGS_PER_SLOT;
            final long existing = table[at];
            if (existing == 0)
            {
                return -1;
            }
            if (existing == meta && table[at + 1] == high && table[at + 2] == low)
            {
                return slot;
            }
            slot = (slot + 1) & mask;
        }
        return -1;
    }

    /**
     * Backward-shift deletion: empty the slot, then pull each following entry of the run back into the hole when
     * the hole lies between that entry's home and where it sits, so every entry stays reachable from its home.
     */
    private void shiftBackInto(final int removed)
    {
        final long[] table = this.table;
        final int mask = this.mask;
        int hole = removed;
        int slot = (removed + 1) & mask;
        while (true)
        {
            final int at = slot * LONGS_PER_SLOT;
            final long meta = table[at];
            if (meta == 0)
            {
                break;
            }
            final int home = home(meta);
            if (((slot - home) & mask) >= ((slot - hole) & mask))
            {
                final int to = hole * LONGS_PER_SLOT;
                table[to] = meta;
                table[to + 1] = table[at + 1];
                table[to + 2] = table[at + 2];
                values[hole] = values[slot];
                hole = slot;
            }
            slot = (slot + 1) & mask;
        }
        final int to = hole * LONGS_PER_SLOT;
        table[to] = 0;
        table[to + 1] = 0;
        table[to + 2] = 0;
        values[hole] = NO_VALUE;
    }

    private int home(final long meta)
    {
        return (int)(meta >>> 32) & mask;
    }

    private static long meta(final long hash, final int port)
    {
        return (hash & 0xFFFF_FFFF_0000_0000L) | OCCUPIED | port;
    }

    /**
     * SipHash-1-3 of the 24-byte message (high, low, port) as three little-endian 64-bit words: one compression
     * round per word and for the final length word, then three finalisation rounds. The home slot is taken from the
     * upper 32 bits, the part the meta word keeps.
     */
    private long hash(final long high, final long low, final int port)
    {
        long v0 = k0 ^ 0x736f6d6570736575L;
        long v1 = k1 ^ 0x646f72616e646f6dL;
        long v2 = k0 ^ 0x6c7967656e657261L;
        long v3 = k1 ^ 0x7465646279746573L;
        for (int round = 0; round < 7; round++)
        {
            final long word = round == 0 ? high : round == 1 ? low : round == 2 ? port : LENGTH_WORD;
            if (round < 4)
            {
                v3 ^= word;
            }
            else if (round == 4)
            {
                v2 ^= 0xFF;
            }
            v0 += v1;
            v1 = Long.rotateLeft(v1, 13);
            v1 ^= v0;
            v0 = Long.rotateLeft(v0, 32);
            v2 += v3;
            v3 = Long.rotateLeft(v3, 16);
            v3 ^= v2;
            v0 += v3;
            v3 = Long.rotateLeft(v3, 21);
            v3 ^= v0;
            v2 += v1;
            v1 = Long.rotateLeft(v1, 17);
            v1 ^= v2;
            v2 = Long.rotateLeft(v2, 32);
            if (round < 4)
            {
                v0 ^= word;
            }
        }
        return v0 ^ v1 ^ v2 ^ v3;
    }
}
