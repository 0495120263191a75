package io.turnstile.server.handshake;

import org.bouncycastle.tls.DatagramTransport;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One accepted peer's {@link DatagramTransport} for BouncyCastle: {@link #receive} takes datagrams from a bounded
 * queue the worker fills ({@link #offer}, on the worker thread, for datagrams from this peer only), and
 * {@link #send} hands datagrams to the worker's outbox through a {@link PeerOutput}.
 * <p>
 * The queue bounds the memory a peer can make the server hold: when it is full the worker drops the datagram and
 * counts it, as a full socket buffer would.
 */
public final class PeerTransport implements DatagramTransport
{
    private static final byte[] CLOSED = new byte[0];

    private final PeerKey peer;
    private final PeerOutput output;
    private final ArrayBlockingQueue<byte[]> inbound;
    private final int receiveLimit;
    private final int sendLimit;
    private final AtomicLong queueFull = new AtomicLong();
    private final AtomicLong sendRefused = new AtomicLong();
    private volatile boolean closed;

    /**
     * A transport.
     *
     * @param peer          the peer it talks to.
     * @param output        where sends go.
     * @param queueCapacity datagrams held before the worker drops.
     * @param receiveLimit  largest datagram accepted from the peer.
     * @param sendLimit     largest datagram BouncyCastle may send (it fragments handshake messages to fit).
     */
    public PeerTransport(
        final PeerKey peer, final PeerOutput output, final int queueCapacity, final int receiveLimit,
        final int sendLimit)
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
        this.peer = peer;
        this.output = output;
        this.inbound = new ArrayBlockingQueue<>(queueCapacity);
        this.receiveLimit = receiveLimit;
        this.sendLimit = sendLimit;
    }

    /**
     * Queue a datagram from the peer (worker thread); the bytes are copied.
     *
     * @param buffer holding the datagram.
     * @param offset of the datagram.
     * @param length of the datagram.
     * @return false when dropped: queue full, too long, or the transport is closed.
     */
    public boolean offer(final byte[] buffer, final int offset, final int length)
    {
        if (closed || length > receiveLimit)
        {
            return false;
        }
        final byte[] copy = new byte[length];
        System.arraycopy(buffer, offset, copy, 0, length);
        return offerCopy(copy);
    }

    /**
     * Queue a datagram the caller already copied and will not touch again.
     *
     * @param datagram the datagram.
     * @return false when dropped.
     */
    public boolean offerCopy(final byte[] datagram)
    {
        if (closed || datagram.length > receiveLimit)
        {
            return false;
        }
        if (!inbound.offer(datagram))
        {
            queueFull.incrementAndGet();
            return false;
        }
        return true;
    }

    /**
     * Take the next datagram, for the handshake thread before BouncyCastle runs (fragments of the hello).
     *
     * @param waitMillis how long to wait.
     * @return the datagram, or null on timeout.
     * @throws IOException when closed or interrupted.
     */
    public byte[] poll(final long waitMillis) throws IOException
    {
        if (closed)
        {
            throw new IOException("transport to " + peer + " is closed");
        }
        try
        {
            final byte[] datagram = inbound.poll(Math.max(0, waitMillis), TimeUnit.MILLISECONDS);
            if (datagram == CLOSED)
            {
                throw new IOException("transport to " + peer + " is closed");
            }
            return datagram;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted waiting for " + peer);
        }
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
     */
    @Override
    public int receive(final byte[] buf, final int off, final int len, final int waitMillis) throws IOException
    {
        final byte[] datagram = poll(waitMillis);
        if (null == datagram)
        {
            return -1;
        }
        final int length = Math.min(len, datagram.length);
        System.arraycopy(datagram, 0, buf, off, length);
        return length;
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
        if (!output.send(peer, buf, off, len))
        {
            sendRefused.incrementAndGet();
        }
    }

    /**
     * Close: wakes a waiting receiver; later offers are dropped. Idempotent.
     */
    @Override
    public void close()
    {
        if (!closed)
        {
            closed = true;
            inbound.clear();
            inbound.offer(CLOSED);
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
     * Where sends and the release go.
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
}
