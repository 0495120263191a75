package io.turnstile.server.handshake;

import org.agrona.DirectBuffer;
import io.turnstile.codec.PeerAddress;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.agrona.concurrent.UnsafeBuffer;
import org.bouncycastle.tls.DatagramTransport;
import org.bouncycastle.tls.TlsTimeoutException;

import java.io.IOException;
import java.lang.invoke.VarHandle;
import java.io.InterruptedIOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * One accepted peer's {@link DatagramTransport} for BouncyCastle, between two threads:
 * <pre>
 *   worker thread      offer(datagram)  pool.acquire() -&gt; copy -&gt; inbound (ManyToOneConcurrentArrayQueue) -&gt; unpark
 *   (or the conductor, for datagrams that came before the worker knew the session's slot)
 *   session thread     receive()        inbound.poll() -&gt; copy into BouncyCastle's buffer -&gt; pool.release()
 *                                       nothing queued: park until offered, closed, or the wait is over
 *                      send()           a reusable view of BouncyCastle's buffer -&gt; {@link PeerOutput}
 * </pre>
 * Timeouts are the conductor's: it calls {@link #expire(int)} with the phase the session was in when its deadline
 * passed, and a receive in that phase then ends at once: -1 while assembling the hello (nothing arrived in time), a
 * {@link TlsTimeoutException} while BouncyCastle handshakes (what its own handshake timer throws), an
 * {@link IdleExpiredException} once established (an {@link InterruptedIOException}, which BouncyCastle's
 * {@code DTLSTransport} passes through without failing the connection, so closing it still sends close_notify). An
 * expiry for a phase the session has already left is ignored.
 * <p>
 * The queue bounds the memory a peer can make the server hold: when it is full the conductor drops the datagram and
 * counts it, as a full socket buffer would. The datagram buffers come from a shared {@link DatagramPool} and the send
 * view is wrapped, not made, so a live session allocates nothing per datagram here.
 */
public final class PeerTransport implements DatagramTransport
{
    /** Phase: reassembling the verified hello. */
    public static final int ASSEMBLING = 0;
    /** Phase: BouncyCastle's handshake. */
    public static final int HANDSHAKING = 1;
    /** Phase: established, echoing. */
    public static final int ESTABLISHED = 2;
    private static final int NOT_EXPIRED = -1;

    private final PeerKey peer;
    private final PeerOutput output;
    private final DatagramPool pool;
    private final ManyToOneConcurrentArrayQueue<PooledDatagram> inbound;
    private final int receiveLimit;
    private final int sendLimit;
    private final UnsafeBuffer sendView = new UnsafeBuffer(new byte[0]);
    private final UnsafeBuffer offerView = new UnsafeBuffer(new byte[0]);
    private final AtomicLong queueFull = new AtomicLong();
    private final AtomicLong offered = new AtomicLong();
    private final AtomicLong sendRefused = new AtomicLong();
    private volatile Thread receiver;
    private volatile boolean closed;
    private volatile int phase = ASSEMBLING;
    private volatile int expiredPhase = NOT_EXPIRED;

    /**
     * A transport with a pool of its own, for a session used alone (tests, embedding without a conductor).
     *
     * @param peer          the peer it talks to.
     * @param output        where sends go.
     * @param queueCapacity datagrams held before the producer drops (rounded up to a power of two).
     * @param receiveLimit  largest datagram accepted from the peer.
     * @param sendLimit     largest datagram BouncyCastle may send (it fragments handshake messages to fit).
     */
    public PeerTransport(
        final PeerKey peer, final PeerOutput output, final int queueCapacity, final int receiveLimit,
        final int sendLimit)
    {
        this(peer, output, queueCapacity, receiveLimit, sendLimit,
            new DatagramPool(Math.max(receiveLimit, 64), Math.max(queueCapacity, 1)));
    }

    /**
     * A transport whose datagram buffers come from a shared pool.
     *
     * @param peer          the peer it talks to.
     * @param output        where sends go.
     * @param queueCapacity datagrams held before the producer drops (rounded up to a power of two).
     * @param receiveLimit  largest datagram accepted from the peer, at most the pool's buffer size.
     * @param sendLimit     largest datagram BouncyCastle may send (it fragments handshake messages to fit).
     * @param pool          where datagram buffers come from and go back to.
     */
    public PeerTransport(
        final PeerKey peer, final PeerOutput output, final int queueCapacity, final int receiveLimit,
        final int sendLimit, final DatagramPool pool)
    {
        if (queueCapacity < 1)
        {
            throw new IllegalArgumentException("queueCapacity must be 1 or more, got " + queueCapacity);
        }
        if (receiveLimit < 64 || sendLimit < 64)
        {
            throw new IllegalArgumentException("receive and send limits must be 64 or more, got " + receiveLimit +
                " and " + sendLimit);
        }
        if (receiveLimit > pool.bufferBytes())
        {
            throw new IllegalArgumentException("receiveLimit " + receiveLimit + " exceeds the pool's buffers of " +
                pool.bufferBytes() + " bytes");
        }
        this.peer = peer;
        this.output = output;
        this.pool = pool;
        this.inbound = new ManyToOneConcurrentArrayQueue<>(queueCapacity);
        this.receiveLimit = receiveLimit;
        this.sendLimit = sendLimit;
    }

    /**
     * Whether this transport talks to the given peer.
     *
     * @param peer an address and port.
     * @return true when they are this transport's peer's.
     */
    public boolean isFor(final PeerAddress peer)
    {
        return this.peer.peer().equalTo(peer);
    }

    /**
     * Datagrams queued so far: the conductor reads it to know the peer was heard from, for the idle timeout.
     *
     * @return count; any thread.
     */
    public long offered()
    {
        return offered.get();
    }

    /**
     * Queue a datagram from the peer (its worker, or the conductor: any thread); the bytes are copied.
     *
     * @param buffer holding the datagram.
     * @param offset of the datagram.
     * @param length of the datagram.
     * @return false when dropped: queue full (counted), too long, or the transport is closed.
     */
    public boolean offer(final DirectBuffer buffer, final int offset, final int length)
    {
        if (closed || length > receiveLimit)
        {
            return false;
        }
        final PooledDatagram datagram = pool.acquire();
        buffer.getBytes(offset, datagram.bytes(), 0, length);
        datagram.length(length);
        if (!inbound.offer(datagram))
        {
            pool.release(datagram);
            queueFull.getAndIncrement();
            return false;
        }
        offered.getAndIncrement();
        // Dekker with receive(): it writes receiver, then polls; this offered, then reads receiver. The queue
        // publishes the datagram with a release store only, which a later load may overtake: without a full fence
        // both sides can miss each other and the session sleeps on a queued datagram (seen under a flood).
        VarHandle.fullFence();
        final Thread waiting = receiver;
        if (null != waiting)
        {
            LockSupport.unpark(waiting);
        }
        return true;
    }

    /**
     * Queue a datagram from a byte array; the bytes are copied. One thread at a time (it reuses one view).
     *
     * @param buffer holding the datagram.
     * @param offset of the datagram.
     * @param length of the datagram.
     * @return false when dropped.
     */
    public boolean offer(final byte[] buffer, final int offset, final int length)
    {
        offerView.wrap(buffer);
        return offer(offerView, offset, length);
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public int getReceiveLimit()
    {
        return receiveLimit;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public int getSendLimit()
    {
        return sendLimit;
    }

    /**
     * {@inheritDoc}
     *
     * @return the datagram's length, or -1 when nothing arrived in time (BouncyCastle's convention).
     * @throws IOException when closed or interrupted.
     */
    @Override
    public int receive(final byte[] buf, final int off, final int len, final int waitMillis) throws IOException
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.max(0, waitMillis));
        receiver = Thread.currentThread();
        try
        {
            while (true)
            {
                if (closed)
                {
                    throw new IOException("transport to " + peer + " is closed");
                }
                final PooledDatagram datagram = inbound.poll();
                if (null != datagram)
                {
                    final int length = Math.min(len, datagram.length());
                    System.arraycopy(datagram.bytes(), 0, buf, off, length);
                    pool.release(datagram);
                    return length;
                }
                if (expiredPhase == phase)
                {
                    if (HANDSHAKING == phase)
                    {
                        // What BouncyCastle's own handshake timer throws: the same abort, the same alert.
                        throw new TlsTimeoutException("the handshake deadline for " + peer + " passed");
                    }
                    if (ESTABLISHED == phase)
                    {
                        // Not -1: BouncyCastle's record layer would call again at once until its own wait ran out.
                        throw new IdleExpiredException(peer);
                    }
                    return -1;
                }
                final long leftNs = deadlineNs - System.nanoTime();
                if (leftNs <= 0)
                {
                    return -1;
                }
                // An unpark between the poll and here leaves a permit: parkNanos returns at once, nothing is missed.
                LockSupport.parkNanos(this, leftNs);
                if (Thread.interrupted())
                {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted waiting for " + peer);
                }
            }
        }
        finally
        {
            receiver = null;
        }
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void send(final byte[] buf, final int off, final int len) throws IOException
    {
        if (closed)
        {
            throw new IOException("transport to " + peer + " is closed");
        }
        if (len > sendLimit)
        {
            throw new IOException("datagram of " + len + " bytes exceeds the send limit " + sendLimit);
        }
        sendView.wrap(buf);
        if (!output.send(peer, sendView, off, len))
        {
            sendRefused.getAndIncrement();
        }
    }

    /**
     * Close: wakes a waiting receiver; later offers are dropped. Idempotent; any thread.
     */
    @Override
    public void close()
    {
        closed = true;
        final Thread waiting = receiver;
        if (null != waiting)
        {
            LockSupport.unpark(waiting);
        }
    }

    /**
     * The session's phase, set by its own thread as it moves on.
     *
     * @param phase {@link #ASSEMBLING}, {@link #HANDSHAKING} or {@link #ESTABLISHED}.
     */
    void phase(final int phase)
    {
        this.phase = phase;
    }

    /**
     * The session's phase, for the conductor's timers.
     *
     * @return {@link #ASSEMBLING}, {@link #HANDSHAKING} or {@link #ESTABLISHED}.
     */
    public int phase()
    {
        return phase;
    }

    /**
     * A deadline passed (conductor thread): wake the receiver, whose receives in that phase now end at once.
     *
     * @param phase the phase the deadline belonged to.
     */
    void expire(final int phase)
    {
        expiredPhase = phase;
        final Thread waiting = receiver;
        if (null != waiting)
        {
            LockSupport.unpark(waiting);
        }
    }

    /**
     * Whether the conductor expired the phase the session is in.
     *
     * @return true once a deadline of the current phase passed.
     */
    public boolean isExpired()
    {
        return expiredPhase == phase;
    }

    /**
     * Give every queued datagram back to the pool (the session's thread, once it has ended).
     */
    void drainToPool()
    {
        PooledDatagram datagram;
        while (null != (datagram = inbound.poll()))
        {
            pool.release(datagram);
        }
    }

    /**
     * Whether {@link #close()} was called.
     *
     * @return true when closed.
     */
    public boolean isClosed()
    {
        return closed;
    }

    /**
     * The peer.
     *
     * @return its key.
     */
    public PeerKey peer()
    {
        return peer;
    }

    /**
     * Where sends go.
     *
     * @return the output.
     */
    public PeerOutput output()
    {
        return output;
    }

    /**
     * Datagrams dropped because the queue was full.
     *
     * @return the count.
     */
    public long queueFull()
    {
        return queueFull.get();
    }

    /**
     * Sends the output refused (outbox full).
     *
     * @return the count.
     */
    public long sendRefused()
    {
        return sendRefused.get();
    }

    /**
     * An established session's idle deadline passed: thrown by {@link #receive} so BouncyCastle returns at once.
     */
    public static final class IdleExpiredException extends InterruptedIOException
    {
        private static final long serialVersionUID = 1L;

        IdleExpiredException(final PeerKey peer)
        {
            super("idle deadline for " + peer + " passed");
        }
    }
}
