package io.turnstile.nativeio.xdp;

import org.agrona.concurrent.UnsafeBuffer;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * One of an AF_XDP socket's four single-producer single-consumer rings, as mapped from the kernel
 * ({@code Documentation/networking/af_xdp.rst}):
 * <pre>
 *  mapping: ... | producer (u32) | ... | consumer (u32) | ... | flags (u32) | ... | desc[size] ...
 *               ^ off.producer        ^ off.consumer        ^ off.flags          ^ off.desc
 *  desc: RX/TX {u64 addr; u32 len; u32 options} (16 B), fill/completion {u64 addr} (8 B)
 * </pre>
 * The indices are free-running u32 (Java int arithmetic wraps the same way); an entry is at {@code index & mask}.
 * The other side's index is read with acquire and ours published with release (the kernel pairs them with
 * {@code smp_load_acquire}/{@code smp_store_release}), so entries written before a release are seen by the kernel,
 * and entries the kernel wrote are seen after an acquire. Both indices are cached, so a batch costs one acquire
 * and one release. Entries are accessed through an {@link UnsafeBuffer} over the mapping.
 * <p>
 * Package private: the socket's thread only.
 */
final class XskRing
{
    private static final VarHandle INT = JAVA_INT.varHandle();

    private final MemorySegment mapping;
    private final long producerOffset;
    private final long consumerOffset;
    private final long flagsOffset;
    private final UnsafeBuffer entries;
    private final int size;
    private final int mask;
    private final int entryBytes;
    private int producer;
    private int consumer;

    XskRing(
        final MemorySegment mapping,
        final long producerOffset,
        final long consumerOffset,
        final long flagsOffset,
        final long descOffset,
        final int size,
        final int entryBytes)
    {
        this.mapping = mapping;
        this.producerOffset = producerOffset;
        this.consumerOffset = consumerOffset;
        this.flagsOffset = flagsOffset;
        this.size = size;
        this.mask = size - 1;
        this.entryBytes = entryBytes;
        this.entries = new UnsafeBuffer(mapping.address() + descOffset, size * entryBytes);
        this.producer = (int)INT.getAcquire(mapping, producerOffset);
        this.consumer = (int)INT.getAcquire(mapping, consumerOffset);
    }

    /**
     * Producer side (fill, TX): entries free to write, re-reading the kernel's consumer only when the cache says
     * fewer than wanted.
     */
    int free(final int wanted)
    {
        int free = size - (producer - consumer);
        if (free < wanted)
        {
            consumer = (int)INT.getAcquire(mapping, consumerOffset);
            free = size - (producer - consumer);
        }
        return free;
    }

    /**
     * Producer side: byte offset in {@link #entries()} of the i-th entry after the last submitted one.
     */
    int producerEntry(final int i)
    {
        return ((producer + i) & mask) * entryBytes;
    }

    /**
     * Producer side: publish n written entries.
     */
    void submit(final int n)
    {
        producer += n;
        INT.setRelease(mapping, producerOffset, producer);
    }

    /**
     * Producer side: entries submitted that the kernel has not consumed yet.
     */
    int outstanding()
    {
        consumer = (int)INT.getAcquire(mapping, consumerOffset);
        return producer - consumer;
    }

    /**
     * Consumer side (RX, completion): entries ready, at most max, re-reading the kernel's producer when the cache is
     * empty.
     */
    int available(final int max)
    {
        int available = producer - consumer;
        if (available == 0)
        {
            producer = (int)INT.getAcquire(mapping, producerOffset);
            available = producer - consumer;
        }
        return Math.min(available, max);
    }

    /**
     * Consumer side: byte offset in {@link #entries()} of the i-th entry not yet released.
     */
    int consumerEntry(final int i)
    {
        return ((consumer + i) & mask) * entryBytes;
    }

    /**
     * Consumer side: hand n read entries back to the kernel.
     */
    void release(final int n)
    {
        consumer += n;
        INT.setRelease(mapping, consumerOffset, consumer);
    }

    /**
     * Whether the kernel asked for a wake-up (XDP_USE_NEED_WAKEUP).
     */
    boolean needsWakeup()
    {
        return ((int)INT.getAcquire(mapping, flagsOffset) & XdpLibC.XDP_RING_NEED_WAKEUP) != 0;
    }

    UnsafeBuffer entries()
    {
        return entries;
    }

    int size()
    {
        return size;
    }
}
