package io.turnstile.nativeio.xdp;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A BPF map with 4-byte integer keys (the array and XSKMAP types), owned by this object: {@link #close()} releases the
 * descriptor, and the kernel frees the map once no program uses it either.
 * <p>
 * Setup and statistics only: every access is a system call that allocates a small confined arena.
 */
public final class BpfMap implements AutoCloseable
{
    private final int fd;
    private final int type;
    private final int valueSize;
    private final int maxEntries;
    private final String name;

    private BpfMap(final int fd, final int type, final int valueSize, final int maxEntries, final String name)
    {
        this.fd = fd;
        this.type = type;
        this.valueSize = valueSize;
        this.maxEntries = maxEntries;
        this.name = name;
    }

    /**
     * A map of RX queue index to AF_XDP socket descriptor, the target of {@code bpf_redirect_map}.
     *
     * @param maxEntries at least the number of RX queues of the interface.
     * @param name       for {@code bpftool map}.
     * @return the map.
     * @throws BpfException when the kernel refuses (EPERM: CAP_BPF is missing).
     */
    public static BpfMap xskMap(final int maxEntries, final String name)
    {
        return create(Bpf.MAP_TYPE_XSKMAP, 4, maxEntries, name);
    }

    /**
     * An array map, one value per CPU when perCpu is set (the data path updates it without atomics; user space sums).
     *
     * @param valueSize  bytes per value.
     * @param maxEntries entries.
     * @param perCpu     {@link Bpf#MAP_TYPE_PERCPU_ARRAY} rather than {@link Bpf#MAP_TYPE_ARRAY}.
     * @param name       for {@code bpftool map}.
     * @return the map, every value zero.
     * @throws BpfException when the kernel refuses.
     */
    public static BpfMap array(final int valueSize, final int maxEntries, final boolean perCpu, final String name)
    {
        return create(perCpu ? Bpf.MAP_TYPE_PERCPU_ARRAY : Bpf.MAP_TYPE_ARRAY, valueSize, maxEntries, name);
    }

    private static BpfMap create(final int type, final int valueSize, final int maxEntries, final String name)
    {
        if (maxEntries < 1)
        {
            throw new IllegalArgumentException("maxEntries must be positive, got " + maxEntries);
        }
        final int fd = Bpf.mapCreate(type, 4, valueSize, maxEntries, name);
        return new BpfMap(fd, type, valueSize, maxEntries, name);
    }

    /**
     * The descriptor, for {@link EbpfAssembler#loadMapFd}.
     *
     * @return the map's file descriptor.
     */
    public int fd()
    {
        return fd;
    }

    /**
     * Entries the map was created with.
     *
     * @return max entries.
     */
    public int maxEntries()
    {
        return maxEntries;
    }

    /**
     * Set the 4-byte value of a key: in an XSKMAP, register the AF_XDP socket of an RX queue.
     *
     * @param key   0 to {@link #maxEntries()} - 1.
     * @param value e.g. the AF_XDP socket's descriptor; it must be bound to the same interface and queue.
     * @throws BpfException when the kernel refuses.
     */
    public void putInt(final int key, final int value)
    {
        checkKey(key);
        if (valueSize != 4 || type == Bpf.MAP_TYPE_PERCPU_ARRAY)
        {
            throw new IllegalStateException(name + " does not hold one 4-byte value per key");
        }
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment keySegment = arena.allocate(JAVA_INT);
            keySegment.set(JAVA_INT, 0, key);
            final MemorySegment valueSegment = arena.allocate(JAVA_INT);
            valueSegment.set(JAVA_INT, 0, value);
            Bpf.mapUpdate(fd, keySegment, valueSegment, Bpf.UPDATE_ANY);
        }
    }

    /**
     * Set a key's value from a segment (per-CPU maps: one 8-byte-aligned value per possible CPU).
     *
     * @param key   0 to {@link #maxEntries()} - 1.
     * @param value the value bytes.
     * @throws BpfException when the kernel refuses.
     */
    public void put(final int key, final MemorySegment value)
    {
        checkKey(key);
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment keySegment = arena.allocate(JAVA_INT);
            keySegment.set(JAVA_INT, 0, key);
            Bpf.mapUpdate(fd, keySegment, value, Bpf.UPDATE_ANY);
        }
    }

    /**
     * Remove a key: in an XSKMAP, unregister a queue's socket, so its traffic falls back to the kernel.
     *
     * @param key 0 to {@link #maxEntries()} - 1.
     * @return false when the kernel says the key had no value (ENOENT); an XSKMAP deletes an empty slot silently.
     * @throws BpfException when the kernel refuses (array maps cannot delete).
     */
    public boolean remove(final int key)
    {
        checkKey(key);
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment keySegment = arena.allocate(JAVA_INT);
            keySegment.set(JAVA_INT, 0, key);
            return Bpf.mapDelete(fd, keySegment);
        }
    }

    /**
     * Read a key's value.
     *
     * @param key   0 to {@link #maxEntries()} - 1.
     * @param value receives it; per-CPU maps need {@link #perCpuValueBytes()}.
     * @return false when the key has no value.
     * @throws BpfException when the kernel refuses.
     */
    public boolean get(final int key, final MemorySegment value)
    {
        checkKey(key);
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment keySegment = arena.allocate(JAVA_INT);
            keySegment.set(JAVA_INT, 0, key);
            return Bpf.mapLookup(fd, keySegment, value);
        }
    }

    /**
     * Sum a per-CPU array's 8-byte values of one key over every possible CPU; for an ordinary array, the value.
     *
     * @param key 0 to {@link #maxEntries()} - 1.
     * @return the sum, or 0 when the key has no value.
     * @throws BpfException when the kernel refuses.
     */
    public long sumLong(final int key)
    {
        if (valueSize != 8)
        {
            throw new IllegalStateException(name + " does not hold 8-byte values");
        }
        try (Arena arena = Arena.ofConfined())
        {
            final boolean perCpu = type == Bpf.MAP_TYPE_PERCPU_ARRAY;
            final int cpus = perCpu ? Bpf.possibleCpus() : 1;
            final MemorySegment value = arena.allocate((long)cpus * 8, 8);
            if (!get(key, value))
            {
                return 0;
            }
            long sum = 0;
            for (int cpu = 0; cpu < cpus; cpu++)
            {
                sum += value.get(JAVA_LONG, cpu * 8L);
            }
            return sum;
        }
    }

    /**
     * Bytes a lookup of this map writes: the value size, or for a per-CPU map the value size rounded up to 8 times
     * the possible CPUs.
     *
     * @return bytes.
     */
    public long perCpuValueBytes()
    {
        return type == Bpf.MAP_TYPE_PERCPU_ARRAY ? (long)((valueSize + 7) & ~7) * Bpf.possibleCpus() : valueSize;
    }

    /**
     * Release the descriptor.
     */
    @Override
    public void close()
    {
        Bpf.close(fd);
    }

    private void checkKey(final int key)
    {
        if (key < 0 || key >= maxEntries)
        {
            throw new IllegalArgumentException(name + " key must be 0 to " + (maxEntries - 1) + ", got " + key);
        }
    }
}
