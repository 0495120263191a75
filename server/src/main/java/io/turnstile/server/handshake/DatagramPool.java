package io.turnstile.server.handshake;

import org.agrona.concurrent.ManyToManyConcurrentArrayQueue;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The buffers that carry peers' datagrams from the {@link SessionConductor} to the sessions' threads, so that a live
 * session's datagrams cost no allocation: the conductor {@link #acquire()}s one, fills it and queues it on the
 * session's transport; the session copies it into BouncyCastle's buffer and {@link #release}s it.
 * <p>
 * The pool grows on demand (a new buffer when none is free, counted in {@link #created()}), which happens while traffic
 * ramps up; once it has as many as are in flight at once, nothing more is allocated. It keeps at most
 * {@code retained} free buffers: what a burst needed beyond that is left to the garbage collector when it comes back,
 * so the memory of a flood of sessions is given back. Every session's queue is bounded, so buffers in flight are too.
 * <p>
 * <b>Note:</b> thread safe: acquired on the conductor thread, released on session threads.
 */
public final class DatagramPool
{
    private final ManyToManyConcurrentArrayQueue<PooledDatagram> free;
    private final int bufferBytes;
    private final AtomicLong created = new AtomicLong();

    /**
     * A pool, empty until used.
     *
     * @param bufferBytes size of each buffer: the longest datagram a session accepts.
     * @param retained    most free buffers kept (rounded up to a power of two).
     */
    public DatagramPool(final int bufferBytes, final int retained)
    {
        if (bufferBytes < 1 || retained < 1)
        {
            throw new IllegalArgumentException("bufferBytes and retained must be 1 or more, got " + bufferBytes +
                " and " + retained);
        }
        this.bufferBytes = bufferBytes;
        this.free = new ManyToManyConcurrentArrayQueue<>(retained);
    }

    /**
     * A free buffer, made when none is (conductor thread).
     *
     * @return a buffer whose contents are undefined.
     */
    public PooledDatagram acquire()
    {
        final PooledDatagram datagram = free.poll();
        if (null != datagram)
        {
            return datagram;
        }
        created.getAndIncrement();
        return new PooledDatagram(bufferBytes);
    }

    /**
     * Give a buffer back (any thread); dropped when the pool already keeps {@code retained}.
     *
     * @param datagram no longer used by the caller.
     */
    public void release(final PooledDatagram datagram)
    {
        free.offer(datagram);
    }

    /**
     * Buffers made since the pool was built: stops rising once the pool covers the traffic.
     *
     * @return the count.
     */
    public long created()
    {
        return created.get();
    }

    /**
     * Free buffers now.
     *
     * @return the count.
     */
    public int free()
    {
        return free.size();
    }

    /**
     * Size of each buffer.
     *
     * @return bytes.
     */
    public int bufferBytes()
    {
        return bufferBytes;
    }
}
